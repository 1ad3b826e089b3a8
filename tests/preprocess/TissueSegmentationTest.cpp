#include "strega/preprocess/TissueSegmentation.h"
#include "TestImages.h"

#include <gtest/gtest.h>

#include <random>

using namespace strega;
using namespace strega::preprocess;

namespace {
std::size_t mismatches(const LabelMap& a, const Volume<std::uint8_t>& b) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < a.voxelCount(); ++i)
    n += a[i] != b[i];
  return n;
}
Mask maskOf(const Volume<std::uint8_t>& labels) {
  Mask m(labels.geometry(), 0);
  for (std::size_t i = 0; i < m.voxelCount(); ++i)
    m[i] = labels[i] ? 1 : 0;
  return m;
}
} // namespace

TEST(SegmentTissues, ThreeWellSeparatedClassesT1_RecoveredExactly) {
  const auto g = testimages::cubeGrid(40);
  const double intensity[3] = {20.0, 60.0, 100.0}; // CSF, GM, WM
  ImageF image;
  Volume<std::uint8_t> truth;
  testimages::shells(g, 9.0, 14.0, 18.0, intensity, 3.0, 7, image, truth);
  TissueOptions options;
  options.partialVolume = false;
  options.contrast = Contrast::T1; // CSF is the largest class here, so the automatic guess would not apply
  const auto result = segmentTissues(image, maskOf(truth), options);
  EXPECT_EQ(mismatches(result.labels, truth), 0u);
  EXPECT_NEAR(result.meanIntensity[0], 20.0, 1.0);
  EXPECT_NEAR(result.meanIntensity[1], 60.0, 1.0);
  EXPECT_NEAR(result.meanIntensity[2], 100.0, 1.0);
  // Probabilities are in [0, 1] and sum to 1 inside the mask.
  for (std::size_t n = 0; n < image.voxelCount(); ++n) {
    const double s = result.probabilities[0][n] + result.probabilities[1][n] + result.probabilities[2][n];
    EXPECT_NEAR(s, truth[n] ? 1.0 : 0.0, 1e-4);
  }
}

TEST(SegmentTissues, ReversedContrastT2_RecoveredExactlyAndDetected) {
  const auto g = testimages::cubeGrid(40);
  const double intensity[3] = {180.0, 95.0, 60.0}; // CSF bright, WM dark; CSF is the smallest class
  ImageF image;
  Volume<std::uint8_t> truth;
  testimages::shells(g, 12.0, 17.0, 18.5, intensity, 3.0, 8, image, truth);
  const auto result = segmentTissues(image, maskOf(truth));
  EXPECT_EQ(result.contrast, Contrast::T2);
  EXPECT_LE(mismatches(result.labels, truth), truth.voxelCount() / 1000);
}

TEST(SegmentTissues, MrfRegularisation_CleansSaltNoise) {
  // Two regions (GM, WM) and a thin CSF rim; 2 % of the voxels are pushed 65 % of the way to the other tissue's
  // intensity, so that on its own each looks like the other tissue.
  const auto g = testimages::cubeGrid(40);
  const double intensity[3] = {20.0, 60.0, 100.0};
  ImageF image;
  Volume<std::uint8_t> truth;
  testimages::shells(g, 10.0, 16.0, 19.0, intensity, 5.0, 9, image, truth);
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::size_t salted = 0;
  for (std::size_t n = 0; n < image.voxelCount(); ++n)
    if ((truth[n] == 2 || truth[n] == 3) && u(rng) < 0.02) {
      image[n] = static_cast<float>(truth[n] == 2 ? 60.0 + 0.65 * 40.0 : 100.0 - 0.65 * 40.0);
      ++salted;
    }
  TissueOptions plain;
  plain.mrfBeta = 0.0;
  plain.partialVolume = false;
  plain.contrast = Contrast::T1;
  TissueOptions mrf = plain;
  mrf.mrfBeta = 1.5;
  const auto noisy = segmentTissues(image, maskOf(truth), plain);
  const auto clean = segmentTissues(image, maskOf(truth), mrf);
  EXPECT_GE(mismatches(noisy.labels, truth), salted * 9 / 10);
  EXPECT_LE(mismatches(clean.labels, truth), salted / 3); // the rest sit on tissue boundaries
}

TEST(SegmentTissues, EmptyMask_ThrowsInvalidInput) {
  const auto g = testimages::cubeGrid(10);
  try {
    segmentTissues(ImageF(g, 1.0f), Mask(g, 0));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidInput);
  }
}

TEST(SegmentTissues, ConstantImage_ThrowsInvalidInput) {
  const auto g = testimages::cubeGrid(20);
  EXPECT_THROW(segmentTissues(ImageF(g, 5.0f), Mask(g, 1)), Error);
}

TEST(TissueToModelInput, ScalesLabelsToUnitRange) {
  const auto g = testimages::cubeGrid(2);
  LabelMap labels = LabelMap::tissueLabels(g);
  labels[0] = 0, labels[1] = 1, labels[2] = 2, labels[3] = 3;
  const ImageF x = tissueToModelInput(labels);
  EXPECT_FLOAT_EQ(x[0], 0.0f);
  EXPECT_FLOAT_EQ(x[1], 1.0f / 3.0f);
  EXPECT_FLOAT_EQ(x[2], 2.0f / 3.0f);
  EXPECT_FLOAT_EQ(x[3], 1.0f);
}
