// SurfaceMesh (flying edges in world space) and SurfaceScene (offscreen VTK rendering read back as pixels).
#include "UiTestSupport.h"

#include "strega/render/SurfaceScene.h"

using namespace strega;
using namespace strega::render;

namespace {
ImageGeometry obliqueGrid() {
  ImageGeometry g;
  g.size = {48, 48, 40};
  g.spacingMm = {1.0, 1.0, 1.25};
  g.originMm = {-20.0, 30.0, -10.0};
  g.direction = strega::testing::rotation(15.0, 35.0);
  return g;
}
} // namespace

TEST(SurfaceMesh, FromMask_SphereSurfaceLiesAroundItsWorldCentre) {
  const ImageGeometry g = obliqueGrid();
  const Vec3 centre = g.indexToPhysical({24, 24, 20});
  const auto mesh = SurfaceMesh::fromMask(strega::testing::sphereMask(g, centre, 10.0));
  ASSERT_GT(mesh->triangleCount(), 100u);
  const std::vector<Vec3> vertices = mesh->vertices();
  double sum = 0.0;
  double minRadius = 1e9, maxRadius = 0.0;
  for (const Vec3& p : vertices) {
    const double r = norm(subtract(p, centre));
    sum += r;
    minRadius = std::min(minRadius, r);
    maxRadius = std::max(maxRadius, r);
  }
  const double mean = sum / static_cast<double>(vertices.size());
  EXPECT_NEAR(mean, 10.0, 1.0); // voxelised sphere, smoothed: within a voxel of the true radius
  EXPECT_GT(minRadius, 8.0);
  EXPECT_LT(maxRadius, 12.0);
}

TEST(SurfaceMesh, FromEmptyMask_IsEmpty) { EXPECT_TRUE(SurfaceMesh::fromMask(Mask(obliqueGrid()))->empty()); }

TEST(SurfaceScene, Render_ShowsTheSurfaceInItsColour) {
  std::string why;
  if (!SurfaceScene::available(&why)) GTEST_SKIP() << why;
  const ImageGeometry g = obliqueGrid();
  const Vec3 centre = g.indexToPhysical({24, 24, 20});
  SurfaceScene scene;
  scene.addMesh(SurfaceMesh::fromMask(strega::testing::sphereMask(g, centre, 12.0)), {255, 0, 0}, 1.0);
  scene.resetCamera();
  const RgbaImage picture = scene.render(200, 160);
  ASSERT_EQ(picture.width, 200);
  ASSERT_EQ(picture.height, 160);
  // The sphere is centred: the middle pixel is lit red; a corner is background.
  const Rgb middle = unpackRgb(picture.at(100, 80));
  EXPECT_GT(middle.r, 100);
  EXPECT_LT(middle.g, 60);
  const Rgb corner = unpackRgb(picture.at(2, 2));
  EXPECT_LT(corner.r, 60);
  QImage(reinterpret_cast<const uchar*>(picture.pixels.data()), picture.width, picture.height, picture.width * 4,
         QImage::Format_RGB32)
    .save(QString::fromStdString((strega::testing::artifactDir() / "surface-sphere.png").string()));
}
