// Accuracy of the whole pre-processing on heads and phantoms made from Colin27 (label "slow").
//
// Targets (issue 3): brain-mask Dice >= 0.97 against the equally deformed ch2bet mask and above plain affine
// propagation; mean registration error inside the brain <= 2 mm; tissue Dice >= 0.90 (WM, GM) and >= 0.85 (CSF)
// on phantoms in T1 and T2; native-grid masks line up in world coordinates on an oblique input.
#include "strega/core/Metrics.h"
#include "strega/preprocess/Atlas.h"
#include "strega/preprocess/BiasCorrection.h"
#include "strega/preprocess/Preprocess.h"
#include "strega/preprocess/Resample.h"
#include "strega/preprocess/TissueSegmentation.h"
#include "strega/simulate/Colin27Tissue.h"
#include "strega/simulate/HeadGenerator.h"
#include "strega/simulate/TissuePhantom.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

using namespace strega;
using namespace strega::preprocess;

namespace {

/// Mean distance (mm) between two atlas -> native maps over the atlas brain (every 2nd voxel).
double meanTransformError(const AtlasTransform& a, const AtlasTransform& b, const Mask& atlasBrain) {
  double sum = 0.0;
  std::size_t n = 0;
  const auto& s = atlasBrain.size();
  for (std::size_t k = 0; k < s[2]; k += 2)
    for (std::size_t j = 0; j < s[1]; j += 2)
      for (std::size_t i = 0; i < s[0]; i += 2)
        if (atlasBrain.at(i, j, k)) {
          const Vec3 p = atlasBrain.geometry().indexToPhysical({double(i), double(j), double(k)});
          sum += norm(subtract(a.atlasToNative(p), b.atlasToNative(p)));
          ++n;
        }
  return sum / double(n);
}

Vec3 centroidMm(const Mask& mask) {
  Vec3 sum{0, 0, 0};
  double n = 0;
  const auto& s = mask.size();
  for (std::size_t k = 0; k < s[2]; ++k)
    for (std::size_t j = 0; j < s[1]; ++j)
      for (std::size_t i = 0; i < s[0]; ++i)
        if (mask.at(i, j, k)) {
          sum = add(sum, mask.geometry().indexToPhysical({double(i), double(j), double(k)}));
          n += 1;
        }
  return scale(sum, 1.0 / n);
}

struct HeadRun {
  simulate::GeneratedHead head;
  PreprocessResult result;
  double affineDice = 0.0, finalDice = 0.0, registrationErrorMm = 0.0;
};

HeadRun runHead(std::uint64_t seed, simulate::ImageContrast contrast, std::optional<ImageGeometry> grid = {}) {
  simulate::HeadOptions options;
  options.seed = seed;
  options.contrast = contrast;
  options.nativeGrid = grid;
  HeadRun run{simulate::generateHead(options), {}};
  RecordingProgressSink sink;
  ProgressScope scope(sink, "preprocess");
  run.result = preprocess::preprocess(run.head.image, {}, scope);
  const auto atlas = sharedAtlas();
  const Mask affine =
    mapMaskToNativeSmooth(atlas->brainMask, run.result.transform.affineOnly(), run.head.image.geometry());
  run.affineDice = dice(affine, run.head.brainMask);
  run.finalDice = dice(run.result.nativeBrainMask, run.head.brainMask);
  run.registrationErrorMm = meanTransformError(run.result.transform, run.head.trueTransform, atlas->brainMask);
  std::printf("[ figures  ] seed %llu %s: brain Dice affine propagation %.4f, final %.4f; registration error %.2f mm; "
              "deformation %s\n",
              static_cast<unsigned long long>(seed), contrast == simulate::ImageContrast::T2 ? "T2" : "T1",
              run.affineDice, run.finalDice, run.registrationErrorMm,
              run.result.registration.deformationAccepted ? "kept" : "dropped");
  return run;
}

void expectTargets(const HeadRun& run, Contrast contrast) {
  EXPECT_GE(run.finalDice, 0.97);
  EXPECT_GT(run.finalDice, run.affineDice);
  EXPECT_LE(run.registrationErrorMm, 2.0);
  EXPECT_EQ(run.result.contrast, contrast);
  EXPECT_TRUE(run.result.registered);
  EXPECT_TRUE(run.result.warnings.empty()) << run.result.warnings.front();
}

double tissueDice(const LabelMap& a, const LabelMap& b, std::uint8_t label) {
  return dice(a.maskOf(label), b.maskOf(label));
}

void phantomTargets(std::uint64_t seed, simulate::ImageContrast contrast) {
  const auto truth = simulate::colin27Tissue()->labels;
  simulate::PhantomOptions options;
  options.seed = seed;
  options.contrast = contrast;
  const auto phantom = simulate::makeTissuePhantom(truth, options);
  const auto corrected = correctBias(phantom.image, phantom.brainMask);
  const auto seg = segmentTissues(corrected.corrected, phantom.brainMask);
  const double csf = tissueDice(seg.labels, truth, Csf), gm = tissueDice(seg.labels, truth, GreyMatter),
               wm = tissueDice(seg.labels, truth, WhiteMatter);
  std::printf("[ figures  ] phantom %llu %s: tissue Dice CSF %.4f GM %.4f WM %.4f\n",
              static_cast<unsigned long long>(seed), contrast == simulate::ImageContrast::T2 ? "T2" : "T1", csf, gm,
              wm);
  EXPECT_EQ(seg.contrast, contrast == simulate::ImageContrast::T2 ? Contrast::T2 : Contrast::T1);
  EXPECT_GE(csf, 0.85);
  EXPECT_GE(gm, 0.90);
  EXPECT_GE(wm, 0.90);
}

} // namespace

TEST(GeneratedHeads, T1_MeetsMaskAndRegistrationTargets) {
  for (std::uint64_t seed : {11u, 12u})
    expectTargets(runHead(seed, simulate::ImageContrast::T1), Contrast::T1);
}

TEST(GeneratedHeads, T2_MeetsMaskAndRegistrationTargets) {
  for (std::uint64_t seed : {13u, 14u})
    expectTargets(runHead(seed, simulate::ImageContrast::T2), Contrast::T2);
}

TEST(GeneratedHeads, ObliqueAnisotropicInput_MaskLinesUpInWorldCoordinates) {
  ImageGeometry grid;
  grid.size = {210, 240, 160};
  grid.spacingMm = {0.9, 0.95, 1.3};
  const double a = 0.35, b = 0.2; // about 20 degrees about x, 11 about z
  const Mat3 rx{1, 0, 0, 0, std::cos(a), -std::sin(a), 0, std::sin(a), std::cos(a)};
  const Mat3 rz{std::cos(b), -std::sin(b), 0, std::sin(b), std::cos(b), 0, 0, 0, 1};
  grid.direction = multiply(rz, multiply(rx, Mat3{-1, 0, 0, 0, -1, 0, 0, 0, 1}));
  const Vec3 centre{0.0, -17.0, 18.0}; // about the middle of the head in MNI (LPS) space
  grid.originMm = subtract(centre, multiply(grid.indexToPhysicalMatrix(), Vec3{104.5, 119.5, 79.5}));
  const auto run = runHead(15, simulate::ImageContrast::T1, grid);
  EXPECT_GE(run.finalDice, 0.97);
  const Vec3 found = centroidMm(run.result.nativeBrainMask), truth = centroidMm(run.head.brainMask);
  EXPECT_LT(norm(subtract(found, truth)), 1.0);
  EXPECT_EQ(run.result.nativeBrainMask.geometry().sameGrid(grid), true);
  EXPECT_EQ(run.result.nativeTissue.geometry().sameGrid(grid), true);
}

TEST(GeneratedHeads, FiveMillimetreSlices_WarnAndStayPlausible) {
  ImageGeometry grid;
  grid.size = {192, 228, 40};
  grid.spacingMm = {1.0, 1.0, 5.0};
  grid.direction = {-1, 0, 0, 0, -1, 0, 0, 0, 1};
  grid.originMm = subtract(Vec3{0.0, -17.0, 18.0}, multiply(grid.indexToPhysicalMatrix(), Vec3{95.5, 113.5, 19.5}));
  simulate::HeadOptions options;
  options.seed = 16;
  options.nativeGrid = grid;
  const auto head = simulate::generateHead(options);
  NullProgressSink sink;
  ProgressScope scope(sink, "preprocess");
  const auto result = preprocess::preprocess(head.image, {}, scope);
  ASSERT_FALSE(result.warnings.empty());
  EXPECT_NE(result.warnings.front().find("thick slices"), std::string::npos);
  EXPECT_GE(dice(result.nativeBrainMask, head.brainMask), 0.95);
}

TEST(GeneratedHeads, SkullStrippedInput_RegistersToTheBrainAtlasAndKeepsItsMask) {
  simulate::HeadOptions options;
  options.seed = 17;
  auto head = simulate::generateHead(options);
  for (std::size_t n = 0; n < head.image.voxelCount(); ++n)
    if (!head.brainMask[n]) head.image[n] = 0.0f;
  NullProgressSink sink;
  ProgressScope scope(sink, "preprocess");
  const auto result = preprocess::preprocess(head.image, {}, scope);
  EXPECT_TRUE(result.skullStrippedInput);
  EXPECT_TRUE(result.registered);
  EXPECT_GE(dice(result.nativeBrainMask, head.brainMask), 0.999);
  EXPECT_LE(meanTransformError(result.transform, head.trueTransform, sharedAtlas()->brainMask), 2.0);
  EXPECT_EQ(result.contrast, Contrast::T1);
}

TEST(GeneratedHeads, BratsGridInput_IsNotRegistered) {
  // A skull-stripped brain on the BraTS grid (240 x 240 x 155, 1 mm) is taken as already registered.
  ImageGeometry grid;
  grid.size = {240, 240, 155};
  grid.direction = {-1, 0, 0, 0, -1, 0, 0, 0, 1};
  grid.originMm = subtract(Vec3{0.0, -17.0, 10.0}, multiply(grid.indexToPhysicalMatrix(), Vec3{119.5, 119.5, 77.0}));
  simulate::HeadOptions options;
  options.seed = 18;
  options.contrast = simulate::ImageContrast::T2;
  options.nativeGrid = grid;
  auto head = simulate::generateHead(options);
  for (std::size_t n = 0; n < head.image.voxelCount(); ++n)
    if (!head.brainMask[n]) head.image[n] = 0.0f;
  NullProgressSink sink;
  ProgressScope scope(sink, "preprocess");
  const auto result = preprocess::preprocess(head.image, {}, scope);
  EXPECT_FALSE(result.registered);
  EXPECT_TRUE(result.workingGeometry.sameGrid(grid));
  EXPECT_TRUE(result.tissue.labels.geometry().sameGrid(grid));
  EXPECT_GE(dice(result.nativeBrainMask, head.brainMask), 0.999);
  EXPECT_EQ(result.contrast, Contrast::T2);
}

TEST(TissuePhantoms, T1_MeetsTissueTargets) {
  phantomTargets(21, simulate::ImageContrast::T1);
  phantomTargets(22, simulate::ImageContrast::T1);
}

TEST(TissuePhantoms, T2_MeetsTissueTargets) {
  phantomTargets(23, simulate::ImageContrast::T2);
  phantomTargets(24, simulate::ImageContrast::T2);
}

TEST(BadInput, RandomNoise_IsRefusedAsNoBrain) {
  ImageGeometry g;
  g.size = {181, 217, 181};
  g.originMm = {-90.0, -126.0, -72.0};
  ImageF noise(g, 0.0f);
  simulate::addRicianNoise(noise, 30.0, 3);
  NullProgressSink sink;
  ProgressScope scope(sink, "preprocess");
  try {
    preprocess::preprocess(noise, {}, scope);
    FAIL() << "noise was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidInput);
    EXPECT_NE(e.userMessage().find("registration"), std::string::npos);
  }
}

TEST(BadInput, RegistrationThatFails_IsRefused) {
  // A head whose header orientation is wrong (upside down): the registration cannot find the brain.
  simulate::HeadOptions options;
  options.seed = 19;
  auto head = simulate::generateHead(options);
  ImageGeometry g = head.image.geometry();
  for (int r = 0; r < 3; ++r) {
    g.direction[r * 3 + 1] = -g.direction[r * 3 + 1];
    g.direction[r * 3 + 2] = -g.direction[r * 3 + 2];
  }
  head.image.setGeometry(g);
  NullProgressSink sink;
  ProgressScope scope(sink, "preprocess");
  EXPECT_THROW(preprocess::preprocess(head.image, {}, scope), Error);
}

TEST(Cancellation, CancelDuringRegistration_ThrowsCancelled) {
  simulate::HeadOptions options;
  options.seed = 20;
  const auto head = simulate::generateHead(options);
  // Cancel as soon as the affine stage reports progress.
  struct CancellingSink : ProgressSink {
    CancelToken token;
    void progress(double, std::string_view stage, std::string_view) override {
      if (stage.find("affine") != std::string_view::npos) token.requestCancel();
    }
  } sink;
  ProgressScope scope(sink, "preprocess", sink.token);
  EXPECT_THROW(preprocess::preprocess(head.image, {}, scope), Cancelled);
}
