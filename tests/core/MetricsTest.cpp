#include "strega/core/Error.h"
#include "strega/core/Metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace strega;

namespace {
Mask box(Size3 size, Size3 lo, Size3 hi, Vec3 spacing = {1, 1, 1}) {
  ImageGeometry g;
  g.size = size;
  g.spacingMm = spacing;
  Mask m(g, 0);
  for (std::size_t k = lo[2]; k < hi[2]; ++k)
    for (std::size_t j = lo[1]; j < hi[1]; ++j)
      for (std::size_t i = lo[0]; i < hi[0]; ++i) m.at(i, j, k) = 1;
  return m;
}
} // namespace

TEST(Metrics, Dice_HalfOverlappingBoxes_ExactValue) {
  const Mask a = box({10, 10, 10}, {0, 0, 0}, {4, 2, 2}); // 16 voxels
  const Mask b = box({10, 10, 10}, {2, 0, 0}, {6, 2, 2}); // 16 voxels, 8 shared
  const auto c = countOverlap(a, b);
  EXPECT_EQ(c.truePositive, 8u);
  EXPECT_EQ(c.falsePositive, 8u);
  EXPECT_EQ(c.falseNegative, 8u);
  EXPECT_EQ(c.trueNegative, 1000u - 24u);
  EXPECT_DOUBLE_EQ(dice(c), 0.5);
  EXPECT_DOUBLE_EQ(sensitivity(c), 0.5);
  EXPECT_DOUBLE_EQ(precision(c), 0.5);
}

TEST(Metrics, Dice_BothEmpty_IsOne) {
  const Mask a = box({4, 4, 4}, {0, 0, 0}, {0, 0, 0});
  EXPECT_DOUBLE_EQ(dice(a, a), 1.0);
  const auto c = countOverlap(a, a);
  EXPECT_DOUBLE_EQ(sensitivity(c), 1.0);
  EXPECT_DOUBLE_EQ(precision(c), 1.0);
}

TEST(Metrics, Dice_PredictionMissesEverything_IsZero) {
  const Mask a = box({6, 6, 6}, {0, 0, 0}, {2, 2, 2});
  const Mask b = box({6, 6, 6}, {3, 3, 3}, {5, 5, 5});
  EXPECT_DOUBLE_EQ(dice(a, b), 0.0);
}

TEST(Metrics, CountOverlap_DifferentGrids_Throws) {
  const Mask a = box({4, 4, 4}, {0, 0, 0}, {1, 1, 1});
  const Mask b = box({4, 4, 5}, {0, 0, 0}, {1, 1, 1});
  EXPECT_THROW(countOverlap(a, b), Error);
}

TEST(Metrics, VolumeMl_AnisotropicVoxels_UsesVoxelVolume) {
  const Mask m = box({10, 10, 10}, {0, 0, 0}, {5, 4, 2}, {0.5, 1.0, 2.0}); // 40 voxels of 1 mm^3
  EXPECT_DOUBLE_EQ(volumeMl(m), 0.04);
}

TEST(Metrics, Hausdorff95_IdenticalMasks_IsZero) {
  const Mask a = box({12, 12, 12}, {2, 2, 2}, {8, 8, 8});
  EXPECT_DOUBLE_EQ(hausdorff95Mm(a, a), 0.0);
}

TEST(Metrics, Hausdorff95_ShiftedBox_IsShiftInMm) {
  // A 1-voxel-thick slab shifted by 3 voxels of 2 mm along k: every surface voxel is 6 mm from the other.
  const Mask a = box({8, 8, 12}, {1, 1, 2}, {7, 7, 3}, {1, 1, 2});
  const Mask b = box({8, 8, 12}, {1, 1, 5}, {7, 7, 6}, {1, 1, 2});
  EXPECT_NEAR(hausdorff95Mm(a, b), 6.0, 1e-6);
}

TEST(Metrics, Hausdorff95_OneEmpty_IsInfinite) {
  const Mask a = box({4, 4, 4}, {0, 0, 0}, {2, 2, 2});
  const Mask e = box({4, 4, 4}, {0, 0, 0}, {0, 0, 0});
  EXPECT_TRUE(std::isinf(hausdorff95Mm(a, e)));
  EXPECT_DOUBLE_EQ(hausdorff95Mm(e, e), 0.0);
}

TEST(Metrics, DistanceToNearest_SinglePoint_IsEuclideanInMm) {
  Mask m = box({5, 5, 5}, {0, 0, 0}, {0, 0, 0}, {1.0, 2.0, 3.0});
  m.at(0, 0, 0) = 1;
  const auto d = distanceToNearestMm(m);
  EXPECT_FLOAT_EQ(d.at(0, 0, 0), 0.0f);
  EXPECT_NEAR(d.at(3, 4, 0), std::sqrt(9.0 + 64.0), 1e-5);
  EXPECT_NEAR(d.at(1, 1, 1), std::sqrt(1.0 + 4.0 + 9.0), 1e-5);
}

TEST(Metrics, Percentile_LinearInterpolation_MatchesNumpy) {
  std::vector<double> v{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  EXPECT_DOUBLE_EQ(percentile(v, 95.0), 9.55); // numpy.percentile(range(1,11), 95)
  EXPECT_DOUBLE_EQ(percentile(v, 50.0), 5.5);
  std::vector<double> empty;
  EXPECT_THROW(percentile(empty, 50.0), Error);
}
