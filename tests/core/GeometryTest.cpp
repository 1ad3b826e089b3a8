#include "strega/core/Error.h"
#include "strega/core/ImageGeometry.h"
#include "strega/core/LabelMap.h"
#include "strega/core/Volume.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace strega;

TEST(ImageGeometry, IndexToPhysical_IdentityDirection_ScalesAndOffsets) {
  ImageGeometry g;
  g.size = {10, 20, 30};
  g.spacingMm = {0.5, 2.0, 3.0};
  g.originMm = {-10.0, 5.0, 1.0};
  const Vec3 p = g.indexToPhysical({2.0, 3.0, 4.0});
  EXPECT_DOUBLE_EQ(p[0], -9.0);
  EXPECT_DOUBLE_EQ(p[1], 11.0);
  EXPECT_DOUBLE_EQ(p[2], 13.0);
}

TEST(ImageGeometry, IndexToPhysical_FlippedAxes_FollowsDirectionColumns) {
  ImageGeometry g; // RAS-stored: i points right (-x), j anterior (-y), k superior
  g.size = {4, 4, 4};
  g.direction = {-1, 0, 0, 0, -1, 0, 0, 0, 1};
  g.originMm = {90.0, 126.0, -72.0};
  const Vec3 p = g.indexToPhysical({1.0, 2.0, 3.0});
  EXPECT_DOUBLE_EQ(p[0], 89.0);
  EXPECT_DOUBLE_EQ(p[1], 124.0);
  EXPECT_DOUBLE_EQ(p[2], -69.0);
  EXPECT_EQ(g.orientationCode(), "RAS");
}

TEST(ImageGeometry, PhysicalToIndex_ObliqueGrid_InvertsIndexToPhysical) {
  ImageGeometry g;
  g.size = {8, 8, 8};
  g.spacingMm = {1.2, 0.8, 2.5};
  g.originMm = {3.0, -4.0, 7.5};
  const double c = std::cos(0.3), s = std::sin(0.3);
  g.direction = {c, -s, 0, s, c, 0, 0, 0, 1};
  const Vec3 index{1.25, 6.5, 3.0};
  const Vec3 back = g.physicalToIndex(g.indexToPhysical(index));
  EXPECT_NEAR(back[0], 1.25, 1e-12);
  EXPECT_NEAR(back[1], 6.5, 1e-12);
  EXPECT_NEAR(back[2], 3.0, 1e-12);
  EXPECT_EQ(g.orientationCode(), "LPS");
}

TEST(ImageGeometry, Validate_ZeroSizeOrSingularDirection_Throws) {
  ImageGeometry g;
  g.size = {4, 0, 4};
  EXPECT_THROW(g.validate(), Error);
  g.size = {4, 4, 4};
  g.direction = {1, 0, 0, 1, 0, 0, 0, 0, 1};
  EXPECT_THROW(g.validate(), Error);
  g.direction = identityMatrix();
  g.spacingMm = {1.0, -1.0, 1.0};
  EXPECT_THROW(g.validate(), Error);
  g.spacingMm = {1.0, 1.0, 1.0};
  EXPECT_NO_THROW(g.validate());
}

TEST(ImageGeometry, SameGrid_SmallOriginShift_ToleranceDecides) {
  ImageGeometry a;
  a.size = {2, 2, 2};
  ImageGeometry b = a;
  b.originMm[2] += 5e-5;
  EXPECT_TRUE(a.sameGrid(b));
  b.originMm[2] += 1e-3;
  EXPECT_FALSE(a.sameGrid(b));
}

TEST(Volume, LinearIndex_IFastest_MatchesItkLayout) {
  ImageGeometry g;
  g.size = {3, 4, 5};
  Volume<int> v(g, 0);
  EXPECT_EQ(v.voxelCount(), 60u);
  EXPECT_EQ(v.linearIndex(1, 2, 3), 1u + 3u * (2u + 4u * 3u));
  v.at(2, 3, 4) = 7;
  EXPECT_EQ(v[59], 7);
  EXPECT_TRUE(v.contains(2, 3, 4));
  EXPECT_FALSE(v.contains(3, 0, 0));
  EXPECT_FALSE(v.contains(-1, 0, 0));
}

TEST(Volume, Construct_BufferOfWrongSize_Throws) {
  ImageGeometry g;
  g.size = {2, 2, 2};
  EXPECT_THROW(Volume<float>(g, std::vector<float>(7)), Error);
}

TEST(LabelMap, TissueLabels_NamesAndCounts) {
  ImageGeometry g;
  g.size = {2, 2, 1};
  LabelMap map = LabelMap::tissueLabels(g);
  map[0] = Csf;
  map[1] = WhiteMatter;
  map[2] = WhiteMatter;
  EXPECT_EQ(map.labelName(WhiteMatter), "white matter");
  EXPECT_EQ(map.labelName(9), "label 9");
  EXPECT_EQ(map.count(WhiteMatter), 2u);
  EXPECT_EQ(map.maxLabel(), WhiteMatter);
  const Mask wm = map.maskOf(WhiteMatter);
  EXPECT_EQ(wm[1], 1);
  EXPECT_EQ(wm[0], 0);
}
