// preprocess_eval: accuracy figures of strega::preprocess on generated heads and tissue phantoms.
//   preprocess_eval colin27-tissue OUT.nii.gz      write Colin27's tissue map (labels 0-3, atlas space)
//   preprocess_eval head SEED t1|t2 OUTDIR         write a generated head, its truth mask
#include "NiftiFiles.h"

#include "strega/core/Metrics.h"
#include "strega/preprocess/Atlas.h"
#include "strega/preprocess/BiasCorrection.h"
#include "strega/preprocess/Preprocess.h"
#include "strega/preprocess/Registration.h"
#include "strega/preprocess/Resample.h"
#include "strega/preprocess/TissueSegmentation.h"
#include "strega/simulate/Colin27Tissue.h"
#include "strega/simulate/HeadGenerator.h"
#include "strega/simulate/TissuePhantom.h"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <random>
#include <string>

using namespace strega;

namespace {
double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

/// Mean and max distance (mm) between two atlas->native transforms over the atlas brain (every 2nd voxel).
std::pair<double, double> transformError(const preprocess::AtlasTransform& a, const preprocess::AtlasTransform& b,
                                         const Mask& atlasBrain) {
  double sum = 0, worst = 0;
  std::size_t n = 0;
  const auto& s = atlasBrain.size();
  for (std::size_t k = 0; k < s[2]; k += 2)
    for (std::size_t j = 0; j < s[1]; j += 2)
      for (std::size_t i = 0; i < s[0]; i += 2) {
        if (!atlasBrain.at(i, j, k)) continue;
        const Vec3 p = atlasBrain.geometry().indexToPhysical({double(i), double(j), double(k)});
        const double d = norm(subtract(a.atlasToNative(p), b.atlasToNative(p)));
        sum += d;
        worst = std::max(worst, d);
        ++n;
      }
  return {n ? sum / double(n) : 0.0, worst};
}

void evalRegistration(std::uint64_t seed, simulate::ImageContrast contrast, const preprocess::RegistrationOptions& ro) {
  simulate::HeadOptions o;
  o.seed = seed;
  o.contrast = contrast;
  const auto head = simulate::generateHead(o);
  const auto atlas = preprocess::sharedAtlas();
  {
    const auto [e, m] = transformError(head.trueTransform.affineOnly(), head.trueTransform, atlas->brainMask);
    std::printf("   elastic part: mean %.2f max %.2f mm (field max %.2f)\n", e, m,
                head.trueTransform.deformation ? head.trueTransform.deformation->maxMagnitudeMm() : 0.0);
  }
  const double t0 = now();
  const std::clock_t c0 = std::clock();
  const auto reg = preprocess::registerToAtlas(head.image, atlas->head, atlas->brainMask, ro);
  const double t1 = now();
  const double cpu = double(std::clock() - c0) / CLOCKS_PER_SEC;
  const auto [affErr, affMax] = transformError(reg.transform.affineOnly(), head.trueTransform, atlas->brainMask);
  const auto [fullErr, fullMax] = transformError(reg.transform, head.trueTransform, atlas->brainMask);
  const Mask affMask =
    preprocess::mapMaskToNativeSmooth(atlas->brainMask, reg.transform.affineOnly(), head.image.geometry());
  const Mask fullMask = preprocess::mapMaskToNativeSmooth(atlas->brainMask, reg.transform, head.image.geometry());
  std::printf("seed %llu %s: reg %.2f s (cpu %.2f s) [", (unsigned long long)seed,
              contrast == simulate::ImageContrast::T2 ? "T2" : "T1", t1 - t0, cpu);
  for (const auto& t : reg.timings)
    std::printf(" %s %.2f", t.stage.c_str(), t.seconds);
  std::printf(" ] metric rigid %.3f affine %.3f deform %.3f; brain MI affine %.3f final %.3f (%s)\n", reg.rigidMetric,
              reg.affineMetric, reg.deformableMetric, reg.brainMetric, reg.finalBrainMetric,
              reg.deformationAccepted ? "deformation kept" : "deformation dropped");
  std::printf("   error affine %.2f (max %.2f) full %.2f (max %.2f) mm; Dice affine %.4f full %.4f\n", affErr, affMax,
              fullErr, fullMax, dice(affMask, head.brainMask), dice(fullMask, head.brainMask));
}

std::vector<std::uint64_t> parseSeeds(const std::string& seeds) {
  std::vector<std::uint64_t> out;
  for (std::size_t pos = 0; pos < seeds.size();) {
    const auto comma = seeds.find(',', pos);
    out.push_back(std::stoull(seeds.substr(pos, comma - pos)));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

double classDice(const LabelMap& a, const LabelMap& b, std::uint8_t label) {
  return dice(a.maskOf(label), b.maskOf(label));
}

void evalPipeline(std::uint64_t seed, simulate::ImageContrast contrast, const preprocess::PreprocessOptions& po) {
  simulate::HeadOptions o;
  o.seed = seed;
  o.contrast = contrast;
  const auto head = simulate::generateHead(o);
  const auto atlas = preprocess::sharedAtlas();
  NullProgressSink sink;
  ProgressScope root(sink, "preprocess");
  const double t0 = now();
  const std::clock_t c0 = std::clock();
  const auto r = preprocess::preprocess(head.image, po, root);
  const double wall = now() - t0, cpu = double(std::clock() - c0) / CLOCKS_PER_SEC;
  const auto [affErr, affMax] = transformError(r.transform.affineOnly(), head.trueTransform, atlas->brainMask);
  const auto [fullErr, fullMax] = transformError(r.transform, head.trueTransform, atlas->brainMask);
  const Mask affMask =
    preprocess::mapMaskToNativeSmooth(atlas->brainMask, r.transform.affineOnly(), head.image.geometry());
  const Mask fullMask = preprocess::mapMaskToNativeSmooth(atlas->brainMask, r.transform, head.image.geometry());
  // Tissue truth: Colin27's tissue map carried by the true transform.
  const auto truthTissue =
    preprocess::mapLabelsToNative(simulate::colin27Tissue()->labels, head.trueTransform, head.image.geometry());
  std::printf("seed %llu %s: %.2f s wall, %.2f s cpu; contrast %s; brain MI %.3f; volume %.0f mL\n",
              (unsigned long long)seed, contrast == simulate::ImageContrast::T2 ? "T2" : "T1", wall, cpu,
              preprocess::toString(r.contrast), r.registrationBrainMetric, r.brainVolumeMl);
  std::printf("   stages:");
  for (const auto& t : r.timings)
    std::printf(" %s=%.2f", t.stage.c_str(), t.seconds);
  std::printf("\n   registration error: affine %.2f mm (max %.2f), full %.2f mm (max %.2f)\n", affErr, affMax, fullErr,
              fullMax);
  std::printf("   brain Dice: affine propagation %.4f, %s propagation %.4f, final mask %.4f\n",
              dice(affMask, head.brainMask),
              r.registration.deformationAccepted ? "deformable" : "(deformation dropped)",
              dice(fullMask, head.brainMask), dice(r.nativeBrainMask, head.brainMask));
  std::printf("   tissue Dice vs warped Colin27 map (native): CSF %.3f GM %.3f WM %.3f\n",
              classDice(r.nativeTissue, truthTissue, 1), classDice(r.nativeTissue, truthTissue, 2),
              classDice(r.nativeTissue, truthTissue, 3));
  for (const auto& w : r.warnings)
    std::printf("   warning: %s\n", w.c_str());
}

void evalPhantom(std::uint64_t seed, simulate::ImageContrast contrast, const preprocess::TissueOptions& to, bool n4,
                 preprocess::N4Options n4o) {
  const auto truth = simulate::colin27Tissue()->labels;
  simulate::PhantomOptions po;
  po.seed = seed;
  po.contrast = contrast;
  const auto phantom = simulate::makeTissuePhantom(truth, po);
  const double t0 = now();
  const std::clock_t c0 = std::clock();
  n4o.enabled = n4;
  const auto corrected = preprocess::correctBias(phantom.image, phantom.brainMask, n4o);
  const double t1 = now();
  const std::clock_t c1 = std::clock();
  const auto seg = preprocess::segmentTissues(corrected.corrected, phantom.brainMask, to);
  const double t2 = now();
  const std::clock_t c2 = std::clock();
  std::printf(
    "phantom %llu %s: n4 %.2f s (cpu %.2f), tissue %.2f s (cpu %.2f), contrast %s; Dice CSF %.4f GM %.4f WM %.4f\n",
    (unsigned long long)seed, contrast == simulate::ImageContrast::T2 ? "T2" : "T1", t1 - t0,
    double(c1 - c0) / CLOCKS_PER_SEC, t2 - t1, double(c2 - c1) / CLOCKS_PER_SEC, preprocess::toString(seg.contrast),
    classDice(seg.labels, truth, 1), classDice(seg.labels, truth, 2), classDice(seg.labels, truth, 3));
}

void runBad(const std::string& name, const ImageF& image, const Mask* truth) {
  NullProgressSink sink;
  ProgressScope root(sink, "preprocess");
  const double t0 = now();
  try {
    const auto r = preprocess::preprocess(image, {}, root);
    std::printf("%s: ok in %.1f s; brain MI %.3f, volume %.0f mL%s", name.c_str(), now() - t0,
                r.registrationBrainMetric, r.brainVolumeMl, truth ? "" : "\n");
    if (truth) std::printf(", Dice vs truth %.4f\n", dice(r.nativeBrainMask, *truth));
    for (const auto& w : r.warnings)
      std::printf("   warning: %s\n", w.c_str());
  } catch (const Error& e) {
    std::printf("%s: Error(%s) in %.1f s: %s [%s]\n", name.c_str(), toString(e.kind()), now() - t0,
                e.userMessage().c_str(), e.detail().c_str());
  }
}

void evalBad() {
  ImageGeometry g;
  g.size = {181, 217, 181};
  g.originMm = {-90, -126, -72};
  ImageF noise(g, 0.0f);
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(0.0f, 100.0f);
  for (auto& v : noise.voxels())
    v = u(rng);
  runBad("uniform noise", noise, nullptr);
  ImageF blob(g, 0.0f);
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        const double x = (double(i) - 90) / 70, y = (double(j) - 108) / 90, z = (double(k) - 90) / 70;
        blob.at(i, j, k) = x * x + y * y + z * z < 1.0 ? 80.0f + u(rng) * 0.1f : u(rng) * 0.02f;
      }
  runBad("smooth blob (no brain)", blob, nullptr);
  simulate::HeadOptions o;
  o.seed = 5;
  auto head = simulate::generateHead(o);
  {
    // The same voxels with the head upside down in world space (direction of k flipped, as a broken header would).
    ImageF flipped = head.image;
    ImageGeometry fg = flipped.geometry();
    for (int r = 0; r < 3; ++r)
      fg.direction[r * 3 + 2] = -fg.direction[r * 3 + 2], fg.direction[r * 3 + 1] = -fg.direction[r * 3 + 1];
    flipped.setGeometry(fg);
    runBad("head rotated 180 degrees (broken orientation)", flipped, nullptr);
  }
  {
    ImageGeometry thick;
    thick.size = {192, 228, 40};
    thick.spacingMm = {1.0, 1.0, 5.0};
    thick.direction = {-1, 0, 0, 0, -1, 0, 0, 0, 1};
    const Vec3 centre = head.image.geometry().indexToPhysical({95.5, 113.5, 95.5});
    thick.originMm = subtract(centre, multiply(thick.indexToPhysicalMatrix(), Vec3{95.5, 113.5, 19.5}));
    o.nativeGrid = thick;
    const auto thickHead = simulate::generateHead(o);
    runBad("5 mm slices", thickHead.image, &thickHead.brainMask);
  }
}
} // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  if (argc < 2) {
    std::fprintf(stderr, "usage: preprocess_eval colin27-tissue OUT | head SEED t1|t2 OUTDIR\n");
    return 2;
  }
  const std::string cmd = argv[1];
  if (cmd == "colin27-tissue" && argc >= 3) {
    const double t0 = now();
    const auto tissue = simulate::colin27Tissue();
    std::printf("segmented Colin27 in %.2f s; mean T1 CSF %.1f GM %.1f WM %.1f; voxels CSF %zu GM %zu WM %zu\n",
                now() - t0, tissue->meanT1[0], tissue->meanT1[1], tissue->meanT1[2], tissue->labels.count(1),
                tissue->labels.count(2), tissue->labels.count(3));
    benchtools::writeVolume<std::uint8_t>(tissue->labels, argv[2]);
    if (argc >= 4) {
      const std::string stem = argv[3];
      const char* names[3] = {"csf", "gm", "wm"};
      for (int c = 0; c < 3; ++c)
        benchtools::writeVolume(tissue->probabilities[c], stem + names[c] + ".nii.gz");
    }
    return 0;
  }
  if (cmd == "head" && argc >= 5) {
    simulate::HeadOptions o;
    o.seed = std::stoull(argv[2]);
    o.contrast = std::string(argv[3]) == "t2" ? simulate::ImageContrast::T2 : simulate::ImageContrast::T1;
    const double t0 = now();
    const auto head = simulate::generateHead(o);
    std::printf("generated in %.2f s; noise sigma %.2f; rot %.1f %.1f %.1f\n", now() - t0, head.noiseSigma,
                head.rotationDeg[0], head.rotationDeg[1], head.rotationDeg[2]);
    const std::string dir = argv[4];
    benchtools::writeVolume(head.image, dir + "/head.nii.gz");
    benchtools::writeVolume(head.brainMask, dir + "/truth_mask.nii.gz");
    return 0;
  }
  if (cmd == "register" && argc >= 4) {
    preprocess::RegistrationOptions ro;
    for (int a = 4; a + 1 < argc; a += 2) {
      const std::string k = argv[a];
      const double v = std::stod(argv[a + 1]);
      if (k == "deformable")
        ro.deformable = v != 0;
      else if (k == "spacing")
        ro.controlPointSpacingMm = v;
      else if (k == "defit")
        ro.deformableIterations = unsigned(v);
      else if (k == "rigidit")
        ro.rigidIterations = unsigned(v);
      else if (k == "affit")
        ro.affineIterations = unsigned(v);
      else if (k == "sampling")
        ro.samplingFraction = v;
      else if (k == "defsampling")
        ro.deformableSamplingFraction = v;
      else if (k == "margin")
        ro.deformableMarginMm = v;
      else if (k == "deflevels") {
        if (v == 1) ro.deformableLevelSpacingsMm = {2.0};
        if (v == 3) ro.deformableLevelSpacingsMm = {4.0, 2.0, 1.0};
        if (v == 4) ro.deformableLevelSpacingsMm = {4.0};
      } else if (k == "levels") {
        if (v == 3) ro.levelSpacingsMm = {4.0, 2.0, 1.0};
        if (v == 1) ro.levelSpacingsMm = {4.0};
        if (v == 8) ro.levelSpacingsMm = {8.0, 4.0, 2.0};
      }
    }
    for (auto seed : parseSeeds(argv[2]))
      evalRegistration(seed, std::string(argv[3]) == "t2" ? simulate::ImageContrast::T2 : simulate::ImageContrast::T1,
                       ro);
    return 0;
  }
  if (cmd == "bad") {
    evalBad();
    return 0;
  }
  if ((cmd == "pipeline" || cmd == "phantom") && argc >= 4) {
    preprocess::PreprocessOptions po;
    bool n4 = true;
    for (int a = 4; a + 1 < argc; a += 2) {
      const std::string k = argv[a];
      const double v = std::stod(argv[a + 1]);
      if (k == "deformable")
        po.registration.deformable = v != 0;
      else if (k == "spacing")
        po.registration.controlPointSpacingMm = v;
      else if (k == "defit")
        po.registration.deformableIterations = unsigned(v);
      else if (k == "refine")
        po.brainExtraction.refine = v != 0;
      else if (k == "margin")
        po.registration.deformableMarginMm = v;
      else if (k == "band")
        po.brainExtraction.bandMm = v;
      else if (k == "rlo")
        po.brainExtraction.removeBelow = v;
      else if (k == "rhi")
        po.brainExtraction.addAbove = v;
      else if (k == "beta")
        po.tissue.mrfBeta = v;
      else if (k == "pv")
        po.tissue.partialVolume = v != 0;
      else if (k == "em")
        po.tissue.emIterations = int(v);
      else if (k == "sweeps")
        po.tissue.mrfSweeps = int(v);
      else if (k == "neigh")
        po.tissue.neighbourhood = int(v);
      else if (k == "n4")
        n4 = v != 0;
      else if (k == "n4it")
        po.n4.iterations = std::vector<unsigned>(3, unsigned(v));
      else if (k == "n4levels")
        po.n4.iterations.resize(std::size_t(v), po.n4.iterations.front());
      else if (k == "n4shrink")
        po.n4.shrinkFactor = unsigned(v);
      else if (k == "contrast")
        po.tissue.contrast = v == 1   ? preprocess::Contrast::T1
                             : v == 2 ? preprocess::Contrast::T2
                                      : preprocess::Contrast::Auto;
    }
    const auto contrast = std::string(argv[3]) == "t2" ? simulate::ImageContrast::T2 : simulate::ImageContrast::T1;
    for (auto seed : parseSeeds(argv[2])) {
      if (cmd == "pipeline")
        evalPipeline(seed, contrast, po);
      else
        evalPhantom(seed, contrast, po.tissue, n4, po.n4);
    }
    return 0;
  }
  std::fprintf(stderr, "unknown command\n");
  return 2;
}
