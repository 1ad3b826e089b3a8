#include "strega/model/AxialSlicer.h"
#include "strega/model/TrainingSet.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace strega;
using namespace strega::model;

namespace {

ImageF rampVolume(Size3 size, Vec3 spacing = {1, 1, 1}) {
  ImageGeometry g;
  g.size = size;
  g.spacingMm = spacing;
  ImageF v(g);
  for (std::size_t k = 0; k < size[2]; ++k)
    for (std::size_t j = 0; j < size[1]; ++j)
      for (std::size_t i = 0; i < size[0]; ++i)
        v.at(i, j, k) = static_cast<float>(1 + i + 1000 * j + 100000 * (k % 3));
  return v;
}

} // namespace

TEST(AxialSlicer, OneMillimetreGridInReferenceConfig_IsExactPadCropRoundTrip) {
  // Colin27's atlas grid (181 x 217 x 181, 1 mm) in the reference config (256 mm at 1 mm): pure padding.
  const auto volume = rampVolume({181, 217, 4});
  const AxialSlicer slicer(volume.geometry(), ModelConfig::reference());
  EXPECT_TRUE(slicer.isExactPadCrop());
  EXPECT_EQ(slicer.sliceCount(), 4u);
  std::vector<float> slice(256 * 256);
  ImageF back(volume.geometry(), -1.0f);
  for (std::size_t k = 0; k < 4; ++k) {
    slicer.toModel(volume, k, slice.data());
    slicer.fromModel(slice.data(), k, back);
  }
  for (std::size_t n = 0; n < volume.voxelCount(); ++n)
    ASSERT_EQ(back[n], volume[n]) << n;
  // Centred: offset floor((256 - 181) / 2) = 37 columns, floor((256 - 217) / 2) = 19 rows.
  slicer.toModel(volume, 0, slice.data());
  EXPECT_EQ(slice[19 * 256 + 37], volume.at(0, 0, 0));
  EXPECT_EQ(slice[19 * 256 + 36], 0.0f);
  EXPECT_EQ(slice[(19 + 216) * 256 + 37 + 180], volume.at(180, 216, 0));
}

TEST(AxialSlicer, LargerSliceThanGrid_IsCroppedAndOutsideComesBackZero) {
  const auto volume = rampVolume({300, 260, 1});
  const AxialSlicer slicer(volume.geometry(), ModelConfig::reference());
  std::vector<float> slice(256 * 256);
  slicer.toModel(volume, 0, slice.data());
  EXPECT_EQ(slice[0], volume.at(22, 2, 0)); // floor(44/2) = 22, floor(4/2) = 2
  ImageF back(volume.geometry(), -1.0f);
  slicer.fromModel(slice.data(), 0, back);
  EXPECT_EQ(back.at(22, 2, 0), volume.at(22, 2, 0));
  EXPECT_EQ(back.at(0, 0, 0), 0.0f);
  EXPECT_EQ(back.at(299, 259, 0), 0.0f);
}

TEST(AxialSlicer, RasStoredVolume_GivesTheSameModelSliceAsLps) {
  // The same anatomy stored with i towards Right and j towards Anterior (a NIfTI-style RAS grid).
  const auto lps = rampVolume({20, 30, 2});
  ImageGeometry g = lps.geometry();
  g.direction = {-1, 0, 0, 0, -1, 0, 0, 0, 1};
  ImageF ras(g);
  for (std::size_t k = 0; k < 2; ++k)
    for (std::size_t j = 0; j < 30; ++j)
      for (std::size_t i = 0; i < 20; ++i)
        ras.at(i, j, k) = lps.at(19 - i, 29 - j, k);
  const AxialSlicer a(lps.geometry(), ModelConfig::reference()), b(ras.geometry(), ModelConfig::reference());
  std::vector<float> sa(256 * 256), sb(256 * 256);
  a.toModel(lps, 1, sa.data());
  b.toModel(ras, 1, sb.data());
  EXPECT_EQ(sa, sb);
}

TEST(AxialSlicer, AxialAxisIsTheOneClosestToSuperior) {
  ImageGeometry g;
  g.size = {10, 12, 14};
  g.direction = {1, 0, 0, 0, 0, 1, 0, 1, 0}; // j axis points S, k axis points P (a coronal stack)
  const AxialSlicer slicer(g, ModelConfig::compact());
  EXPECT_EQ(slicer.axialAxis(), 1);
  EXPECT_EQ(slicer.sliceCount(), 12u);
}

TEST(AxialSlicer, ResampledConstantSlice_StaysConstantInside) {
  // Compact grid: 1.875 mm pixels over 240 mm; a 1 mm 181 x 217 slice of value 1 is shrunk with a triangle
  // filter: interior pixels stay exactly 1 (weights are normalised), outside the image 0.
  ImageGeometry g;
  g.size = {181, 217, 1};
  ImageF v(g, 1.0f);
  const AxialSlicer slicer(g, ModelConfig::compact());
  EXPECT_FALSE(slicer.isExactPadCrop());
  std::vector<float> slice(128 * 128);
  slicer.toModel(v, 0, slice.data());
  EXPECT_NEAR(slice[64 * 128 + 64], 1.0f, 1e-6);
  EXPECT_EQ(slice[0], 0.0f);
  ImageF back(g, 0.0f);
  slicer.fromModel(slice.data(), 0, back);
  EXPECT_NEAR(back.at(90, 108, 0), 1.0f, 1e-6);
}

TEST(AxialSlicer, EmptySlice_IsDetected) {
  ImageGeometry g;
  g.size = {8, 8, 3};
  ImageF v(g, 0.0f);
  v.at(3, 4, 1) = 0.5f;
  const AxialSlicer slicer(g, ModelConfig::compact());
  EXPECT_TRUE(slicer.sliceIsEmpty(v, 0));
  EXPECT_FALSE(slicer.sliceIsEmpty(v, 1));
  EXPECT_TRUE(slicer.sliceIsEmpty(v, 2));
}

TEST(TrainingSet, AddVolume_SkipsEmptySlicesAndSplitsByVolume) {
  ImageGeometry g;
  g.size = {16, 16, 5};
  ImageF v(g, 0.0f);
  for (std::size_t k = 1; k < 4; ++k)
    v.at(8, 8, k) = 1.0f;
  TrainingSet set(ModelConfig::compact());
  EXPECT_EQ(set.addVolume(v, "a"), 3u);
  EXPECT_EQ(set.addVolume(v, "b"), 3u);
  EXPECT_EQ(set.sliceCount(), 6u);
  EXPECT_EQ(set.volumeCount(), 2u);
  const auto split = set.split(0.5);
  EXPECT_TRUE(split.byVolume);
  EXPECT_EQ(split.training, (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_EQ(split.validation, (std::vector<std::size_t>{3, 4, 5}));
  const auto none = set.split(0.0);
  EXPECT_EQ(none.training.size(), 6u);
  EXPECT_TRUE(none.validation.empty());
}

TEST(TrainingSet, OneVolume_SplitsEveryNthSlice) {
  TrainingSet set(ModelConfig::compact());
  std::vector<float> s(128 * 128, 0.5f);
  for (int i = 0; i < 20; ++i)
    set.addSlice(s.data(), "only");
  const auto split = set.split(0.1);
  EXPECT_FALSE(split.byVolume);
  EXPECT_EQ(split.validation, (std::vector<std::size_t>{5, 15}));
  EXPECT_EQ(split.training.size(), 18u);
}

TEST(TrainingSet, ToModelInput_ScalesLabelsKeepsUnitRangeRefusesNaN) {
  ImageGeometry g;
  g.size = {4, 1, 1};
  ImageF labels(g, std::vector<float>{0, 1, 2, 3});
  const auto scaled = toModelInput(labels);
  EXPECT_EQ(scaled[1], 1.0f / 3.0f);
  EXPECT_EQ(scaled[3], 1.0f);
  ImageF unit(g, std::vector<float>{0, 0.25f, 0.5f, 1});
  EXPECT_EQ(toModelInput(unit)[1], 0.25f);
  ImageF intensities(g, std::vector<float>{10, 20, 30, 50});
  EXPECT_FLOAT_EQ(toModelInput(intensities)[1], 0.25f);
  ImageF bad(g, std::vector<float>{0, NAN, 1, 1});
  try {
    toModelInput(bad);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidInput);
  }
}
