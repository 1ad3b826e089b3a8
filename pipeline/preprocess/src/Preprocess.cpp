#include "strega/preprocess/Preprocess.h"

#include "MaskOps.h"
#include "NativeMapping.h"
#include "Similarity.h"
#include "TimedStage.h"
#include "TissueInternal.h"
#include "strega/core/Error.h"
#include "strega/core/Metrics.h"
#include "strega/preprocess/Atlas.h"
#include "strega/preprocess/Resample.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>

namespace strega::preprocess {

const char* toString(RegistrationMode mode) {
  switch (mode) {
  case RegistrationMode::Auto: return "auto";
  case RegistrationMode::Register: return "register";
  case RegistrationMode::Skip: return "skip";
  }
  return "auto";
}

namespace {

/// Plausibility limits on the mutual information over the atlas brain after the affine stage (nats; generated
/// heads reach about 0.75 in T1 and 0.65 in T2; noise and uniform images stay below 0.05).
constexpr double kFailedBrainMetric = 0.15;
constexpr double kWeakBrainMetric = 0.35;
constexpr double kThickSliceWarnMm = 3.0;
constexpr double kThickSliceLimitMm = 8.0;

std::string format(const char* fmt, double a, double b = 0.0) {
  char buffer[256];
  std::snprintf(buffer, sizeof buffer, fmt, a, b);
  return buffer;
}

void warn(PreprocessResult& result, ProgressScope& progress, const std::string& message) {
  result.warnings.push_back(message);
  progress.warn(message);
}

/// Input checks; returns a copy with non-finite voxels set to 0.
ImageF checkInput(const ImageF& native, PreprocessResult& result, ProgressScope& progress) {
  if (native.empty()) throw Error(ErrorKind::InvalidInput, "the image is empty");
  const auto& g = native.geometry();
  g.validate();
  for (int a = 0; a < 3; ++a)
    if (g.size[a] < 2)
      throw Error(ErrorKind::Unsupported, "the image is " + std::to_string(g.size[0]) + " x " +
                                            std::to_string(g.size[1]) + " x " + std::to_string(g.size[2]) +
                                            " voxels (a single slice or less); brain pre-processing needs a 3D "
                                            "volume");
  const double thickest = std::max({g.spacingMm[0], g.spacingMm[1], g.spacingMm[2]});
  const double thinnest = std::min({g.spacingMm[0], g.spacingMm[1], g.spacingMm[2]});
  if (thickest > kThickSliceLimitMm)
    throw Error(ErrorKind::Unsupported,
                format("the voxels are %.1f mm thick; brain pre-processing needs slices of at most 8 mm", thickest));
  if (thickest > kThickSliceWarnMm)
    warn(result, progress,
         format("thick slices (%.1f mm, in-plane %.1f mm): registration and tissue maps are less accurate", thickest,
                thinnest));
  for (int a = 0; a < 3; ++a)
    if (double(g.size[a]) * g.spacingMm[a] < 60.0)
      throw Error(ErrorKind::InvalidInput, "the field of view is too small to hold a head",
                  format("axis extent %.1f mm", double(g.size[a]) * g.spacingMm[a]));
  ImageF image = native;
  std::size_t nonFinite = 0;
  float lo = INFINITY, hi = -INFINITY;
  for (auto& v : image.voxels()) {
    if (!std::isfinite(v)) {
      v = 0.0f;
      ++nonFinite;
    }
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (nonFinite) warn(result, progress, std::to_string(nonFinite) + " voxels were NaN or infinite and were set to 0");
  if (!(hi - lo > 1e-6f * std::max(1.0f, std::abs(hi))))
    throw Error(ErrorKind::InvalidInput, "the image is uniform: there is no brain in it");
  return image;
}

bool looksLikeBratsGrid(const ImageGeometry& g) {
  return g.size == Size3{240, 240, 155} && std::abs(g.spacingMm[0] - 1.0) < 0.05 &&
         std::abs(g.spacingMm[1] - 1.0) < 0.05 && std::abs(g.spacingMm[2] - 1.0) < 0.05;
}

/// Pearson correlation of two images inside a mask.
double correlation(const ImageF& a, const ImageF& b, const Mask& mask) {
  double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0, n = 0;
  for (std::size_t i = 0; i < a.voxelCount(); ++i) {
    if (!mask[i]) continue;
    const double x = a[i], y = b[i];
    sa += x, sb += y, saa += x * x, sbb += y * y, sab += x * y, n += 1;
  }
  if (n < 2) return 0.0;
  const double cov = sab / n - sa / n * sb / n;
  const double va = saa / n - sa / n * sa / n, vb = sbb / n - sb / n * sb / n;
  return va > 0 && vb > 0 ? cov / std::sqrt(va * vb) : 0.0;
}

struct TissueIntensities {
  std::array<double, 3> mean{};
  double whiteMatterSd = 0.0;
  bool valid = false;
};

/// Atlas regions where each tissue is found: ventricles (dark and 15 mm deep), the cortical ribbon (grey-matter
/// intensities within 4 mm of the brain surface), deep white matter. Computed once per atlas.
struct TissueRegions {
  std::array<std::vector<std::uint32_t>, 3> voxels;
};

std::shared_ptr<const TissueRegions> tissueRegions(const Atlas& atlas) {
  static std::mutex mutex;
  static std::map<const Atlas*, std::shared_ptr<const TissueRegions>> cache;
  std::lock_guard lock(mutex);
  auto& slot = cache[&atlas];
  if (slot) return slot;
  auto regions = std::make_shared<TissueRegions>();
  const auto classes = detail::fitIntensityClasses(atlas.head, atlas.brainMask);
  const Mask deep = detail::erodeBox(atlas.brainMask, 15.0);
  const Mask core = detail::erodeBox(atlas.brainMask, 4.0);
  for (std::size_t n = 0; n < atlas.head.voxelCount(); ++n) {
    if (!atlas.brainMask[n]) continue;
    const double a = atlas.head[n];
    const auto index = static_cast<std::uint32_t>(n);
    if (deep[n] && a < classes.mean[0])
      regions->voxels[0].push_back(index);
    else if (!core[n] && std::abs(a - classes.mean[1]) < 0.5 * classes.sd[1])
      regions->voxels[1].push_back(index);
    else if (deep[n] && a > classes.mean[2])
      regions->voxels[2].push_back(index);
  }
  slot = regions;
  return slot;
}

/// This image's CSF / GM / WM intensities: medians over the atlas tissue regions (robust to the registration's last
/// millimetre), and the white matter's robust spread.
TissueIntensities measureTissueIntensities(const ImageF& image, const Atlas& atlas) {
  TissueIntensities out;
  const auto regions = tissueRegions(atlas);
  std::array<std::vector<float>, 3> values;
  for (int c = 0; c < 3; ++c)
    for (auto n : regions->voxels[c])
      values[c].push_back(image[n]);
  auto quantile = [](std::vector<float>& v, double q) {
    const auto k = static_cast<std::size_t>(q * double(v.size() - 1));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return double(v[k]);
  };
  for (const auto& v : values)
    if (v.size() < 200) return out;
  for (int c = 0; c < 3; ++c)
    out.mean[c] = quantile(values[c], 0.5);
  out.whiteMatterSd = (quantile(values[2], 0.75) - quantile(values[2], 0.25)) / 1.349;
  out.valid = true;
  return out;
}

void appendTimings(StageTimings& into, const StageTimings& from, const std::string& prefix) {
  for (const auto& t : from)
    into.push_back({prefix + t.stage, t.seconds});
}

} // namespace

PreprocessResult preprocess(const ImageF& nativeInput, const PreprocessOptions& options, ProgressScope& progress) {
  PreprocessResult result;
  result.nativeGeometry = nativeInput.geometry();
  ImageF native;
  SkullStripCheck stripped;
  {
    detail::TimedStage stage(&progress, "check input", 0.0, 0.02, &result.timings);
    native = checkInput(nativeInput, result, stage.scope());
    stripped = detectSkullStripped(native);
    result.skullStrippedInput = stripped.skullStripped;
  }

  bool registerInput = true;
  switch (options.registrationMode) {
  case RegistrationMode::Register: registerInput = true; break;
  case RegistrationMode::Skip: registerInput = false; break;
  case RegistrationMode::Auto:
    registerInput = !(stripped.skullStripped && looksLikeBratsGrid(native.geometry()));
    break;
  }
  if (!registerInput && !stripped.skullStripped)
    throw Error(
      ErrorKind::InvalidArgument,
      "skipping registration needs a skull-stripped input (zero background); this image has a head in it",
      format("zero fraction %.2f, border zero fraction %.2f", stripped.zeroFraction, stripped.borderZeroFraction));
  result.registered = registerInput;

  std::shared_ptr<const Atlas> atlas;
  ImageF working;
  Mask propagated;
  if (registerInput) {
    {
      detail::TimedStage stage(&progress, "load atlas", 0.02, 0.04, &result.timings);
      atlas = sharedAtlas(options.atlasDirectory);
    }
    {
      detail::TimedStage stage(&progress, "register", 0.04, 0.55, &result.timings);
      // A skull-stripped input registers to the brain-extracted atlas, a head to the head.
      const ImageF& fixed = stripped.skullStripped ? atlas->brain : atlas->head;
      if (options.precomputedTransform) {
        result.registration.transform = *options.precomputedTransform;
        result.registration.brainMetric =
          detail::brainMutualInformation(fixed, atlas->brainMask, native, options.precomputedTransform->affineOnly());
        result.registration.finalBrainMetric =
          detail::brainMutualInformation(fixed, atlas->brainMask, native, *options.precomputedTransform);
        result.registration.deformationAccepted = options.precomputedTransform->deformation.has_value();
      } else {
        result.registration = registerToAtlas(native, fixed, atlas->brainMask, options.registration, &stage.scope());
      }
    }
    appendTimings(result.timings, result.registration.timings, "register/");
    result.transform = result.registration.transform;
    result.registrationBrainMetric = result.registration.brainMetric;
    const double det = result.transform.affine.determinant();
    if (result.registration.brainMetric < kFailedBrainMetric || !(det > 0.4 && det < 2.5))
      throw Error(
        ErrorKind::InvalidInput,
        "the registration to the atlas failed: this does not look like a head or brain MRI (or its orientation "
        "in the file header is wrong)",
        format("brain mutual information %.3f (a head reaches about 0.6), affine volume ratio %.3f",
               result.registration.brainMetric, det));
    if (result.registration.brainMetric < kWeakBrainMetric)
      warn(result, progress,
           format("weak registration to the atlas (brain mutual information %.3f); check the brain mask",
                  result.registration.brainMetric));
    if (det < 0.7 || det > 1.45) warn(result, progress, format("unusual head size: %.2f times the atlas volume", det));
    result.workingGeometry = atlas->geometry();
    {
      detail::TimedStage stage(&progress, "resample", 0.55, 0.6, &result.timings);
      if (stripped.skullStripped)
        propagated = resampleMaskToAtlas(nonZeroMask(native), result.transform, atlas->geometry());
      else
        propagated = atlas->brainMask;
      // Everything downstream looks at the brain and a band around it: resample only there.
      working = detail::resampleToAtlasWithin(native, result.transform,
                                              detail::dilateBox(propagated, options.brainExtraction.bandMm + 8.0), 0.0f,
                                              &stage.scope());
    }
  } else {
    result.workingGeometry = native.geometry();
    working = native;
    propagated = nonZeroMask(native);
  }

  BiasCorrectionResult corrected;
  {
    detail::TimedStage stage(&progress, "n4", 0.6, 0.72, &result.timings);
    corrected = correctBias(working, propagated, options.n4, &stage.scope());
  }
  working = ImageF(); // release
  // Which way the intensities run: the registered image correlates positively with the T1 atlas inside the
  // brain when it is T1-weighted; otherwise (or when unsure) the segmenter decides from the class volumes.
  Contrast contrast = options.tissue.contrast;
  if (contrast == Contrast::Auto && registerInput) {
    const double r = correlation(corrected.corrected, stripped.skullStripped ? atlas->brain : atlas->head, propagated);
    if (r > 0.2)
      contrast = Contrast::T1;
    else if (r < -0.2)
      contrast = Contrast::T2;
  }
  {
    detail::TimedStage stage(&progress, "brain mask", 0.72, 0.76, &result.timings);
    if (registerInput && !stripped.skullStripped) {
      BrainExtractionOptions brainOptions = options.brainExtraction;
      if (brainOptions.contrast == Contrast::Auto) brainOptions.contrast = contrast;
      if (!brainOptions.tissueMeans) {
        const auto intensities = measureTissueIntensities(corrected.corrected, *atlas);
        if (intensities.valid) {
          brainOptions.tissueMeans = intensities.mean;
          brainOptions.whiteMatterSd = intensities.whiteMatterSd;
        }
      }
      auto extracted = refineBrainMask(corrected.corrected, propagated, brainOptions, &stage.scope());
      result.workingBrainMask = std::move(extracted.mask);
      for (const auto& w : extracted.warnings)
        warn(result, progress, w);
    } else {
      result.workingBrainMask = propagated;
    }
  }
  result.workingBrain = ImageF(result.workingGeometry, 0.0f);
  for (std::size_t n = 0; n < result.workingBrain.voxelCount(); ++n)
    if (result.workingBrainMask[n]) result.workingBrain[n] = corrected.corrected[n];
  corrected.corrected = ImageF();

  {
    detail::TimedStage stage(&progress, "tissue", 0.76, 0.9, &result.timings);
    TissueOptions tissueOptions = options.tissue;
    tissueOptions.contrast = contrast;
    result.tissue = segmentTissues(result.workingBrain, result.workingBrainMask, tissueOptions, &stage.scope());
    result.contrast = result.tissue.contrast;
    for (const auto& w : result.tissue.warnings)
      warn(result, progress, w);
  }

  if (options.nativeOutputs) {
    detail::TimedStage stage(&progress, "map to native", 0.9, 1.0, &result.timings);
    if (registerInput) {
      auto maps = detail::mapResultsToNative(result.workingBrainMask, corrected.biasField, result.tissue.labels,
                                             result.transform, native, &stage.scope());
      result.nativeTissue = std::move(maps.tissue);
      if (stripped.skullStripped) {
        // The input's own non-zero region is the exact native mask.
        result.nativeBrainMask = nonZeroMask(native);
        const ImageF bias =
          mapToNative(corrected.biasField, result.transform, native.geometry(), Interpolation::Linear, 1.0f);
        result.nativeBrain = ImageF(native.geometry(), 0.0f);
        for (std::size_t n = 0; n < native.voxelCount(); ++n)
          if (result.nativeBrainMask[n] && bias[n] > 0.0f) result.nativeBrain[n] = native[n] / bias[n];
      } else {
        result.nativeBrainMask = std::move(maps.brainMask);
        result.nativeBrain = std::move(maps.brain);
      }
    } else {
      result.nativeBrainMask = result.workingBrainMask;
      result.nativeTissue = result.tissue.labels;
      result.nativeBrain = ImageF(native.geometry(), 0.0f);
      for (std::size_t n = 0; n < native.voxelCount(); ++n)
        if (result.nativeBrainMask[n] && corrected.biasField[n] > 0.0f)
          result.nativeBrain[n] = native[n] / corrected.biasField[n];
    }
    result.brainVolumeMl = volumeMl(result.nativeBrainMask);
  } else {
    result.brainVolumeMl =
      volumeMl(result.workingBrainMask) * (registerInput ? std::abs(result.transform.affine.determinant()) : 1.0);
  }
  if (result.brainVolumeMl < 300.0)
    throw Error(ErrorKind::InvalidInput,
                format("the brain mask holds only %.0f mL: no plausible brain found", result.brainVolumeMl));
  if (result.brainVolumeMl < 700.0 || result.brainVolumeMl > 2500.0)
    warn(result, progress, format("unusual brain volume: %.0f mL", result.brainVolumeMl));
  return result;
}

} // namespace strega::preprocess
