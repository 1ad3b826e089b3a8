#include "strega/core/Metrics.h"
#include "strega/preprocess/Atlas.h"
#include "strega/preprocess/Resample.h"
#include "strega/simulate/Colin27Tissue.h"
#include "strega/simulate/HeadGenerator.h"
#include "strega/simulate/TissuePhantom.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace strega;
using namespace strega::simulate;

namespace {
/// A 3 mm grid over the head: enough to check the draws and the determinism, quick to fill.
ImageGeometry coarseGrid() {
  ImageGeometry g;
  g.size = {64, 76, 64};
  g.spacingMm = {3.0, 3.0, 3.0};
  g.originMm = subtract(Vec3{0.0, -17.0, 18.0}, multiply(g.indexToPhysicalMatrix(), Vec3{31.5, 37.5, 31.5}));
  return g;
}

double meanInside(const ImageF& image, const Mask& mask) {
  double s = 0, n = 0;
  for (std::size_t i = 0; i < image.voxelCount(); ++i)
    if (mask[i]) s += image[i], n += 1;
  return s / n;
}
} // namespace

TEST(RicianNoise, ZeroSignal_HasRayleighMean) {
  ImageGeometry g;
  g.size = {64, 64, 64};
  ImageF image(g, 0.0f);
  addRicianNoise(image, 10.0, 1);
  double s = 0;
  for (float v : image.voxels())
    s += v;
  // Rayleigh mean = sigma * sqrt(pi / 2)
  EXPECT_NEAR(s / double(image.voxelCount()), 10.0 * std::sqrt(3.14159265358979 / 2.0), 0.1);
}

TEST(RicianNoise, SameSeed_SameNoise) {
  ImageGeometry g;
  g.size = {32, 32, 32};
  ImageF a(g, 50.0f), b(g, 50.0f), c(g, 50.0f);
  addRicianNoise(a, 3.0, 7);
  addRicianNoise(b, 3.0, 7);
  addRicianNoise(c, 3.0, 8);
  EXPECT_EQ(std::vector<float>(a.voxels().begin(), a.voxels().end()),
            std::vector<float>(b.voxels().begin(), b.voxels().end()));
  EXPECT_NE(a[100], c[100]);
}

TEST(RandomBiasField, StaysWithinAmplitude) {
  ImageGeometry g;
  g.size = {40, 50, 30};
  const ImageF field = randomBiasField(g, 0.2, 3);
  float lo = 10, hi = -10;
  for (float v : field.voxels())
    lo = std::min(lo, v), hi = std::max(hi, v);
  EXPECT_NEAR(lo, 0.8f, 1e-4);
  EXPECT_NEAR(hi, 1.2f, 1e-4);
}

TEST(Colin27Tissue, HasThreePlausibleClasses) {
  const auto tissue = colin27Tissue();
  const auto atlas = preprocess::sharedAtlas();
  ASSERT_TRUE(tissue->labels.geometry().sameGrid(atlas->geometry()));
  const double csf = volumeMl(tissue->labels.maskOf(1)), gm = volumeMl(tissue->labels.maskOf(2)),
               wm = volumeMl(tissue->labels.maskOf(3));
  EXPECT_GT(csf, 30.0);
  EXPECT_GT(gm, 600.0);
  EXPECT_GT(wm, 400.0);
  EXPECT_NEAR(csf + gm + wm, volumeMl(atlas->brainMask), 1.0);
  EXPECT_LT(tissue->meanT1[0], tissue->meanT1[1]);
  EXPECT_LT(tissue->meanT1[1], tissue->meanT1[2]);
}

TEST(GenerateHead, SameSeed_IsReproducible) {
  HeadOptions options;
  options.seed = 3;
  options.nativeGrid = coarseGrid();
  const auto a = generateHead(options);
  const auto b = generateHead(options);
  EXPECT_EQ(a.image.geometry().sameGrid(b.image.geometry()), true);
  for (std::size_t n = 0; n < a.image.voxelCount(); n += 997)
    EXPECT_EQ(a.image[n], b.image[n]);
  EXPECT_EQ(dice(a.brainMask, b.brainMask), 1.0);
}

TEST(GenerateHead, DrawsWithinTheRequestedRanges) {
  for (std::uint64_t seed : {1u, 2u, 3u, 4u}) {
    HeadOptions options;
    options.seed = seed;
    options.nativeGrid = coarseGrid();
    const auto head = generateHead(options);
    for (int a = 0; a < 3; ++a) {
      EXPECT_LE(std::abs(head.rotationDeg[a]), 10.0);
      EXPECT_LE(std::abs(head.translationMm[a]), 8.0);
      EXPECT_LE(std::abs(head.scale[a] - 1.0), 0.08);
    }
    EXPECT_GE(head.noiseSigma, 0.02 * 113.0 - 1e-9);
    EXPECT_LE(head.noiseSigma, 0.04 * 113.0 + 1e-9);
    ASSERT_TRUE(head.trueTransform.deformation.has_value());
    // The elastic part is a few millimetres inside the brain.
    EXPECT_GT(head.trueTransform.deformation->maxMagnitudeMm(), 2.0);
    EXPECT_LT(head.trueTransform.deformation->maxMagnitudeMm(), 6.0);
  }
}

TEST(GenerateHead, TruthMask_IsTheAtlasMaskCarriedByTheTrueTransform) {
  HeadOptions options;
  options.seed = 5;
  const auto head = generateHead(options);
  const auto atlas = preprocess::sharedAtlas();
  // Volume scales with the affine's determinant (the elastic part is small and roughly volume-neutral).
  const double expected = volumeMl(atlas->brainMask) * head.trueTransform.affine.determinant();
  EXPECT_NEAR(volumeMl(head.brainMask), expected, 0.02 * expected);
  // Mapping the truth back to the atlas recovers ch2bet.
  const Mask back = preprocess::resampleMaskToAtlas(head.brainMask, head.trueTransform, atlas->geometry());
  EXPECT_GT(dice(back, atlas->brainMask), 0.98);
}

TEST(GenerateHead, SyntheticT2_HasReversedTissueContrast) {
  HeadOptions options;
  options.seed = 6;
  options.contrast = ImageContrast::T2;
  options.biasAmplitude = 0.0;
  const auto head = generateHead(options);
  const auto tissue = colin27Tissue();
  const auto labels = preprocess::mapLabelsToNative(tissue->labels, head.trueTransform, head.image.geometry());
  const double csf = meanInside(head.image, labels.maskOf(1)), gm = meanInside(head.image, labels.maskOf(2)),
               wm = meanInside(head.image, labels.maskOf(3));
  EXPECT_GT(csf, gm + 30.0);
  EXPECT_GT(gm, wm + 10.0);
}

TEST(TissuePhantom, ImageFollowsTheLabelsAndContrast) {
  const auto truth = colin27Tissue()->labels;
  PhantomOptions options;
  options.biasAmplitude = 0.0;
  options.noiseFraction = 0.0;
  const auto t1 = makeTissuePhantom(truth, options);
  options.contrast = ImageContrast::T2;
  const auto t2 = makeTissuePhantom(truth, options);
  EXPECT_EQ(dice(t1.brainMask,
                 [&] {
                   Mask m(truth.geometry(), 0);
                   for (std::size_t n = 0; n < m.voxelCount(); ++n)
                     m[n] = truth[n] > 0;
                   return m;
                 }()),
            1.0);
  const Mask csf = truth.maskOf(1), gm = truth.maskOf(2), wm = truth.maskOf(3);
  EXPECT_NEAR(meanInside(t1.image, wm), 110.0, 8.0);
  EXPECT_LT(meanInside(t1.image, csf), meanInside(t1.image, gm));
  EXPECT_GT(meanInside(t2.image, csf), meanInside(t2.image, gm));
  EXPECT_GT(meanInside(t2.image, gm), meanInside(t2.image, wm));
  for (std::size_t n = 0; n < t1.image.voxelCount(); ++n)
    if (!t1.brainMask[n]) {
      ASSERT_EQ(t1.image[n], 0.0f);
    }
}
