// writeImage()/writeMask(): value conversion, formats, exact geometry, and atomic replacement.
#include "ImageReaderTestSupport.h"

#include "strega/io/ImageReader.h"
#include "strega/io/ImageWriter.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <limits>

using namespace strega;
using namespace strega::io;
using namespace strega::testing;

namespace {

ImageF lineImage(const std::vector<float>& values) {
  ImageGeometry g;
  g.size = {values.size(), 1, 1};
  return ImageF(g, values);
}

ImageGeometry obliqueGeometry() {
  ImageGeometry g;
  g.size = {4, 3, 2};
  g.spacingMm = {0.75, 1.5, 3.25};
  g.originMm = {-12.125, 40.5, 7.0};
  const double c = std::cos(0.5), s = std::sin(0.5);
  g.direction = {1, 0, 0, 0, c, -s, 0, s, c};
  return g;
}

ImageF rampImage(const ImageGeometry& g) {
  ImageF image(g);
  for (std::size_t n = 0; n < image.voxelCount(); ++n)
    image[n] = static_cast<float>(n) * 1.5f - 4.0f;
  return image;
}

std::vector<fs::path> filesIn(const fs::path& folder) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(folder))
    files.push_back(entry.path().filename());
  std::sort(files.begin(), files.end());
  return files;
}

} // namespace

TEST(ImageWriter, WriteImage_Uint8_RoundsHalfAwayAndClamps) {
  ScratchDir dir;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  writeImage(lineImage({-5.0f, 0.4f, 0.5f, 1.5f, 2.5f, 254.6f, 300.0f, nan}), dir / "u8.nii", PixelType::UInt8);
  const LoadedImage back = readImage(dir / "u8.nii");
  EXPECT_EQ(back.info.storedPixelType, PixelType::UInt8);
  const std::vector<float> expected{0, 0, 1, 2, 3, 255, 255, 0};
  for (std::size_t n = 0; n < expected.size(); ++n)
    EXPECT_EQ(back.image[n], expected[n]) << n;
}

TEST(ImageWriter, WriteImage_Int16_ClampsBothEnds) {
  ScratchDir dir;
  writeImage(lineImage({-40000.0f, -2.5f, -0.4f, 32767.4f, 40000.0f, 1e30f, -1e30f}), dir / "i16.nii.gz",
             PixelType::Int16);
  const LoadedImage back = readImage(dir / "i16.nii.gz");
  EXPECT_EQ(back.info.storedPixelType, PixelType::Int16);
  const std::vector<float> expected{-32768, -3, 0, 32767, 32767, 32767, -32768};
  for (std::size_t n = 0; n < expected.size(); ++n)
    EXPECT_EQ(back.image[n], expected[n]) << n;
}

TEST(ImageWriter, WriteImage_EveryStoredType_TypeAndValuesKept) {
  ScratchDir dir;
  const ImageF image = lineImage({0, 1, 2, 100, 127});
  for (const PixelType type :
       {PixelType::UInt8, PixelType::Int8, PixelType::UInt16, PixelType::Int16, PixelType::UInt32, PixelType::Int32,
        PixelType::UInt64, PixelType::Int64, PixelType::Float32, PixelType::Float64}) {
    SCOPED_TRACE(toString(type));
    const auto file = dir / (std::string(toString(type)) + ".nii.gz");
    writeImage(image, file, type);
    const LoadedImage back = readImage(file);
    EXPECT_EQ(back.info.storedPixelType, type);
    EXPECT_TRUE(std::equal(image.voxels().begin(), image.voxels().end(), back.image.voxels().begin()));
  }
}

TEST(ImageWriter, WriteImage_UnknownType_StoresFloat32) {
  ScratchDir dir;
  writeImage(lineImage({0.25f, -1.5f}), dir / "f.nii", PixelType::Unknown);
  const LoadedImage back = readImage(dir / "f.nii");
  EXPECT_EQ(back.info.storedPixelType, PixelType::Float32);
  EXPECT_EQ(back.image[0], 0.25f);
  EXPECT_EQ(back.image[1], -1.5f);
}

TEST(ImageWriter, WriteMask_Labels_Uint8RoundTrip) {
  ScratchDir dir;
  Mask mask(obliqueGeometry(), 0);
  mask.at(1, 2, 1) = 1;
  mask.at(3, 0, 0) = 7;
  writeMask(mask, dir / "mask.nii.gz");
  const LoadedImage back = readImage(dir / "mask.nii.gz");
  EXPECT_EQ(back.info.storedPixelType, PixelType::UInt8);
  EXPECT_EQ(back.image.at(1, 2, 1), 1.0f);
  EXPECT_EQ(back.image.at(3, 0, 0), 7.0f);
  EXPECT_EQ(back.image.at(0, 0, 0), 0.0f);
  EXPECT_TRUE(back.image.geometry().sameGrid(mask.geometry(), 1e-5));
}

TEST(ImageWriter, WriteImage_Nifti_SformAndQformBothSetToTheGrid) {
  ScratchDir dir;
  ImageGeometry g;
  g.size = {2, 2, 2};
  g.spacingMm = {2, 3, 4};
  g.originMm = {10, -20, 30};
  g.direction = {1, 0, 0, 0, 1, 0, 0, 0, 1}; // LPS identity = RAS diag(-1,-1,1)
  writeImage(ImageF(g, 0.0f), dir / "h.nii", PixelType::UInt8);
  // Tiny header parse: qform_code/sform_code at 252/254, srow_x/y/z at 280.
  std::ifstream in(dir / "h.nii", std::ios::binary);
  char h[348];
  in.read(h, sizeof h);
  std::int16_t qformCode, sformCode;
  std::memcpy(&qformCode, h + 252, 2);
  std::memcpy(&sformCode, h + 254, 2);
  EXPECT_GT(qformCode, 0);
  EXPECT_GT(sformCode, 0);
  float srow[12];
  std::memcpy(srow, h + 280, sizeof srow);
  const float expected[12] = {-2, 0, 0, -10, 0, -3, 0, 20, 0, 0, 4, 30};
  for (int n = 0; n < 12; ++n)
    EXPECT_EQ(srow[n], expected[n]) << n;
}

TEST(ImageWriter, WriteImage_NrrdOblique_ExactRoundTrip) {
  ScratchDir dir;
  const ImageF image = rampImage(obliqueGeometry());
  writeImage(image, dir / "a.nrrd", PixelType::Float32);
  const LoadedImage back = readImage(dir / "a.nrrd");
  EXPECT_EQ(back.info.format, "NRRD");
  EXPECT_EQ(back.info.storedPixelType, PixelType::Float32);
  EXPECT_TRUE(back.image.geometry().sameGrid(image.geometry(), 1e-9));
  EXPECT_TRUE(std::equal(image.voxels().begin(), image.voxels().end(), back.image.voxels().begin()));
  writeImage(image, dir / "b.nrrd", PixelType::Int16);
  const LoadedImage ints = readImage(dir / "b.nrrd");
  EXPECT_EQ(ints.info.storedPixelType, PixelType::Int16);
  EXPECT_EQ(ints.image[3], std::round(image[3]));
}

TEST(ImageWriter, WriteImage_MetaImageOblique_ExactRoundTrip) {
  ScratchDir dir;
  const ImageF image = rampImage(obliqueGeometry());
  writeImage(image, dir / "a.mha", PixelType::Float64);
  const LoadedImage back = readImage(dir / "a.mha");
  EXPECT_EQ(back.info.format, "MetaImage");
  EXPECT_EQ(back.info.storedPixelType, PixelType::Float64);
  EXPECT_TRUE(back.image.geometry().sameGrid(image.geometry(), 1e-9));
  EXPECT_TRUE(std::equal(image.voxels().begin(), image.voxels().end(), back.image.voxels().begin()));
  const auto infos = scan(dir / "a.mha");
  ASSERT_EQ(infos.size(), 1u);
  EXPECT_EQ(infos[0].geometry.size, (Size3{4, 3, 2}));
}

TEST(ImageWriter, WriteImage_UnknownExtension_RefusedInvalidArgument) {
  ScratchDir dir;
  expectError([&] { writeImage(lineImage({1}), dir / "out.png"); }, ErrorKind::InvalidArgument, ".nii.gz");
  EXPECT_TRUE(filesIn(dir.path()).empty());
}

TEST(ImageWriter, WriteImage_TwoFileFormat_RefusedUnsupported) {
  ScratchDir dir;
  for (const char* name : {"out.hdr", "out.img", "out.nhdr", "out.mhd"})
    expectError([&] { writeImage(lineImage({1}), dir / name); }, ErrorKind::Unsupported, "atomically");
  EXPECT_TRUE(filesIn(dir.path()).empty());
}

TEST(ImageWriter, WriteImage_EmptyImage_RefusedInvalidArgument) {
  ScratchDir dir;
  expectError([&] { writeImage(ImageF(), dir / "out.nii.gz"); }, ErrorKind::InvalidArgument, "empty");
  EXPECT_TRUE(filesIn(dir.path()).empty());
}

TEST(ImageWriter, WriteImage_MissingFolder_IoErrorAndNoFile) {
  ScratchDir dir;
  const auto target = dir / "no" / "such" / "folder" / "out.nii.gz";
  expectError([&] { writeImage(lineImage({1}), target); }, ErrorKind::Io, "does not exist");
  EXPECT_FALSE(fs::exists(dir / "no"));
}

TEST(ImageWriter, WriteImage_FolderRefusingFiles_IoErrorAndNoFile) {
  // /proc refuses new files even to root, unlike a chmod'ed folder.
  expectError([&] { writeImage(lineImage({1}), "/proc/strega-test-out.nii.gz"); }, ErrorKind::Io, "cannot write");
  EXPECT_FALSE(fs::exists("/proc/strega-test-out.nii.gz"));
}

TEST(ImageWriter, WriteImage_ReadOnlyFolder_IoErrorAndNoFile) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores folder permissions";
  ScratchDir dir;
  fs::create_directory(dir / "ro");
  fs::permissions(dir / "ro", fs::perms::owner_read | fs::perms::owner_exec);
  expectError([&] { writeImage(lineImage({1}), dir / "ro" / "out.nii.gz"); }, ErrorKind::Io, "out.nii.gz");
  fs::permissions(dir / "ro", fs::perms::owner_all);
  EXPECT_TRUE(filesIn(dir / "ro").empty());
}

TEST(ImageWriter, WriteImage_ExistingFile_ReplacedOnSuccessKeptOnFailure) {
  ScratchDir dir;
  const auto target = dir / "out.nii.gz";
  writeImage(lineImage({1, 2, 3}), target);
  writeImage(lineImage({7, 8}), target);
  EXPECT_EQ(readImage(target).image.size(), (Size3{2, 1, 1}));
  EXPECT_EQ(readImage(target).image[0], 7.0f);
  // A failing write (a grid NIfTI-1 cannot hold) leaves the previous file as it was, and no temporary file.
  ImageGeometry tooWide;
  tooWide.size = {40000, 1, 1};
  EXPECT_THROW(writeImage(ImageF(tooWide, 0.0f), target), Error);
  EXPECT_EQ(readImage(target).image[1], 8.0f);
  EXPECT_EQ(filesIn(dir.path()), std::vector<fs::path>{"out.nii.gz"});
}

TEST(ImageWriter, WriteImage_NoTemporaryFileLeftAfterSuccess) {
  ScratchDir dir;
  writeImage(rampImage(obliqueGeometry()), dir / "x.nii.gz");
  writeImage(rampImage(obliqueGeometry()), dir / "x.nrrd");
  writeImage(rampImage(obliqueGeometry()), dir / "x.mha");
  EXPECT_EQ(filesIn(dir.path()), (std::vector<fs::path>{"x.mha", "x.nii.gz", "x.nrrd"}));
}

TEST(ImageWriter, WriteImage_InvalidGeometry_RefusedBeforeWriting) {
  ScratchDir dir;
  ImageF image = lineImage({1, 2});
  ImageGeometry g = image.geometry();
  g.spacingMm[0] = std::numeric_limits<double>::quiet_NaN();
  image.setGeometry(g);
  expectError([&] { writeImage(image, dir / "bad.nii.gz"); }, ErrorKind::InvalidInput, "spacing");
  EXPECT_TRUE(filesIn(dir.path()).empty());
}
