#include "strega/postprocess/Postprocess.h"
#include "strega/core/Error.h"
#include "strega/postprocess/Morphology.h"
#include "strega/postprocess/Residual.h"
#include "strega/postprocess/Smoothing.h"
#include "strega/postprocess/Threshold.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace strega;
using namespace strega::postprocess;

namespace {
ImageGeometry grid(Size3 size, Vec3 spacing = {1, 1, 1}) {
  ImageGeometry g;
  g.size = size;
  g.spacingMm = spacing;
  return g;
}
void fillBox(ImageF& v, Size3 lo, Size3 hi, float value) {
  for (std::size_t k = lo[2]; k < hi[2]; ++k)
    for (std::size_t j = lo[1]; j < hi[1]; ++j)
      for (std::size_t i = lo[0]; i < hi[0]; ++i)
        v.at(i, j, k) = value;
}

std::size_t count(const Mask& m) {
  std::size_t n = 0;
  for (std::size_t v = 0; v < m.voxelCount(); ++v)
    n += m[v] ? 1 : 0;
  return n;
}

double distance(double i, double j, double k, double c) {
  return std::sqrt((i - c) * (i - c) + (j - c) * (j - c) + (k - c) * (k - c));
}

} // namespace

TEST(Residual, PositiveOnlyAndSaturation_ReferenceRule) {
  ImageF x(grid({4, 1, 1}), 0.5f), xhat(grid({4, 1, 1}), 0.5f);
  xhat[0] = 0.4f;  // negative difference -> 0
  xhat[1] = 0.6f;  // +0.1 kept
  xhat[2] = 0.75f; // +0.25 > 0.2 -> 1
  const ImageF r = residualMap(x, xhat);
  EXPECT_FLOAT_EQ(r[0], 0.0f);
  EXPECT_NEAR(r[1], 0.1f, 1e-6);
  EXPECT_FLOAT_EQ(r[2], 1.0f);
  EXPECT_FLOAT_EQ(r[3], 0.0f);
  ResidualOptions absolute;
  absolute.positiveOnly = false;
  absolute.saturateAbove = 0.0;
  EXPECT_NEAR(residualMap(x, xhat, absolute)[0], 0.1f, 1e-6);
}

TEST(Residual, Combi_SmoothedNormalisedGradientTimesSquaredError) {
  const ImageGeometry g = grid({9, 9, 9});
  ImageF x(g, 0.5f), xhat(g, 0.7f), gradient(g, 1.0f);
  gradient.at(4, 4, 4) = 11.0f; // a hot spot of |dKL/dx|
  xhat.at(0, 0, 0) = 0.3f;      // a negative error
  ResidualOptions o;
  o.combiSmoothingMm = 0.0;
  const ImageF raw = combiScore(x, xhat, gradient, o);
  EXPECT_NEAR(raw.at(4, 4, 4), 1.0 * 0.2 * 0.2, 1e-6); // normalised gradient 1 x error 0.2 squared
  EXPECT_NEAR(raw.at(1, 1, 1), 0.0, 1e-7);             // the minimum of the gradient normalises to 0
  EXPECT_EQ(raw.at(0, 0, 0), 0.0f) << "positive part only";
  o.positiveOnly = false;
  EXPECT_NEAR(combiScore(x, xhat, gradient, o).at(0, 0, 0), 0.0, 1e-7) << "still 0: the gradient is minimal there";
  o.positiveOnly = true;
  o.combiSmoothingMm = 1.0;
  const ImageF smooth = combiScore(x, xhat, gradient, o);
  EXPECT_NEAR(smooth.at(4, 4, 4), 0.04, 1e-6) << "the peak is still the maximum after smoothing";
  EXPECT_GT(smooth.at(5, 4, 4), 0.0f) << "smoothing spreads the hot spot";
  EXPECT_LT(smooth.at(5, 4, 4), smooth.at(4, 4, 4));
  EXPECT_THROW(combiScore(x, xhat, ImageF(grid({9, 9, 8}), 1.0f)), Error);
  EXPECT_EQ(parseScoreKind("combi"), ScoreKind::Combi);
  EXPECT_STREQ(toString(ScoreKind::Residual), "residual");
  EXPECT_THROW(parseScoreKind("kl"), Error);
}

TEST(Residual, DifferentGrids_Throws) {
  EXPECT_THROW(residualMap(ImageF(grid({2, 2, 2})), ImageF(grid({2, 2, 3}))), Error);
}

TEST(Otsu, TwoPopulations_ThresholdSeparatesThem) {
  ImageF v(grid({10, 10, 1}), 0.1f);
  fillBox(v, {0, 0, 0}, {10, 3, 1}, 0.9f); // 30 voxels at 0.9, 70 at 0.1
  const double t = otsuThreshold(v, nullptr, 256);
  EXPECT_GT(t, 0.1);
  EXPECT_LT(t, 0.9);
  // skimage bins [0.1, 0.9] into 256; the best split is the first bin: its centre.
  EXPECT_NEAR(t, 0.1 + 0.5 * 0.8 / 256, 1e-6); // float voxels
  const Mask m = thresholdAbove(v, t);
  std::size_t count = 0;
  for (auto b : m.voxels())
    count += b;
  EXPECT_EQ(count, 30u);
}

TEST(Otsu, ConstantMap_ReturnsValueAndNothingAbove) {
  ImageF v(grid({3, 3, 3}), 0.4f);
  EXPECT_FLOAT_EQ(otsuThreshold(v), 0.4f);
  Mask none(grid({3, 3, 3}), 0);
  EXPECT_THROW(otsuThreshold(v, &none), Error);
}

TEST(AreaOpening, RemovesSmallComponentsPerSlice_InMm2) {
  Mask m(grid({40, 40, 2}, {0.5, 0.5, 3.0}), 0);
  // slice 0: a 20x20 px square = 100 mm^2 (removed at 64 mm^2? no: kept) and a 10x10 px square = 25 mm^2 (removed)
  for (int j = 0; j < 20; ++j)
    for (int i = 0; i < 20; ++i)
      m.at(i, j, 0) = 1;
  for (int j = 25; j < 35; ++j)
    for (int i = 25; i < 35; ++i)
      m.at(i, j, 0) = 1;
  // slice 1: two diagonal-touching pixels are two 4-connected components of 0.25 mm^2 each
  m.at(30, 30, 1) = 1;
  m.at(31, 31, 1) = 1;
  const std::size_t removed = areaOpeningPerSlice(m, 64.0);
  EXPECT_EQ(removed, 3u);
  EXPECT_EQ(m.at(0, 0, 0), 1);
  EXPECT_EQ(m.at(19, 19, 0), 1);
  EXPECT_EQ(m.at(30, 30, 0), 0);
  EXPECT_EQ(m.at(30, 30, 1), 0);
}

TEST(AreaOpening, Cancelled_Throws) {
  Mask m(grid({4, 4, 4}), 1);
  RecordingProgressSink sink;
  CancelToken token;
  ProgressScope scope(sink, "opening", token);
  token.requestCancel();
  EXPECT_THROW(areaOpeningPerSlice(m, 1.0, &scope), Cancelled);
}

TEST(Components, TwoBlobs_SortedBySizeWithMeasurements) {
  ImageGeometry g = grid({20, 20, 20}, {1.0, 1.0, 2.0});
  g.originMm = {-10, -10, 0};
  Mask m(g, 0);
  ImageF score(g, 0.0f);
  for (int k = 2; k < 4; ++k)
    for (int j = 2; j < 4; ++j)
      for (int i = 2; i < 4; ++i) {
        m.at(i, j, k) = 1; // 8 voxels
        score.at(i, j, k) = 0.5f;
      }
  for (int k = 10; k < 13; ++k)
    for (int j = 10; j < 13; ++j)
      for (int i = 10; i < 13; ++i) {
        m.at(i, j, k) = 1; // 27 voxels
        score.at(i, j, k) = 0.25f;
      }
  score.at(11, 11, 11) = 0.75f;
  LabelMap labels;
  const auto findings = findComponents(m, score, &labels);
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].voxelCount, 27u);
  EXPECT_DOUBLE_EQ(findings[0].volumeMl, 27 * 2.0 / 1000.0);
  EXPECT_DOUBLE_EQ(findings[0].centroidVoxel[0], 11.0);
  EXPECT_DOUBLE_EQ(findings[0].centroidMm[0], 1.0);
  EXPECT_DOUBLE_EQ(findings[0].centroidMm[2], 22.0);
  EXPECT_DOUBLE_EQ(findings[0].peakScore, 0.75);
  EXPECT_EQ(findings[0].boundingBoxMin, (Size3{10, 10, 10}));
  EXPECT_EQ(findings[0].boundingBoxMax, (Size3{12, 12, 12}));
  EXPECT_EQ(findings[1].voxelCount, 8u);
  EXPECT_EQ(labels.at(2, 2, 2), 2);
  EXPECT_EQ(labels.at(11, 11, 11), 1);

  LabelMap atlas(g, 0);
  atlas.setLabelName(7, "Frontal Pole");
  for (int i = 0; i < 20; ++i)
    atlas.at(i, 11, 11) = 7;
  auto named = findings;
  nameRegions(named, labels, atlas);
  EXPECT_EQ(named[0].region, "Frontal Pole");
  EXPECT_EQ(named[1].region, "outside atlas labels");
}

TEST(Postprocess, Chain_ThresholdOpeningGate) {
  const ImageGeometry g = grid({40, 40, 3});
  ImageF score(g, 0.0f);
  // 400 px per slice: survives 256 mm^2 (the paper's opening) and the default 128
  fillBox(score, {5, 5, 0}, {25, 25, 3}, 1.0f);
  fillBox(score, {30, 30, 0}, {35, 35, 3}, 1.0f); // 25 px per slice: removed by the opening
  Mask brain(g, 1);
  for (int j = 0; j < 40; ++j)
    for (int i = 0; i < 40; ++i)
      brain.at(i, j, 2) = 0; // top slice outside the brain
  const auto result = strega::postprocess::postprocess(score, brain, strega::postprocess::PostprocessOptions::paper());
  EXPECT_GT(result.threshold, 0.0);
  EXPECT_LT(result.threshold, 1.0);
  EXPECT_EQ(result.removedByOpening, 3u);
  EXPECT_EQ(result.removedByGate, 400u);
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_EQ(result.findings[0].voxelCount, 800u);
  EXPECT_EQ(result.mask.at(10, 10, 2), 0);
  EXPECT_EQ(result.mask.at(10, 10, 1), 1);
}

TEST(GaussianSmooth, ConstantStaysConstantImpulseSpreadsAndSumsToOne) {
  strega::ImageGeometry g;
  g.size = {21, 21, 21};
  g.spacingMm = {1.0, 2.0, 1.0};
  strega::ImageF constant(g, 0.5f);
  const auto smooth = strega::postprocess::gaussianSmooth(constant, 2.0);
  for (std::size_t n = 0; n < smooth.voxelCount(); n += 97)
    EXPECT_NEAR(smooth[n], 0.5f, 1e-5);
  strega::ImageF impulse(g, 0.0f);
  impulse.at(10, 10, 10) = 1.0f;
  const auto spread = strega::postprocess::gaussianSmooth(impulse, 2.0);
  double sum = 0.0;
  for (std::size_t n = 0; n < spread.voxelCount(); ++n)
    sum += spread[n];
  EXPECT_NEAR(sum, 1.0, 1e-3); // kernels cut by the border are renormalised
  EXPECT_LT(spread.at(10, 10, 10), 0.05f);
  // Sigma in mm: 2 mm is 2 voxels along i and 1 voxel along j (2 mm spacing), so j falls off faster per voxel.
  EXPECT_GT(spread.at(11, 10, 10), spread.at(10, 11, 10));
  EXPECT_NEAR(spread.at(11, 10, 10), spread.at(9, 10, 10), 1e-7);
  EXPECT_EQ(strega::postprocess::gaussianSmooth(impulse, 0.0).at(10, 10, 10), 1.0f);
}

TEST(Postprocess, Smoothing_RemovesThinRimKeepsBlob) {
  // A one-voxel-thick sheet of score 1 (a ventricle border) and a 12 mm cube (a lesion).
  strega::ImageGeometry g;
  g.size = {40, 40, 40};
  strega::ImageF score(g, 0.0f);
  strega::Mask brain(g, 1);
  for (std::size_t j = 0; j < 40; ++j)
    for (std::size_t k = 0; k < 40; ++k)
      score.at(5, j, k) = 1.0f;
  for (std::size_t i = 20; i < 32; ++i)
    for (std::size_t j = 20; j < 32; ++j)
      for (std::size_t k = 20; k < 32; ++k)
        score.at(i, j, k) = 1.0f;
  strega::postprocess::PostprocessOptions o;
  o.fixedThreshold = 0.4;
  o.minAreaMm2 = 16.0;
  o.openingRadiusMm = 0.0; // the 3D opening would remove the sheet too (MorphologyTest)
  const auto plain = strega::postprocess::postprocess(score, brain, o);
  EXPECT_EQ(plain.mask.at(5, 10, 10), 1) << "without smoothing the sheet stays";
  o.smoothingMm = 2.0;
  const auto smoothed = strega::postprocess::postprocess(score, brain, o);
  EXPECT_EQ(smoothed.mask.at(5, 10, 10), 0) << "the sheet fades below the threshold";
  EXPECT_EQ(smoothed.mask.at(26, 26, 26), 1) << "the blob keeps its core";
  ASSERT_EQ(smoothed.findings.size(), 1u);
}

// Hole filling per slice and the 3D opening with a ball in mm, alone and in the post-processing chain.

TEST(FillHoles, RingBecomesDisc_RegionOpenToTheBorderStays) {
  Mask m(grid({30, 30, 2}), 0);
  // Slice 0: a closed square ring (outer 10..19, one voxel thick) around 8 x 8 background voxels.
  for (std::size_t a = 10; a < 20; ++a) {
    m.at(a, 10, 0) = m.at(a, 19, 0) = 1;
    m.at(10, a, 0) = m.at(19, a, 0) = 1;
  }
  // Slice 1: the same ring with a gap: its inside touches the outside.
  for (std::size_t a = 10; a < 20; ++a) {
    m.at(a, 10, 1) = m.at(a, 19, 1) = 1;
    m.at(10, a, 1) = m.at(19, a, 1) = 1;
  }
  m.at(19, 15, 1) = 0;
  // A gap in the ring's wall, bridged from outside: the gap voxel belongs to the hole.
  m.at(14, 10, 0) = 0;
  m.at(14, 9, 0) = 1;
  m.at(13, 9, 0) = 1;
  m.at(15, 9, 0) = 1;
  const std::size_t before = count(m);
  const std::size_t added = fillHolesPerSlice(m);
  EXPECT_EQ(added, 64u + 1u); // the 8 x 8 inside, and the gap voxel (enclosed by the bridge above it)
  EXPECT_EQ(count(m), before + added);
  EXPECT_EQ(m.at(15, 15, 0), 1);
  EXPECT_EQ(m.at(15, 15, 1), 0) << "a region open to the border is not a hole";
  EXPECT_EQ(m.at(0, 0, 0), 0);
}

TEST(OpenWithBall, SheetsThinnerThanTheBallGo_BallShapedFindingStays) {
  Mask m(grid({40, 40, 40}), 0);
  for (std::size_t j = 0; j < 40; ++j)
    for (std::size_t k = 0; k < 40; ++k) {
      m.at(3, j, k) = 1;                                                   // 1 voxel thick
      m.at(8, j, k) = m.at(9, j, k) = m.at(10, j, k) = m.at(11, j, k) = 1; // 4 mm thick: thinner than 5 mm
    }
  std::size_t sphere = 0;
  for (std::size_t k = 0; k < 40; ++k)
    for (std::size_t j = 0; j < 40; ++j)
      for (std::size_t i = 20; i < 40; ++i)
        if (distance(double(i), double(j), double(k), 28.0) <= 6.0) {
          m.at(i, j, k) = 1;
          ++sphere;
        }
  const std::size_t removed = openWithBall(m, 2.0);
  EXPECT_EQ(removed, 40u * 40u * 5u);
  EXPECT_EQ(count(m), sphere) << "a 12 mm ball is a union of 4 mm balls: nothing of it goes";
  EXPECT_EQ(m.at(28, 28, 28), 1);
}

TEST(OpenWithBall, RadiusInMillimetres_OnAnisotropicGrids) {
  // 3 mm slices: a 2 mm ball is a disc of one slice, so a single slice of finding survives in-plane opening.
  Mask thick(grid({30, 30, 5}, {1.0, 1.0, 3.0}), 0);
  for (std::size_t j = 5; j < 25; ++j)
    for (std::size_t i = 5; i < 25; ++i)
      thick.at(i, j, 2) = 1;
  thick.at(2, 2, 2) = 1;                             // a lone voxel
  EXPECT_EQ(openWithBall(thick, 2.0), 1u + 4u * 3u); // the lone voxel, and 3 voxels of each corner a disc cannot reach
  EXPECT_EQ(count(thick), 388u);
  EXPECT_EQ(thick.at(5, 5, 2), 0);
  EXPECT_EQ(thick.at(7, 5, 2), 1);
  // On a 1 mm grid the same single slice is thinner than the ball in k and goes.
  Mask fine(grid({30, 30, 5}), 0);
  for (std::size_t j = 5; j < 25; ++j)
    for (std::size_t i = 5; i < 25; ++i)
      fine.at(i, j, 2) = 1;
  EXPECT_EQ(openWithBall(fine, 2.0), 400u);
  // No radius, or one below a voxel: unchanged.
  Mask same(grid({30, 30, 5}, {3.0, 3.0, 3.0}), 1);
  EXPECT_EQ(openWithBall(same, 0.0), 0u);
  EXPECT_EQ(openWithBall(same, 2.0), 0u);
  EXPECT_EQ(count(same), same.voxelCount());
}

TEST(Postprocess, DefaultChain_FillsTheRingOfAPartlyReproducedFindingAndDropsAThinRim) {
  // A hollow 24 mm sphere of high score (the network copied its inside) and an axial sheet one voxel thick (a rim of
  // reconstruction error: large in-plane, so the area opening keeps it).
  const ImageGeometry g = grid({60, 60, 60});
  ImageF score(g, 0.0f);
  for (std::size_t k = 0; k < 60; ++k)
    for (std::size_t j = 0; j < 60; ++j)
      for (std::size_t i = 0; i < 60; ++i) {
        const double d = distance(double(i), double(j), double(k), 30.0);
        if (d <= 12.0 && d > 8.0) score.at(i, j, k) = 1.0f;
        if (k == 5) score.at(i, j, k) = 1.0f;
      }
  Mask brain(g, 1);
  const auto plain = strega::postprocess::postprocess(score, brain, PostprocessOptions::paper());
  EXPECT_EQ(plain.mask.at(30, 30, 30), 0) << "the paper's chain keeps the ring only";
  EXPECT_EQ(plain.mask.at(30, 30, 5), 1);
  const auto chain = strega::postprocess::postprocess(score, brain);
  EXPECT_GT(chain.addedByFilling, 0u);
  EXPECT_GT(chain.removedByBall, 0u);
  EXPECT_EQ(chain.mask.at(30, 30, 30), 1) << "the ring's inside is part of the finding";
  EXPECT_EQ(chain.mask.at(30, 30, 5), 0) << "the one-voxel sheet is gone";
  ASSERT_EQ(chain.findings.size(), 1u);
  // The 24 mm ball is 7.2 mL; the area opening (128 mm^2) takes its smallest slices.
  EXPECT_GT(chain.findings[0].volumeMl, 4.5);
  EXPECT_LT(chain.findings[0].volumeMl, 7.3);
}
