// SliceGeometry / SliceFrame: world-aligned planes, slice grids and orientation conventions (exact values).
#include "UiTestSupport.h"

#include "strega/render/SliceFrame.h"

using namespace strega;
using namespace strega::render;

namespace {
ImageGeometry alignedGeometry() {
  ImageGeometry g;
  g.size = {10, 20, 30};
  g.spacingMm = {1.0, 2.0, 3.0};
  g.originMm = {-5.0, 7.0, 11.0};
  return g;
}
} // namespace

TEST(SliceGeometry, AxisAlignedVolume_SlicePositionsAreVoxelCentres) {
  const SliceGeometry geometry(alignedGeometry());
  EXPECT_EQ(geometry.range(ViewAxis::Sagittal).count, 10);
  EXPECT_EQ(geometry.range(ViewAxis::Coronal).count, 20);
  EXPECT_EQ(geometry.range(ViewAxis::Axial).count, 30);
  EXPECT_DOUBLE_EQ(geometry.range(ViewAxis::Axial).stepMm, 3.0);
  EXPECT_DOUBLE_EQ(geometry.range(ViewAxis::Axial).firstMm, 11.0);
  EXPECT_DOUBLE_EQ(geometry.range(ViewAxis::Axial).depthOf(29), 11.0 + 29 * 3.0);
  EXPECT_EQ(geometry.range(ViewAxis::Coronal).indexOf(7.0 + 2 * 4.9), 5);
  EXPECT_EQ(geometry.range(ViewAxis::Coronal).indexOf(-100.0), 0);
  EXPECT_EQ(geometry.range(ViewAxis::Coronal).indexOf(1000.0), 19);
  EXPECT_DOUBLE_EQ(geometry.pixelSizeMm(), 1.0);
}

TEST(SliceGeometry, Snap_PointBetweenVoxels_MovesToNearestCentre) {
  const SliceGeometry geometry(alignedGeometry());
  const Vec3 snapped = geometry.snap({-5.0 + 3.4, 7.0 + 2.0 * 6.6, 11.0 + 3.0 * 2.2});
  EXPECT_DOUBLE_EQ(snapped[0], -2.0);
  EXPECT_DOUBLE_EQ(snapped[1], 7.0 + 14.0);
  EXPECT_DOUBLE_EQ(snapped[2], 11.0 + 6.0);
}

TEST(SliceFrame, Radiological_AxialShowsPatientRightOnScreenLeftAndAnteriorUp) {
  const SliceGeometry geometry(alignedGeometry());
  const SliceFrame f = geometry.frame(ViewAxis::Axial, {0, 10, 20}, DisplayConvention::Radiological);
  EXPECT_EQ(f.rightLps, (Vec3{1, 0, 0})); // screen right = patient left (+x in LPS)
  EXPECT_EQ(f.downLps, (Vec3{0, 1, 0}));  // screen down = posterior: anterior at the top
  EXPECT_EQ(f.normalLps, (Vec3{0, 0, 1}));
  EXPECT_DOUBLE_EQ(f.depthMm(), 20.0);
  EXPECT_EQ(f.width, 10);  // x extent 9 mm at 1 mm pixels
  EXPECT_EQ(f.height, 39); // y extent 38 mm at 1 mm pixels
  EXPECT_EQ(f.pixelToWorld(0, 0), (Vec3{-5.0, 7.0, 20.0}));
}

TEST(SliceFrame, Neurological_AxialAndCoronalFlipLeftRightOnly) {
  const SliceGeometry geometry(alignedGeometry());
  const SliceFrame axial = geometry.frame(ViewAxis::Axial, {0, 10, 20}, DisplayConvention::Neurological);
  EXPECT_EQ(axial.rightLps, (Vec3{-1, 0, 0}));
  EXPECT_EQ(axial.pixelToWorld(0, 0), (Vec3{4.0, 7.0, 20.0})); // leftmost column = patient left edge
  const SliceFrame coronal = geometry.frame(ViewAxis::Coronal, {0, 10, 20}, DisplayConvention::Neurological);
  EXPECT_EQ(coronal.rightLps, (Vec3{-1, 0, 0}));
  EXPECT_EQ(coronal.downLps, (Vec3{0, 0, -1})); // superior up
  const SliceFrame sagittal = geometry.frame(ViewAxis::Sagittal, {0, 10, 20}, DisplayConvention::Neurological);
  EXPECT_EQ(sagittal.rightLps, (Vec3{0, 1, 0})); // anterior on the left in both conventions
  EXPECT_EQ(sagittal.downLps, (Vec3{0, 0, -1}));
}

TEST(SliceFrame, WorldToPixel_InvertsPixelToWorld) {
  ImageGeometry g = alignedGeometry();
  g.direction = strega::testing::rotation(25.0, 40.0);
  const SliceGeometry geometry(g);
  for (ViewAxis axis : {ViewAxis::Axial, ViewAxis::Coronal, ViewAxis::Sagittal}) {
    const SliceFrame f = geometry.frame(axis, {1, 2, 3}, DisplayConvention::Radiological);
    const Vec3 p = f.pixelToWorld(3.25, 7.5);
    const auto ab = f.worldToPixel(p);
    EXPECT_NEAR(ab[0], 3.25, 1e-9);
    EXPECT_NEAR(ab[1], 7.5, 1e-9);
    EXPECT_NEAR(dot(p, f.normalLps), f.depthMm(), 1e-9);
  }
}

TEST(SliceGeometry, ObliqueVolume_BoundsCoverEveryVoxelCentre) {
  ImageGeometry g = alignedGeometry();
  g.direction = strega::testing::rotation(20.0, 30.0);
  const SliceGeometry geometry(g);
  for (std::size_t corner = 0; corner < 8; ++corner) {
    const Vec3 p = g.indexToPhysical({corner & 1 ? 9.0 : 0.0, corner & 2 ? 19.0 : 0.0, corner & 4 ? 29.0 : 0.0});
    for (int a = 0; a < 3; ++a) {
      EXPECT_GE(p[a], geometry.boundsMinMm()[a] - 1e-9);
      EXPECT_LE(p[a], geometry.boundsMaxMm()[a] + 1e-9);
    }
  }
}
