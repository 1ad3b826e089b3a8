// NIfTI reading on tiny hand-written files: every header field under the test's control, exact expected values.
#include "ImageReaderTestSupport.h"

#include "strega/io/ImageReader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <numeric>

using namespace strega;
using namespace strega::io;
using namespace strega::testing;

namespace {

std::vector<unsigned char> ramp(std::size_t n) {
  std::vector<unsigned char> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

} // namespace

TEST(NiftiRead, ReadImage_Uint8NoOrientation_ExactVoxelsAndMethod1Geometry) {
  ScratchDir dir;
  Nifti1Spec spec;
  spec.pixdim = {1, 1.5f, 2, 3, 1, 1, 1, 1};
  spec.descrip = "tiny ramp";
  writeNifti1(dir / "ramp.nii", spec, ramp(24));

  const LoadedImage loaded = readImage(dir / "ramp.nii");
  const ImageGeometry& g = loaded.image.geometry();
  EXPECT_EQ(g.size, (Size3{2, 3, 4}));
  EXPECT_EQ(g.spacingMm, (Vec3{1.5, 2.0, 3.0}));
  EXPECT_EQ(g.originMm, (Vec3{0.0, 0.0, 0.0}));
  // No qform/sform: nothing is known; like ITK we take identity LPS axes, and say so.
  EXPECT_EQ(g.direction, identityMatrix());
  for (std::size_t n = 0; n < 24; ++n)
    EXPECT_EQ(loaded.image[n], float(n)) << n;
  EXPECT_EQ(loaded.image.at(1, 2, 3), 23.0f);
  EXPECT_EQ(loaded.info.format, "NIfTI");
  EXPECT_EQ(loaded.info.storedPixelType, PixelType::UInt8);
  EXPECT_EQ(loaded.info.description, "tiny ramp");
  EXPECT_EQ(loaded.info.timepoints, 1u);
  ASSERT_EQ(loaded.info.warnings.size(), 1u);
  EXPECT_NE(loaded.info.warnings[0].find("no orientation"), std::string::npos);
}

TEST(NiftiRead, ReadImage_SlopeTwoInterceptTen_ValuesScaled) {
  ScratchDir dir;
  Nifti1Spec spec;
  spec.datatype = 4; // int16
  spec.bitpix = 16;
  spec.sclSlope = 2.0f;
  spec.sclInter = 10.0f;
  std::vector<std::int16_t> stored(24);
  std::iota(stored.begin(), stored.end(), -5);
  writeNifti1(dir / "scaled.nii", spec, bytesOf(stored));

  const LoadedImage loaded = readImage(dir / "scaled.nii");
  for (std::size_t n = 0; n < 24; ++n)
    EXPECT_EQ(loaded.image[n], float(stored[n]) * 2.0f + 10.0f) << n;
  // The values are no longer int16 after scaling: "keep type" writers must store float.
  EXPECT_EQ(loaded.info.storedPixelType, PixelType::Float32);
}

TEST(NiftiRead, ReadImage_SlopeZero_MeansNoScaling) {
  ScratchDir dir;
  Nifti1Spec spec; // scl_slope 0 is "not set" in the standard
  spec.sclInter = 100.0f;
  writeNifti1(dir / "noscale.nii", spec, ramp(24));
  const LoadedImage loaded = readImage(dir / "noscale.nii");
  EXPECT_EQ(loaded.image[5], 5.0f);
  EXPECT_EQ(loaded.info.storedPixelType, PixelType::UInt8);
}

namespace {

struct TypeCase {
  std::int16_t datatype, bitpix;
  PixelType expected;
};

template <class T> std::vector<unsigned char> valuesOfType() {
  std::vector<T> v(24);
  for (std::size_t n = 0; n < 24; ++n)
    v[n] = static_cast<T>(std::numeric_limits<T>::is_signed ? double(n) - 12.0 : double(n) * 3.0);
  if constexpr (!std::is_floating_point_v<T>)
    v[23] = std::numeric_limits<T>::max() > 1000000 ? T(1000000) : std::numeric_limits<T>::max();
  return bytesOf(v);
}

} // namespace

TEST(NiftiRead, ReadImage_EveryStoredType_ExactValuesAndType) {
  ScratchDir dir;
  const std::vector<std::pair<TypeCase, std::vector<unsigned char>>> cases = {
    {{2, 8, PixelType::UInt8}, valuesOfType<std::uint8_t>()},
    {{256, 8, PixelType::Int8}, valuesOfType<std::int8_t>()},
    {{4, 16, PixelType::Int16}, valuesOfType<std::int16_t>()},
    {{512, 16, PixelType::UInt16}, valuesOfType<std::uint16_t>()},
    {{8, 32, PixelType::Int32}, valuesOfType<std::int32_t>()},
    {{768, 32, PixelType::UInt32}, valuesOfType<std::uint32_t>()},
    {{1024, 64, PixelType::Int64}, valuesOfType<std::int64_t>()},
    {{1280, 64, PixelType::UInt64}, valuesOfType<std::uint64_t>()},
    {{16, 32, PixelType::Float32}, valuesOfType<float>()},
    {{64, 64, PixelType::Float64}, valuesOfType<double>()},
  };
  for (const auto& [type, bytes] : cases) {
    SCOPED_TRACE(toString(type.expected));
    Nifti1Spec spec;
    spec.datatype = type.datatype;
    spec.bitpix = type.bitpix;
    const auto file = dir / (std::string(toString(type.expected)) + ".nii");
    writeNifti1(file, spec, bytes);
    const LoadedImage loaded = readImage(file);
    EXPECT_EQ(loaded.info.storedPixelType, type.expected);
    const bool isSigned = type.expected == PixelType::Int8 || type.expected == PixelType::Int16 ||
                          type.expected == PixelType::Int32 || type.expected == PixelType::Int64 ||
                          type.expected == PixelType::Float32 || type.expected == PixelType::Float64;
    for (std::size_t n = 0; n < 23; ++n)
      EXPECT_EQ(loaded.image[n], isSigned ? float(n) - 12.0f : float(n) * 3.0f) << n;
  }
}

TEST(NiftiRead, ReadImage_SformOnly_ConvertedFromRasToLps) {
  ScratchDir dir;
  Nifti1Spec spec;
  spec.sformCode = 2; // aligned anatomical
  spec.srow = {{{-2, 0, 0, 10}, {0, 3, 0, -20}, {0, 0, 4, 30}}};
  writeNifti1(dir / "sform.nii", spec, ramp(24));
  const ImageGeometry g = readImage(dir / "sform.nii").image.geometry();
  EXPECT_EQ(g.spacingMm, (Vec3{2, 3, 4}));
  EXPECT_EQ(g.originMm, (Vec3{-10, 20, 30}));
  EXPECT_EQ(g.direction, (Mat3{1, 0, 0, 0, -1, 0, 0, 0, 1}));
  // Voxel (1,2,3): RAS = (-2+10, 6-20, 12+30) = (8,-14,42) -> LPS (-8, 14, 42).
  EXPECT_EQ(g.indexToPhysical({1, 2, 3}), (Vec3{-8, 14, 42}));
}

TEST(NiftiRead, ReadImage_Qform90DegreesAboutZ_RotatedDirection) {
  ScratchDir dir;
  Nifti1Spec spec;
  spec.qformCode = 1;
  // Quaternion (a,b,c,d) = (cos 45°, 0, 0, sin 45°): i -> +y (anterior), j -> -x (right) in RAS.
  spec.quatern = {0, 0, float(std::sqrt(0.5))};
  spec.qoffset = {5, 6, 7};
  spec.pixdim = {1, 2, 2, 2, 1, 1, 1, 1};
  writeNifti1(dir / "qform.nii", spec, ramp(24));
  const ImageGeometry g = readImage(dir / "qform.nii").image.geometry();
  const Mat3 expected{0, 1, 0, -1, 0, 0, 0, 0, 1}; // RAS columns (0,1,0),(-1,0,0),(0,0,1) with x,y negated
  for (int n = 0; n < 9; ++n)
    EXPECT_NEAR(g.direction[n], expected[n], 1e-6) << n;
  EXPECT_NEAR(g.originMm[0], -5, 1e-6);
  EXPECT_NEAR(g.originMm[1], -6, 1e-6);
  EXPECT_NEAR(g.originMm[2], 7, 1e-6);
  for (int a = 0; a < 3; ++a)
    EXPECT_NEAR(g.spacingMm[a], 2.0, 1e-6);
}

TEST(NiftiRead, Scan_NiftiFile_HeaderOnlyInfo) {
  ScratchDir dir;
  Nifti1Spec spec;
  spec.dim = {4, 2, 3, 4, 5, 1, 1, 1};
  spec.descrip = "fmri";
  writeNifti1(dir / "4d.nii", spec, ramp(120));
  const auto infos = scan(dir / "4d.nii");
  ASSERT_EQ(infos.size(), 1u);
  EXPECT_EQ(infos[0].geometry.size, (Size3{2, 3, 4}));
  EXPECT_EQ(infos[0].timepoints, 5u);
  EXPECT_EQ(infos[0].description, "fmri");
  EXPECT_EQ(infos[0].path, (dir / "4d.nii").string());
}

// ---- 4D / 5D --------------------------------------------------------------------------------------------------

TEST(NiftiRead, ReadImage_4dWithoutFrame_RefusedUnsupported) {
  ScratchDir dir;
  Nifti1Spec spec;
  spec.dim = {4, 2, 3, 4, 3, 1, 1, 1};
  writeNifti1(dir / "4d.nii", spec, ramp(72));
  expectError([&] { readImage(dir / "4d.nii"); }, ErrorKind::Unsupported, "--frame");
}

TEST(NiftiRead, ReadImage_4dFrameOne_LoadsSecondVolume) {
  ScratchDir dir;
  Nifti1Spec spec;
  spec.dim = {4, 2, 3, 4, 3, 1, 1, 1};
  writeNifti1(dir / "4d.nii", spec, ramp(72));
  gzipFile(dir / "4d.nii", dir / "4d.nii.gz");
  for (const char* name : {"4d.nii", "4d.nii.gz"}) {
    SCOPED_TRACE(name);
    ReadOptions options;
    options.frame = 1;
    const LoadedImage loaded = readImage(dir / name, options);
    EXPECT_EQ(loaded.image.size(), (Size3{2, 3, 4}));
    for (std::size_t n = 0; n < 24; ++n)
      EXPECT_EQ(loaded.image[n], float(24 + n)) << n;
    EXPECT_EQ(loaded.info.timepoints, 3u);
    EXPECT_TRUE(hasWarning(loaded.info.warnings, "frame 1 of 3"));
  }
}

TEST(NiftiRead, ReadImage_4dFrameOutOfRange_RefusedInvalidArgument) {
  ScratchDir dir;
  Nifti1Spec spec;
  spec.dim = {4, 2, 3, 4, 3, 1, 1, 1};
  writeNifti1(dir / "4d.nii", spec, ramp(72));
  ReadOptions options;
  options.frame = 3;
  expectError([&] { readImage(dir / "4d.nii", options); }, ErrorKind::InvalidArgument, "out of range");
}

TEST(NiftiRead, ReadImage_3dWithFrameZero_Loads) {
  ScratchDir dir;
  writeNifti1(dir / "3d.nii", Nifti1Spec{}, ramp(24));
  ReadOptions options;
  options.frame = 0;
  EXPECT_EQ(readImage(dir / "3d.nii", options).image[7], 7.0f);
  options.frame = 1;
  expectError([&] { readImage(dir / "3d.nii", options); }, ErrorKind::InvalidArgument, "frame 1");
}

TEST(NiftiRead, ReadImage_5d_FramesCountedTimeFastest) {
  ScratchDir dir;
  Nifti1Spec spec;
  spec.dim = {5, 2, 3, 4, 2, 3, 1, 1}; // 2 timepoints x 3 (dim5) = 6 volumes of 24 voxels
  writeNifti1(dir / "5d.nii", spec, ramp(144));
  expectError([&] { readImage(dir / "5d.nii"); }, ErrorKind::Unsupported, "6 volumes");
  ReadOptions options;
  options.frame = 5;
  const LoadedImage loaded = readImage(dir / "5d.nii", options);
  for (std::size_t n = 0; n < 24; ++n)
    EXPECT_EQ(loaded.image[n], float(120 + n)) << n;
  EXPECT_EQ(loaded.info.timepoints, 6u);
  options.frame = 6;
  expectError([&] { readImage(dir / "5d.nii", options); }, ErrorKind::InvalidArgument, "out of range");
}

// ---- bad input ------------------------------------------------------------------------------------------------

TEST(NiftiRead, ReadImage_ZeroDimension_RefusedInvalidInput) {
  ScratchDir dir;
  Nifti1Spec spec;
  spec.dim = {3, 2, 0, 4, 1, 1, 1, 1};
  writeNifti1(dir / "zero.nii", spec, ramp(24));
  expectError([&] { readImage(dir / "zero.nii"); }, ErrorKind::InvalidInput, "zero");
  expectError([&] { scan(dir / "zero.nii"); }, ErrorKind::InvalidInput, "zero");
}

TEST(NiftiRead, ReadImage_NanSpacing_RefusedInvalidInput) {
  ScratchDir dir;
  Nifti1Spec spec;
  spec.pixdim[2] = std::numeric_limits<float>::quiet_NaN();
  writeNifti1(dir / "nan.nii", spec, ramp(24));
  expectError([&] { readImage(dir / "nan.nii"); }, ErrorKind::InvalidInput, "spacing");
}

TEST(NiftiRead, ReadImage_InfiniteSform_RefusedInvalidInput) {
  ScratchDir dir;
  Nifti1Spec spec;
  spec.sformCode = 1;
  spec.srow = {{{1, 0, 0, std::numeric_limits<float>::infinity()}, {0, 1, 0, 0}, {0, 0, 1, 0}}};
  writeNifti1(dir / "inf.nii", spec, ramp(24));
  expectError([&] { readImage(dir / "inf.nii"); }, ErrorKind::InvalidInput, "not finite");
}

TEST(NiftiRead, ReadImage_SingularSform_RefusedInvalidInput) {
  ScratchDir dir;
  Nifti1Spec spec;
  spec.sformCode = 1; // two identical axes: no orientation can be derived
  spec.srow = {{{1, 1, 0, 0}, {0, 0, 0, 0}, {0, 0, 1, 0}}};
  writeNifti1(dir / "singular.nii", spec, ramp(24));
  expectError([&] { readImage(dir / "singular.nii"); }, ErrorKind::InvalidInput, "singular");
  expectError([&] { scan(dir / "singular.nii"); }, ErrorKind::InvalidInput, "singular.nii");
}

TEST(NiftiRead, ReadImage_HeaderClaimsMoreData_RefusedTruncated) {
  ScratchDir dir;
  writeNifti1(dir / "short.nii", Nifti1Spec{}, ramp(10)); // 24 voxels promised
  const std::string message = expectError([&] { readImage(dir / "short.nii"); }, ErrorKind::InvalidInput, "truncated");
  EXPECT_NE(message.find("short.nii"), std::string::npos);
  expectError([&] { scan(dir / "short.nii"); }, ErrorKind::InvalidInput, "truncated");
}

TEST(NiftiRead, ReadImage_HeaderClaimsTerabytesUncompressed_RefusedTruncated) {
  ScratchDir dir;
  Nifti1Spec spec;
  spec.dim = {3, 30000, 30000, 30000, 1, 1, 1, 1};
  spec.datatype = 16;
  spec.bitpix = 32;
  writeNifti1(dir / "huge.nii", spec, ramp(100));
  expectError([&] { readImage(dir / "huge.nii"); }, ErrorKind::InvalidInput, "truncated");
}

TEST(NiftiRead, ReadImage_HeaderClaimsTerabytesGzipped_RefusedBeforeAllocating) {
  ScratchDir dir;
  Nifti1Spec spec;
  spec.dim = {3, 30000, 30000, 30000, 1, 1, 1, 1};
  spec.datatype = 16;
  spec.bitpix = 32;
  writeNifti1(dir / "huge.nii", spec, ramp(100));
  gzipFile(dir / "huge.nii", dir / "huge.nii.gz");
  const std::string message = expectError([&] { readImage(dir / "huge.nii.gz"); }, ErrorKind::Unsupported, "too large");
  EXPECT_NE(message.find("TiB"), std::string::npos) << message; // the figure is in the message
  // The header alone is fine to list.
  EXPECT_EQ(scan(dir / "huge.nii.gz").at(0).geometry.size, (Size3{30000, 30000, 30000}));
}

TEST(NiftiRead, ReadImage_GzipTruncatedData_RefusedTruncated) {
  ScratchDir dir;
  writeNifti1(dir / "short.nii", Nifti1Spec{}, ramp(10));
  gzipFile(dir / "short.nii", dir / "short.nii.gz");
  expectError([&] { readImage(dir / "short.nii.gz"); }, ErrorKind::InvalidInput, "truncated");
}

TEST(NiftiRead, ReadImage_TextFileNamedNii_RefusedNotNifti) {
  ScratchDir dir;
  {
    std::ofstream out(dir / "notes.nii");
    out << "These are not voxels, just some text that happens to be long enough to fill a header... ";
    for (int n = 0; n < 10; ++n)
      out << "more text to pass 348 bytes of a NIfTI-1 header. ";
  }
  expectError([&] { readImage(dir / "notes.nii"); }, ErrorKind::InvalidInput, "not a NIfTI file");
  expectError([&] { scan(dir / "notes.nii"); }, ErrorKind::InvalidInput, "not a NIfTI file");
}

TEST(NiftiRead, ReadImage_RandomBytesNamedNiiGz_RefusedInvalidInput) {
  ScratchDir dir;
  {
    std::ofstream out(dir / "noise.nii.gz", std::ios::binary);
    for (int n = 0; n < 5000; ++n)
      out.put(static_cast<char>((n * 7919) % 251));
  }
  expectError([&] { readImage(dir / "noise.nii.gz"); }, ErrorKind::InvalidInput, "noise.nii.gz");
}

TEST(NiftiRead, ReadImage_EmptyFile_RefusedEmpty) {
  ScratchDir dir;
  std::ofstream(dir / "empty.nii").close();
  expectError([&] { readImage(dir / "empty.nii"); }, ErrorKind::InvalidInput, "empty");
}

TEST(NiftiRead, ReadImage_ComplexDatatype_RefusedUnsupported) {
  ScratchDir dir;
  Nifti1Spec spec;
  spec.datatype = 32; // complex64
  spec.bitpix = 64;
  writeNifti1(dir / "complex.nii", spec, std::vector<unsigned char>(24 * 8));
  expectError([&] { readImage(dir / "complex.nii"); }, ErrorKind::Unsupported, "complex64");
}

TEST(NiftiRead, ReadImage_UnknownDatatype_RefusedInvalidInput) {
  ScratchDir dir;
  Nifti1Spec spec;
  spec.datatype = 3;
  writeNifti1(dir / "bad.nii", spec, ramp(24));
  expectError([&] { readImage(dir / "bad.nii"); }, ErrorKind::InvalidInput, "data type");
}

TEST(NiftiRead, ReadImage_VoxOffsetZero_DataRightAfterHeader) {
  ScratchDir dir; // SPM wrote vox_offset 0 in single files (Colin27's ch2.nii.gz); readers take it as 352
  Nifti1Spec spec;
  spec.voxOffset = 0;
  writeNifti1(dir / "spm.nii", spec, ramp(24));
  EXPECT_EQ(readImage(dir / "spm.nii").image[23], 23.0f);
}

TEST(NiftiRead, ReadImage_VoxOffsetBeyondHeader_DataReadThere) {
  ScratchDir dir;
  Nifti1Spec spec;
  spec.voxOffset = 368; // 16 bytes of (ignored) extension data in between
  std::vector<unsigned char> data(16, 0xEE);
  const auto values = ramp(24);
  data.insert(data.end(), values.begin(), values.end());
  writeNifti1(dir / "ext.nii", spec, data);
  const LoadedImage loaded = readImage(dir / "ext.nii");
  EXPECT_EQ(loaded.image[0], 0.0f);
  EXPECT_EQ(loaded.image[23], 23.0f);
}

TEST(NiftiRead, ReadImage_QformAndSformDisagree_SformUsedWithWarning) {
  ScratchDir dir;
  Nifti1Spec spec;
  spec.qformCode = 1; // identity rotation at (0,0,0)
  spec.sformCode = 2;
  spec.srow = {{{1, 0, 0, -90}, {0, 1, 0, -126}, {0, 0, 1, -72}}};
  writeNifti1(dir / "both.nii", spec, ramp(24));
  const LoadedImage loaded = readImage(dir / "both.nii");
  EXPECT_EQ(loaded.image.geometry().originMm, (Vec3{90, 126, -72}));
  EXPECT_EQ(loaded.info.metadata.at("orientation_source"), "sform");
  ASSERT_EQ(loaded.info.warnings.size(), 1u);
  EXPECT_NE(loaded.info.warnings[0].find("disagree"), std::string::npos);
}

TEST(NiftiRead, ReadImage_QformOnly_QformUsedWithoutWarning) {
  ScratchDir dir;
  Nifti1Spec spec;
  spec.qformCode = 1;
  spec.qoffset = {-90, -126, -72};
  spec.pixdim = {-1, 2, 2, 2, 1, 1, 1, 1}; // qfac -1: k runs inferior
  writeNifti1(dir / "q.nii", spec, ramp(24));
  const LoadedImage loaded = readImage(dir / "q.nii");
  const ImageGeometry& g = loaded.image.geometry();
  EXPECT_EQ(g.originMm, (Vec3{90, 126, -72}));
  EXPECT_EQ(g.direction, (Mat3{-1, 0, 0, 0, -1, 0, 0, 0, -1}));
  EXPECT_EQ(g.spacingMm, (Vec3{2, 2, 2}));
  EXPECT_TRUE(loaded.info.warnings.empty());
}

TEST(NiftiRead, ReadImage_BigEndianFile_SameValues) {
  ScratchDir dir;
  // Build a big-endian int16 file by swapping every multi-byte field of a little-endian one.
  Nifti1Spec spec;
  spec.datatype = 4;
  spec.bitpix = 16;
  spec.sclSlope = 1;
  writeNifti1(dir / "le.nii", spec,
              bytesOf(std::vector<std::int16_t>{-300, 1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                                12,   13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 1000}));
  std::ifstream in(dir / "le.nii", std::ios::binary);
  std::vector<char> b((std::istreambuf_iterator<char>(in)), {});
  auto swap = [&](std::size_t offset, std::size_t size, std::size_t count) {
    for (std::size_t n = 0; n < count; ++n)
      std::reverse(b.begin() + offset + n * size, b.begin() + offset + (n + 1) * size);
  };
  swap(0, 4, 1);    // sizeof_hdr
  swap(40, 2, 8);   // dim
  swap(70, 2, 2);   // datatype, bitpix
  swap(76, 4, 8);   // pixdim
  swap(108, 4, 3);  // vox_offset, scl_slope, scl_inter
  swap(352, 2, 24); // voxels
  std::ofstream(dir / "be.nii", std::ios::binary).write(b.data(), static_cast<std::streamsize>(b.size()));
  const LoadedImage loaded = readImage(dir / "be.nii");
  EXPECT_EQ(loaded.image[0], -300.0f);
  EXPECT_EQ(loaded.image[5], 5.0f);
  EXPECT_EQ(loaded.image[23], 1000.0f);
  EXPECT_EQ(loaded.info.storedPixelType, PixelType::Int16);
}
