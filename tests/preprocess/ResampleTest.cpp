#include "strega/preprocess/Resample.h"
#include "TestImages.h"
#include "strega/core/Metrics.h"
#include "strega/preprocess/AtlasTransform.h"
#include "strega/preprocess/TransformIO.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>

using namespace strega;
using namespace strega::preprocess;

namespace {
ImageF randomImage(const ImageGeometry& g, unsigned seed) {
  ImageF image(g, 0.0f);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 100.0f);
  for (auto& v : image.voxels())
    v = u(rng);
  return image;
}

DisplacementField smoothField(const ImageGeometry& over, double amplitude) {
  ImageGeometry grid = over;
  grid.spacingMm = {4.0, 4.0, 4.0};
  for (int a = 0; a < 3; ++a)
    grid.size[a] = static_cast<std::size_t>(std::ceil(double(over.size[a]) * over.spacingMm[a] / 4.0)) + 2;
  DisplacementField field(grid);
  for (std::size_t k = 0; k < grid.size[2]; ++k)
    for (std::size_t j = 0; j < grid.size[1]; ++j)
      for (std::size_t i = 0; i < grid.size[0]; ++i) {
        const Vec3 p = grid.indexToPhysical({double(i), double(j), double(k)});
        field.component(0).at(i, j, k) = static_cast<float>(amplitude * std::sin(p[1] / 15.0));
        field.component(1).at(i, j, k) = static_cast<float>(amplitude * std::cos(p[2] / 17.0));
        field.component(2).at(i, j, k) = static_cast<float>(amplitude * std::sin(p[0] / 13.0));
      }
  return field;
}
} // namespace

TEST(Affine3, Inverse_ComposesToIdentity) {
  Affine3 a;
  a.matrix = {1.1, 0.1, 0.0, -0.2, 0.9, 0.05, 0.0, 0.1, 1.05};
  a.translationMm = {3.0, -4.0, 5.0};
  const Vec3 p{10.0, -20.0, 30.0};
  const Vec3 q = a.compose(a.inverse()).apply(p);
  for (int i = 0; i < 3; ++i)
    EXPECT_NEAR(q[i], p[i], 1e-9);
}

TEST(Resample, IdentityTransformSameGrid_ReturnsIdenticalVoxels) {
  const auto g = testimages::cubeGrid(12);
  const ImageF image = randomImage(g, 1);
  const ImageF linear = resampleToAtlas(image, AtlasTransform{}, g, Interpolation::Linear);
  const ImageF nearest = resampleToAtlas(image, AtlasTransform{}, g, Interpolation::Nearest);
  const ImageF back = mapToNative(image, AtlasTransform{}, g, Interpolation::Linear);
  for (std::size_t n = 0; n < image.voxelCount(); ++n) {
    EXPECT_FLOAT_EQ(linear[n], image[n]);
    EXPECT_FLOAT_EQ(nearest[n], image[n]);
    EXPECT_FLOAT_EQ(back[n], image[n]);
  }
}

TEST(Resample, IntegerTranslation_ShiftsVoxelsExactly) {
  const auto g = testimages::cubeGrid(10);
  const ImageF image = randomImage(g, 2);
  AtlasTransform t;
  t.affine.translationMm = {2.0, 0.0, -1.0}; // atlas point x is native point x + (2, 0, -1)
  const ImageF atlas = resampleToAtlas(image, t, g, Interpolation::Linear, -1.0f);
  for (std::size_t k = 1; k < 10; ++k)
    for (std::size_t j = 0; j < 10; ++j)
      for (std::size_t i = 0; i < 8; ++i)
        EXPECT_FLOAT_EQ(atlas.at(i, j, k), image.at(i + 2, j, k - 1));
  EXPECT_FLOAT_EQ(atlas.at(9, 0, 5), -1.0f); // beyond the native grid
}

TEST(Resample, MaskRoundTripThroughAffine_IsIdentity) {
  // A mask mapped to the atlas and back with a non-trivial affine is unchanged away from the grid border.
  const auto g = testimages::cubeGrid(32);
  const Mask mask = testimages::ball(g, 9.0);
  AtlasTransform t;
  t.affine.matrix = {0.0, -1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0}; // 90 degrees about z
  t.affine.translationMm = {1.0, -2.0, 3.0};
  const Mask atlas = resampleMaskToAtlas(mask, t, g);
  const Mask back = mapMaskToNative(atlas, t, g);
  EXPECT_EQ(dice(back, mask), 1.0);
}

TEST(AtlasTransform, DeformationInverse_RoundTripsWithinHundredthMm) {
  const auto g = testimages::cubeGrid(40, 2.0);
  AtlasTransform t;
  t.affine.matrix = {1.05, 0.1, 0.0, -0.1, 0.95, 0.0, 0.0, 0.0, 1.0};
  t.affine.translationMm = {4.0, -3.0, 2.0};
  t.deformation = smoothField(g, 3.0);
  for (double x : {-20.0, 0.0, 13.0})
    for (double y : {-11.0, 5.0})
      for (double z : {-7.0, 21.0}) {
        const Vec3 p{x, y, z};
        const Vec3 back = t.nativeToAtlas(t.atlasToNative(p));
        for (int a = 0; a < 3; ++a)
          EXPECT_NEAR(back[a], p[a], 0.01);
      }
}

TEST(Resample, DeformedRoundTrip_MapsBackToSameWorldPoints) {
  // Resample a smooth image to the atlas through a deformed transform and map it back: values agree to within
  // interpolation error, so the bulk inverse (tabulated + corrected) matches the forward map.
  const auto g = testimages::cubeGrid(40, 1.5);
  ImageF image(g, 0.0f);
  for (std::size_t k = 0; k < 40; ++k)
    for (std::size_t j = 0; j < 40; ++j)
      for (std::size_t i = 0; i < 40; ++i) {
        const Vec3 p = g.indexToPhysical({double(i), double(j), double(k)});
        image.at(i, j, k) = static_cast<float>(100.0 + p[0] + 0.5 * p[1] - 0.3 * p[2]);
      }
  AtlasTransform t;
  t.affine.translationMm = {1.3, -0.7, 0.4};
  t.deformation = smoothField(g, 2.0);
  const ImageF atlas = resampleToAtlas(image, t, g, Interpolation::Linear, -1000.0f);
  const ImageF back = mapToNative(atlas, t, g, Interpolation::Linear, -1000.0f);
  for (std::size_t k = 8; k < 32; ++k)
    for (std::size_t j = 8; j < 32; ++j)
      for (std::size_t i = 8; i < 32; ++i)
        EXPECT_NEAR(back.at(i, j, k), image.at(i, j, k), 0.2);
}

TEST(Resample, ObliqueNativeGrid_MaskLinesUpInWorldCoordinates) {
  // The atlas-space ball mapped onto an oblique, anisotropic native grid covers the same physical points.
  const auto atlasGrid = testimages::cubeGrid(48);
  const Mask atlasBall = testimages::ball(atlasGrid, 15.0);
  ImageGeometry native;
  native.size = {40, 44, 30};
  native.spacingMm = {1.2, 1.1, 1.6};
  const double c = std::cos(0.4), s = std::sin(0.4);
  native.direction = {c, 0.0, s, 0.0, 1.0, 0.0, -s, 0.0, c};
  native.originMm = subtract(Vec3{5.0, -3.0, 2.0}, multiply(native.indexToPhysicalMatrix(), Vec3{19.5, 21.5, 14.5}));
  AtlasTransform t;
  t.affine.translationMm = {5.0, -3.0, 2.0}; // the ball's centre lands at (5, -3, 2) in the native world
  const Mask mapped = mapMaskToNative(atlasBall, t, native);
  std::size_t wrong = 0, inside = 0;
  for (std::size_t k = 0; k < native.size[2]; ++k)
    for (std::size_t j = 0; j < native.size[1]; ++j)
      for (std::size_t i = 0; i < native.size[0]; ++i) {
        const Vec3 p = native.indexToPhysical({double(i), double(j), double(k)});
        const double r = norm(subtract(p, Vec3{5.0, -3.0, 2.0}));
        const bool expected = r <= 15.0;
        inside += expected;
        if (std::abs(r - 15.0) > 1.0 && bool(mapped.at(i, j, k)) != expected) ++wrong;
      }
  EXPECT_GT(inside, 5000u);
  EXPECT_EQ(wrong, 0u);
}

TEST(TransformIO, WriteRead_RoundTripsAffineAndWarp) {
  const auto dir = std::filesystem::temp_directory_path() / "strega_transform_io_test";
  std::filesystem::create_directories(dir);
  AtlasTransform t;
  t.affine.matrix = {1.02, 0.05, -0.01, -0.04, 0.98, 0.02, 0.01, -0.03, 1.01};
  t.affine.translationMm = {3.5, -2.25, 7.0};
  t.deformation = smoothField(testimages::cubeGrid(20, 2.0), 1.5);
  writeAtlasTransform(t, dir / "affine.tfm", dir / "warp.nii.gz");
  const AtlasTransform r = readAtlasTransform(dir / "affine.tfm", dir / "warp.nii.gz");
  for (int i = 0; i < 9; ++i)
    EXPECT_NEAR(r.affine.matrix[i], t.affine.matrix[i], 1e-9);
  for (int i = 0; i < 3; ++i)
    EXPECT_NEAR(r.affine.translationMm[i], t.affine.translationMm[i], 1e-9);
  ASSERT_TRUE(r.deformation.has_value());
  EXPECT_TRUE(r.deformation->geometry().sameGrid(t.deformation->geometry(), 1e-4));
  const Vec3 p{3.0, -4.0, 5.0};
  for (int a = 0; a < 3; ++a)
    EXPECT_NEAR(r.atlasToNative(p)[a], t.atlasToNative(p)[a], 1e-4);
  const AtlasTransform affineOnly = readAtlasTransform(dir / "affine.tfm");
  EXPECT_FALSE(affineOnly.deformation.has_value());
  std::filesystem::remove_all(dir);
}

TEST(TransformIO, MissingFile_ThrowsIoError) {
  try {
    readAtlasTransform("/nonexistent/affine.tfm");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Io);
  }
}
