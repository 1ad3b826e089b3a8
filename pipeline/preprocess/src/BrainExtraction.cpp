#include "strega/preprocess/BrainExtraction.h"

#include "MaskOps.h"
#include "TissueInternal.h"
#include "strega/core/Error.h"
#include "strega/core/Metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace strega::preprocess {

SkullStripCheck detectSkullStripped(const ImageF& image) {
  SkullStripCheck check;
  if (image.empty()) return check;
  float maxAbs = 0.0f;
  for (float v : image.voxels())
    maxAbs = std::max(maxAbs, std::abs(v));
  const float zeroTolerance = 1e-6f * std::max(maxAbs, 1.0f);
  std::size_t zeros = 0;
  for (float v : image.voxels())
    zeros += std::abs(v) <= zeroTolerance ? 1 : 0;
  check.zeroFraction = double(zeros) / double(image.voxelCount());
  const auto& s = image.size();
  std::size_t border = 0, borderZeros = 0;
  for (std::size_t k = 0; k < s[2]; ++k)
    for (std::size_t j = 0; j < s[1]; ++j)
      for (std::size_t i = 0; i < s[0]; ++i) {
        if (i != 0 && j != 0 && k != 0 && i + 1 != s[0] && j + 1 != s[1] && k + 1 != s[2]) continue;
        ++border;
        borderZeros += std::abs(image.at(i, j, k)) <= zeroTolerance ? 1 : 0;
      }
  check.borderZeroFraction = border ? double(borderZeros) / double(border) : 0.0;
  if (check.zeroFraction < 0.3 || check.borderZeroFraction < 0.95) return check;
  const Mask foreground = nonZeroMask(image);
  check.foregroundVolumeMl = volumeMl(foreground);
  check.skullStripped = check.foregroundVolumeMl >= 500.0 && check.foregroundVolumeMl <= 2500.0;
  return check;
}

Mask nonZeroMask(const ImageF& image) {
  float maxAbs = 0.0f;
  for (float v : image.voxels())
    maxAbs = std::max(maxAbs, std::abs(v));
  const float zeroTolerance = 1e-6f * std::max(maxAbs, 1.0f);
  Mask mask(image.geometry(), 0);
  for (std::size_t n = 0; n < image.voxelCount(); ++n)
    mask[n] = std::abs(image[n]) > zeroTolerance ? 1 : 0;
  detail::keepLargestComponent(mask);
  detail::fillHoles(mask);
  return mask;
}

namespace {

/// The part [lo, hi] (voxel indices, inclusive) of a volume, with its geometry.
template <class T> Volume<T> cropTo(const Volume<T>& v, const Size3& lo, const Size3& hi) {
  ImageGeometry g = v.geometry();
  g.originMm = g.indexToPhysical({double(lo[0]), double(lo[1]), double(lo[2])});
  for (int a = 0; a < 3; ++a)
    g.size[a] = hi[a] - lo[a] + 1;
  Volume<T> out(g);
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i)
        out.at(i, j, k) = v.at(i + lo[0], j + lo[1], k + lo[2]);
  return out;
}

BrainExtractionResult refineWithin(const ImageF& image, const Mask& propagated, const BrainExtractionOptions& options,
                                   ProgressScope* progress) {
  BrainExtractionResult result;
  result.mask = propagated;
  for (auto& v : result.mask.voxels())
    v = v ? 1 : 0;
  result.propagatedVoxels = detail::countForeground(result.mask);
  if (result.propagatedVoxels == 0) throw Error(ErrorKind::InvalidInput, "the propagated brain mask is empty");
  if (!options.refine) return result;

  detail::IntensityClasses classes;
  Contrast contrast = options.contrast;
  if (options.tissueMeans) {
    // Given as CSF, GM, WM: store in ascending order like the mixture fit.
    const auto& t = *options.tissueMeans;
    if (contrast == Contrast::Auto) contrast = t[0] < t[2] ? Contrast::T1 : Contrast::T2;
    classes.mean = contrast == Contrast::T2 ? std::array<double, 3>{t[2], t[1], t[0]} : t;
    classes.sd.fill(options.whiteMatterSd);
  } else {
    classes = detail::fitIntensityClasses(image, result.mask);
    if (contrast == Contrast::Auto) contrast = classes.weight[0] <= classes.weight[2] ? Contrast::T1 : Contrast::T2;
  }
  const int csf = contrast == Contrast::T2 ? 2 : 0, wm = contrast == Contrast::T2 ? 0 : 2;
  const double muCsf = classes.mean[csf], muGm = classes.mean[1];
  const double span = muGm - muCsf; // negative in T2: the score below runs the same way in both contrasts
  if (std::abs(span) < 1e-6) {
    result.warnings.push_back("no CSF/grey-matter contrast; brain mask kept as propagated");
    return result;
  }
  const double wmLimit =
    classes.mean[wm] + (contrast == Contrast::T2 ? -1.0 : 1.0) * options.whiteMatterSigmas * classes.sd[wm];
  const double tMax = (wmLimit - muCsf) / span;
  auto score = [&](float v) { return (double(v) - muCsf) / span; };
  if (progress) progress->update(0.2, "band");

  const int steps = std::max(1, static_cast<int>(std::lround(options.bandMm / image.geometry().spacingMm[0])));
  const Mask inner = detail::erodeBall(result.mask, steps);
  const Mask outer = detail::dilateBall(result.mask, steps);
  if (progress) progress->update(0.6, "boundary");
  for (std::size_t n = 0; n < image.voxelCount(); ++n) {
    if (outer[n] == inner[n]) continue; // not in the band
    const double t = score(image[n]);
    if (result.mask[n]) {
      if (t < options.removeBelow || t > tMax) {
        result.mask[n] = 0;
        ++result.removedVoxels;
      }
    } else if (t >= options.addAbove && t <= tMax) {
      result.mask[n] = 1;
      ++result.addedVoxels;
    }
  }
  const std::size_t before = detail::countForeground(result.mask);
  const std::size_t kept = detail::keepLargestComponent(result.mask);
  result.removedVoxels += before - kept;
  detail::fillHoles(result.mask);
  const std::size_t after = detail::countForeground(result.mask);
  result.addedVoxels += after - kept;
  if (double(result.removedVoxels) > 0.1 * double(result.propagatedVoxels))
    result.warnings.push_back("brain extraction removed more than 10 % of the propagated mask; check the image");
  if (progress) progress->update(1.0);
  return result;
}

} // namespace

BrainExtractionResult refineBrainMask(const ImageF& image, const Mask& propagated,
                                      const BrainExtractionOptions& options, ProgressScope* progress) {
  if (image.size() != propagated.size())
    throw Error(ErrorKind::InvalidArgument, "the propagated mask does not match the image size");
  // Work on the mask's bounding box widened by the band and a little background (identical results, less work).
  const auto& s = propagated.size();
  Size3 lo = s, hi{0, 0, 0};
  bool any = false;
  for (std::size_t k = 0; k < s[2]; ++k)
    for (std::size_t j = 0; j < s[1]; ++j)
      for (std::size_t i = 0; i < s[0]; ++i)
        if (propagated.at(i, j, k)) {
          any = true;
          lo = {std::min(lo[0], i), std::min(lo[1], j), std::min(lo[2], k)};
          hi = {std::max(hi[0], i), std::max(hi[1], j), std::max(hi[2], k)};
        }
  if (!any) throw Error(ErrorKind::InvalidInput, "the propagated brain mask is empty");
  const auto margin = static_cast<std::size_t>(std::ceil(options.bandMm / image.geometry().spacingMm[0])) + 3;
  for (int a = 0; a < 3; ++a) {
    lo[a] = lo[a] > margin ? lo[a] - margin : 0;
    hi[a] = std::min(s[a] - 1, hi[a] + margin);
  }
  auto result = refineWithin(cropTo(image, lo, hi), cropTo(propagated, lo, hi), options, progress);
  Mask full(propagated.geometry(), 0);
  const auto& c = result.mask.size();
  for (std::size_t k = 0; k < c[2]; ++k)
    for (std::size_t j = 0; j < c[1]; ++j)
      for (std::size_t i = 0; i < c[0]; ++i)
        full.at(i + lo[0], j + lo[1], k + lo[2]) = result.mask.at(i, j, k);
  result.mask = std::move(full);
  return result;
}

} // namespace strega::preprocess
