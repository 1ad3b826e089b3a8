// Unit tests of the DICOM reader on tiny synthetic series written with DCMTK into temporary folders.
#include "DicomReader.h"
#include "DicomSeries.h"
#include "DicomSyntheticWriter.h"
#include "DicomTestSupport.h"

#include "strega/core/Error.h"
#include "strega/core/ProgressSink.h"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <unistd.h>

namespace strega::io {
namespace {

namespace fs = std::filesystem;
using test::SyntheticSlice;
using test::TempDir;

/// Writes an axial stack: slice n at z = positions[n] holds the value fills[n] (default: 10 * n).
void writeStack(const fs::path& folder, const std::vector<double>& positions, SyntheticSlice base = {},
                std::vector<std::uint16_t> fills = {}) {
  fs::create_directories(folder);
  for (std::size_t n = 0; n < positions.size(); ++n) {
    SyntheticSlice slice = base;
    slice.position = Vec3{0.0, 0.0, positions[n]};
    slice.instanceNumber = static_cast<int>(n + 1);
    slice.fill = fills.empty() ? static_cast<std::uint16_t>(10 * n) : fills[n];
    test::writeSlice(slice, folder / ("slice" + std::to_string(n) + ".dcm"));
  }
}

ErrorKind kindOfError(const std::function<void()>& action, std::string* message = nullptr) {
  try {
    action();
  } catch (const Error& error) {
    if (message != nullptr) *message = error.userMessage();
    return error.kind();
  }
  ADD_FAILURE() << "no strega::Error thrown";
  return ErrorKind::Internal;
}

TEST(DicomReader, LooksLikeDicomFile_MissingFile_False) {
  EXPECT_FALSE(dicom::looksLikeDicomFile("/nonexistent/file.dcm"));
}

TEST(DicomReader, LooksLikeDicomFile_TextAndDicom_TellsThemApart) {
  TempDir dir;
  std::ofstream(dir.path() / "notes.txt") << "not a DICOM file, just text that is long enough to have 132 bytes ..."
                                             "..................................................................";
  test::writeSlice({}, dir.path() / "image.dcm");
  EXPECT_FALSE(dicom::looksLikeDicomFile(dir.path() / "notes.txt"));
  EXPECT_TRUE(dicom::looksLikeDicomFile(dir.path() / "image.dcm"));
}

TEST(DicomReader, Read_InstanceNumbersAndNamesReversed_SortsByPosition) {
  TempDir dir;
  // File names and InstanceNumbers run against the positions: z = 8, 6, 4, 2, 0 for files a..e, numbers 1..5.
  const char* names[] = {"a.dcm", "b.dcm", "c.dcm", "d.dcm", "e.dcm"};
  for (int n = 0; n < 5; ++n) {
    SyntheticSlice slice;
    slice.position = Vec3{-5.0, 3.0, 8.0 - 2.0 * n};
    slice.instanceNumber = n + 1;
    slice.fill = static_cast<std::uint16_t>(100 + (4 - n)); // value = 100 + index along +z
    test::writeSlice(slice, dir.path() / names[n]);
  }
  const LoadedImage loaded = dicom::read(dir.path(), {}, nullptr);
  const ImageGeometry& g = loaded.image.geometry();
  ASSERT_EQ(g.size, (Size3{3, 4, 5}));
  for (std::size_t k = 0; k < 5; ++k)
    EXPECT_EQ(loaded.image.at(1, 2, k), 100.0f + static_cast<float>(k)) << k;
  EXPECT_EQ(g.originMm, (Vec3{-5.0, 3.0, 0.0}));
  EXPECT_DOUBLE_EQ(g.spacingMm[2], 2.0);
  EXPECT_EQ(g.direction, identityMatrix());
  EXPECT_TRUE(loaded.info.warnings.empty());
  EXPECT_EQ(loaded.info.fileCount, 5u);
}

TEST(DicomReader, Read_NormalPointingDown_SortsAlongNormalAndOriginAtFirstSlice) {
  TempDir dir;
  // Row cosine +x, column cosine -y: the normal (row x column) points to -z (inferior).
  SyntheticSlice base;
  base.orientation = std::array<double, 6>{1, 0, 0, 0, -1, 0};
  writeStack(dir.path(), {0.0, 3.0, 6.0}, base, {1, 2, 3});
  const LoadedImage loaded = dicom::read(dir.path(), {}, nullptr);
  const ImageGeometry& g = loaded.image.geometry();
  EXPECT_EQ(g.originMm, (Vec3{0.0, 0.0, 6.0}));
  EXPECT_EQ(column(g.direction, 2), (Vec3{0.0, 0.0, -1.0}));
  EXPECT_EQ(column(g.direction, 1), (Vec3{0.0, -1.0, 0.0}));
  EXPECT_EQ(loaded.image.at(0, 0, 0), 3.0f);
  EXPECT_EQ(loaded.image.at(0, 0, 2), 1.0f);
  EXPECT_GT(determinant(g.direction), 0.0);
}

TEST(DicomReader, Read_AnisotropicPixelSpacing_RowSpacingOnJAxis) {
  TempDir dir;
  SyntheticSlice base;
  base.rows = 4;
  base.columns = 3;
  base.pixelSpacing = {2.0, 0.5};                             // 2 mm between rows (j), 0.5 mm between columns (i)
  base.words = {0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32}; // value = 10 * row + column
  writeStack(dir.path(), {0.0, 1.5}, base);
  const LoadedImage loaded = dicom::read(dir.path(), {}, nullptr);
  const ImageGeometry& g = loaded.image.geometry();
  EXPECT_EQ(g.size, (Size3{3, 4, 2}));
  EXPECT_EQ(g.spacingMm, (Vec3{0.5, 2.0, 1.5}));
  EXPECT_EQ(loaded.image.at(2, 3, 1), 32.0f); // i = column 2, j = row 3
  EXPECT_EQ(g.indexToPhysical({2, 3, 1}), (Vec3{1.0, 6.0, 1.5}));
}

TEST(DicomReader, ScanFolder_LocalizerMixedIntoSeries_SplitOff) {
  TempDir dir;
  writeStack(dir.path(), {0, 1, 2, 3, 4, 5});
  SyntheticSlice localizer;
  localizer.orientation = std::array<double, 6>{0, 1, 0, 0, 0, -1}; // sagittal
  localizer.rows = 6;
  localizer.columns = 5;
  localizer.fill = 7;
  test::writeSlice(localizer, dir.path() / "localizer.dcm");

  const std::vector<ImageInfo> infos = dicom::scanFolder(dir.path(), nullptr);
  ASSERT_EQ(infos.size(), 2u);
  EXPECT_EQ(infos[0].seriesUid, SyntheticSlice{}.seriesUid);
  EXPECT_EQ(infos[0].fileCount, 6u);
  EXPECT_EQ(infos[0].geometry.size, (Size3{3, 4, 6}));
  EXPECT_EQ(infos[1].seriesUid, SyntheticSlice{}.seriesUid + "#2");
  EXPECT_EQ(infos[1].fileCount, 1u);
  EXPECT_EQ(infos[1].geometry.size, (Size3{5, 6, 1}));
  ASSERT_FALSE(infos[0].warnings.empty());
  EXPECT_NE(infos[0].warnings[0].find("2 stacks"), std::string::npos) << infos[0].warnings[0];

  // Without a choice the larger stack loads; the localizer is reachable by its split UID.
  EXPECT_EQ(dicom::read(dir.path(), {}, nullptr).image.size()[2], 6u);
  ReadOptions options;
  options.seriesUid = infos[1].seriesUid;
  const LoadedImage localizerImage = dicom::read(dir.path(), options, nullptr);
  EXPECT_EQ(localizerImage.image.at(0, 0, 0), 7.0f);
  EXPECT_EQ(column(localizerImage.image.geometry().direction, 2), (Vec3{-1.0, 0.0, 0.0}));
}

TEST(DicomReader, Read_MissingSlice_InterpolatedAndReported) {
  TempDir dir;
  // Slice at z = 3 is missing; values are 10 * z so linear interpolation gives 30 exactly.
  writeStack(dir.path(), {0, 1, 2, 4, 5}, {}, {0, 10, 20, 40, 50});
  const LoadedImage loaded = dicom::read(dir.path(), {}, nullptr);
  ASSERT_EQ(loaded.image.size()[2], 6u);
  EXPECT_DOUBLE_EQ(loaded.image.geometry().spacingMm[2], 1.0);
  for (std::size_t k = 0; k < 6; ++k)
    EXPECT_FLOAT_EQ(loaded.image.at(0, 0, k), 10.0f * static_cast<float>(k)) << k;
  ASSERT_EQ(loaded.info.warnings.size(), 1u);
  EXPECT_EQ(loaded.info.warnings[0],
            "1 slice missing (gap of 2.0 mm after slice 3 of 5, where the spacing is 1.0 mm): filled by linear "
            "interpolation onto a regular 1.0 mm grid (5 slices -> 6)");
}

TEST(DicomReader, Read_UnevenSpacing_ResampledAndReported) {
  TempDir dir;
  writeStack(dir.path(), {0, 2, 5, 7.5}, {}, {0, 20, 50, 75});
  const std::vector<ImageInfo> infos = dicom::scanFolder(dir.path(), nullptr);
  ASSERT_EQ(infos.size(), 1u);
  EXPECT_EQ(infos[0].geometry.size[2], 5u);
  const LoadedImage loaded = dicom::read(dir.path(), {}, nullptr);
  ASSERT_EQ(loaded.image.size()[2], 5u);
  EXPECT_DOUBLE_EQ(loaded.image.geometry().spacingMm[2], 1.875);
  for (std::size_t k = 0; k < 5; ++k)
    EXPECT_NEAR(loaded.image.at(2, 3, k), 18.75 * static_cast<double>(k), 1e-4) << k;
  ASSERT_EQ(loaded.info.warnings.size(), 1u);
  EXPECT_EQ(loaded.info.warnings[0], "slice spacing uneven (2.0–3.0 mm): resampled to 1.875 mm by linear "
                                     "interpolation along the slice normal (4 slices -> 5)");
}

TEST(DicomReader, PlanSliceGrid_JitterWithinOnePercent_NotResampled) {
  const dicom::SliceGrid grid = dicom::planSliceGrid({0.0, 1.004, 1.998, 3.003, 4.0}, 0.0);
  EXPECT_FALSE(grid.resampled);
  EXPECT_EQ(grid.count, 5u);
  EXPECT_DOUBLE_EQ(grid.spacingMm, 1.0);
  EXPECT_TRUE(grid.warning.empty());
}

TEST(DicomReader, PlanSliceGrid_SinglePosition_SpacingFromThickness) {
  EXPECT_DOUBLE_EQ(dicom::planSliceGrid({12.0}, 3.5).spacingMm, 3.5);
  EXPECT_DOUBLE_EQ(dicom::planSliceGrid({12.0}, 0.0).spacingMm, 1.0);
}

TEST(DicomReader, Read_Monochrome1_InvertedWithinStoredRange) {
  TempDir dir;
  SyntheticSlice slice;
  slice.photometric = "MONOCHROME1";
  slice.bitsStored = 12;
  slice.words = {0, 1, 4095, 100, 0, 0, 0, 0, 0, 0, 0, 0};
  test::writeSlice(slice, dir.path() / "cr.dcm");
  const LoadedImage loaded = dicom::read(dir.path() / "cr.dcm", {}, nullptr);
  EXPECT_EQ(loaded.image[0], 4095.0f);
  EXPECT_EQ(loaded.image[1], 4094.0f);
  EXPECT_EQ(loaded.image[2], 0.0f);
  EXPECT_EQ(loaded.image[3], 3995.0f);
  ASSERT_FALSE(loaded.info.warnings.empty());
  EXPECT_NE(loaded.info.warnings[0].find("MONOCHROME1"), std::string::npos);
}

TEST(DicomReader, Read_Signed16BitWithSlopeIntercept_AppliesRescale) {
  TempDir dir;
  SyntheticSlice slice;
  slice.isSigned = true;
  slice.slope = 2.5;
  slice.intercept = -10.0;
  slice.words = {
    static_cast<std::uint16_t>(-1000), 0, 1000, 32767, static_cast<std::uint16_t>(-32768), 0, 0, 0, 0, 0, 0, 0};
  test::writeSlice(slice, dir.path() / "ct.dcm");
  const LoadedImage loaded = dicom::read(dir.path() / "ct.dcm", {}, nullptr);
  EXPECT_EQ(loaded.image[0], -2510.0f);
  EXPECT_EQ(loaded.image[1], -10.0f);
  EXPECT_EQ(loaded.image[2], 2490.0f);
  EXPECT_EQ(loaded.image[3], 81907.5f);
  EXPECT_EQ(loaded.image[4], -81930.0f);
  EXPECT_EQ(loaded.info.storedPixelType, PixelType::Float32); // 2.5 * stored is not always an integer
}

TEST(DicomReader, Read_Signed12BitStored_SignExtended) {
  TempDir dir;
  SyntheticSlice slice;
  slice.isSigned = true;
  slice.bitsStored = 12;
  slice.intercept = -1024.0;
  slice.slope = 1.0;
  slice.words = {0x0FFB, 0x07FF, 0x0800, 0xF005, 0, 0, 0, 0, 0, 0, 0, 0}; // -5, 2047, -2048, 5 (upper bits ignored)
  test::writeSlice(slice, dir.path() / "ct12.dcm");
  const LoadedImage loaded = dicom::read(dir.path() / "ct12.dcm", {}, nullptr);
  EXPECT_EQ(loaded.image[0], -1029.0f);
  EXPECT_EQ(loaded.image[1], 1023.0f);
  EXPECT_EQ(loaded.image[2], -3072.0f);
  EXPECT_EQ(loaded.image[3], -1019.0f);
  EXPECT_EQ(loaded.info.storedPixelType, PixelType::Int16); // -3072..1023 fits int16
}

TEST(DicomReader, Read_CompressedAndBigEndianSyntaxes_SameValues) {
  TempDir dir;
  SyntheticSlice slice;
  slice.rows = 8;
  slice.columns = 6;
  for (unsigned n = 0; n < 48; ++n)
    slice.words.push_back(static_cast<std::uint16_t>(n * 1237 % 4096));
  slice.bitsStored = 12;
  const std::vector<std::pair<E_TransferSyntax, const char*>> syntaxes = {
    {EXS_LittleEndianExplicit, "explicit"},
    {EXS_LittleEndianImplicit, "implicit"},
    {EXS_BigEndianExplicit, "bigendian"},
    {EXS_DeflatedLittleEndianExplicit, "deflated"},
    {EXS_RLELossless, "rle"},
    {EXS_JPEGLSLossless, "jpegls"},
    {EXS_JPEGProcess14SV1, "jpeglossless"}};
  for (const auto& [syntax, name] : syntaxes) {
    slice.transferSyntax = syntax;
    const fs::path file = dir.path() / (std::string(name) + ".dcm");
    test::writeSlice(slice, file);
    const LoadedImage loaded = dicom::read(file, {}, nullptr);
    ASSERT_EQ(loaded.image.voxelCount(), 48u) << name;
    for (unsigned n = 0; n < 48; ++n)
      ASSERT_EQ(loaded.image[n], static_cast<float>(slice.words[n])) << name << " voxel " << n;
  }
}

TEST(DicomReader, Read_EnhancedMultiFrame_FramesSortedByPositionWithPerFrameRescale) {
  TempDir dir;
  // Frames stored out of order along z; each frame's value after rescale is 100 * z.
  std::vector<test::SyntheticFrame> frames = {{{0, 0, 4.0}, 200, 2.0, 0.0},
                                              {{0, 0, 0.0}, 10, 1.0, -10.0},
                                              {{0, 0, 6.0}, 60, 10.0, 0.0},
                                              {{0, 0, 2.0}, 100, 1.0, 100.0}};
  const fs::path file = dir.path() / "enhanced.dcm";
  test::writeEnhancedMr(frames, file, {1, 0, 0, 0, 1, 0}, {0.8, 0.6});
  const ImageInfo info = dicom::scanFile(file);
  EXPECT_EQ(info.format, "DICOM (enhanced multi-frame)");
  EXPECT_EQ(info.geometry.size, (Size3{3, 4, 4}));
  EXPECT_EQ(info.metadata.at("RepetitionTime"), "8.1");
  EXPECT_EQ(info.metadata.at("EchoTime"), "3.2");
  const LoadedImage loaded = dicom::read(file, {}, nullptr);
  const ImageGeometry& g = loaded.image.geometry();
  EXPECT_EQ(g.spacingMm, (Vec3{0.6, 0.8, 2.0}));
  EXPECT_EQ(g.originMm, (Vec3{0, 0, 0}));
  for (std::size_t k = 0; k < 4; ++k)
    EXPECT_EQ(loaded.image.at(2, 3, k), 200.0f * static_cast<float>(k)) << k;
}

TEST(DicomReader, Read_RepeatedPositionsWithoutFrame_RefusedThenFrameLoads) {
  TempDir dir;
  for (int echo = 1; echo <= 2; ++echo) {
    for (int z = 0; z < 3; ++z) {
      SyntheticSlice slice;
      slice.position = Vec3{0, 0, static_cast<double>(z)};
      slice.echoNumber = echo;
      slice.instanceNumber = z * 2 + echo;
      slice.fill = static_cast<std::uint16_t>(echo * 100 + z);
      test::writeSlice(slice, dir.path() / ("e" + std::to_string(echo) + "z" + std::to_string(z) + ".dcm"));
    }
  }
  const std::vector<ImageInfo> infos = dicom::scanFolder(dir.path(), nullptr);
  ASSERT_EQ(infos.size(), 1u);
  EXPECT_EQ(infos[0].timepoints, 2u);
  std::string message;
  EXPECT_EQ(kindOfError([&] { dicom::read(dir.path(), {}, nullptr); }, &message), ErrorKind::Unsupported);
  EXPECT_NE(message.find("2 images at each of its 3 slice positions"), std::string::npos) << message;

  ReadOptions second;
  second.frame = 1;
  const LoadedImage loaded = dicom::read(dir.path(), second, nullptr);
  ASSERT_EQ(loaded.image.size()[2], 3u);
  for (std::size_t k = 0; k < 3; ++k)
    EXPECT_EQ(loaded.image.at(0, 0, k), 200.0f + static_cast<float>(k));
  ReadOptions outOfRange;
  outOfRange.frame = 2;
  EXPECT_EQ(kindOfError([&] { dicom::read(dir.path(), outOfRange, nullptr); }), ErrorKind::InvalidArgument);
}

TEST(DicomReader, Read_FileWithoutPixelData_RefusedWithReason) {
  TempDir dir;
  SyntheticSlice slice;
  slice.withPixelData = false;
  test::writeSlice(slice, dir.path() / "nopixels.dcm");
  std::string message;
  EXPECT_EQ(kindOfError([&] { dicom::read(dir.path() / "nopixels.dcm", {}, nullptr); }, &message),
            ErrorKind::Unsupported);
  EXPECT_NE(message.find("no image"), std::string::npos) << message;
  EXPECT_EQ(kindOfError([&] { dicom::scanFile(dir.path() / "nopixels.dcm"); }), ErrorKind::Unsupported);
  // In a folder it is simply not part of any image series.
  EXPECT_TRUE(dicom::scanFolder(dir.path(), nullptr).empty());
  EXPECT_EQ(kindOfError([&] { dicom::read(dir.path(), {}, nullptr); }), ErrorKind::InvalidInput);
}

TEST(DicomReader, Read_EmptyFolder_InvalidInputWithReason) {
  TempDir dir;
  EXPECT_TRUE(dicom::scanFolder(dir.path(), nullptr).empty());
  std::string message;
  EXPECT_EQ(kindOfError([&] { dicom::read(dir.path(), {}, nullptr); }, &message), ErrorKind::InvalidInput);
  EXPECT_NE(message.find("no DICOM images found"), std::string::npos) << message;
}

TEST(DicomReader, Read_TruncatedFile_RefusedAloneSkippedInSeries) {
  TempDir dir;
  writeStack(dir.path() / "series", {0, 1, 2, 3, 4}, {}, {0, 10, 20, 30, 40});
  const fs::path victim = dir.path() / "series" / "slice2.dcm";
  fs::resize_file(victim, fs::file_size(victim) - 10);
  fs::copy_file(victim, dir.path() / "truncated.dcm");

  std::string message;
  EXPECT_EQ(kindOfError([&] { dicom::read(dir.path() / "truncated.dcm", {}, nullptr); }, &message),
            ErrorKind::InvalidInput);
  EXPECT_NE(message.find("truncated"), std::string::npos) << message;

  const LoadedImage loaded = dicom::read(dir.path() / "series", {}, nullptr);
  ASSERT_EQ(loaded.image.size()[2], 5u);
  EXPECT_FLOAT_EQ(loaded.image.at(0, 0, 2), 20.0f); // interpolated between 10 and 30
  std::string all;
  for (const std::string& w : loaded.info.warnings)
    all += w + "\n";
  EXPECT_NE(all.find("1 slice missing"), std::string::npos) << all;
  EXPECT_NE(all.find("skipped 1 truncated file(s) of this series (slice2.dcm)"), std::string::npos) << all;
}

TEST(DicomReader, ScanFolder_SymlinkLoopAndDuplicateLink_EachFileOnce) {
  TempDir dir;
  writeStack(dir.path() / "a" / "series", {0, 1, 2});
  fs::create_directory_symlink(dir.path() / "a", dir.path() / "a" / "series" / "loop"); // a/series/loop -> a
  fs::create_symlink(dir.path() / "a" / "series" / "slice0.dcm", dir.path() / "a" / "again.dcm");
  fs::create_symlink(dir.path() / "missing.dcm", dir.path() / "a" / "dangling.dcm");
  std::ofstream(dir.path() / "a" / "readme.txt") << "not DICOM";
  const std::vector<ImageInfo> infos = dicom::scanFolder(dir.path(), nullptr);
  ASSERT_EQ(infos.size(), 1u);
  EXPECT_EQ(infos[0].fileCount, 3u);
  EXPECT_EQ(infos[0].geometry.size[2], 3u);
}

TEST(DicomReader, ScanFolder_CopiedFileAndSharedUids_CopyCountedOnceSharedUidsKept) {
  TempDir dir;
  writeStack(dir.path() / "series", {0, 1, 2});
  fs::copy_file(dir.path() / "series" / "slice1.dcm", dir.path() / "series" / "copy-of-slice1.dcm");
  SyntheticSlice sameUid;
  sameUid.seriesUid = "1.2.826.0.1.3680043.9.7777.3";
  sameUid.sopUid = "1.2.826.0.1.3680043.9.7777.3.1"; // every instance got the same UID
  writeStack(dir.path() / "anonymised", {0, 1, 2, 3}, sameUid);
  const std::vector<ImageInfo> infos = dicom::scanFolder(dir.path(), nullptr);
  ASSERT_EQ(infos.size(), 2u);
  for (const ImageInfo& info : infos) {
    if (info.seriesUid == sameUid.seriesUid) {
      EXPECT_EQ(info.geometry.size[2], 4u);
    } else {
      EXPECT_EQ(info.fileCount, 3u);
      EXPECT_EQ(info.geometry.size[2], 3u);
      EXPECT_EQ(info.timepoints, 1u);
    }
  }
}

TEST(DicomReader, ScanFolder_UnreadableFile_SkippedAndReported) {
  if (geteuid() == 0) GTEST_SKIP() << "running as root: file permissions do not stop reading";
  TempDir dir;
  writeStack(dir.path(), {0, 1, 2});
  fs::permissions(dir.path() / "slice1.dcm", fs::perms::none);
  const std::vector<ImageInfo> infos = dicom::scanFolder(dir.path(), nullptr);
  fs::permissions(dir.path() / "slice1.dcm", fs::perms::owner_all);
  ASSERT_EQ(infos.size(), 1u);
  EXPECT_EQ(infos[0].fileCount, 2u);
}

TEST(DicomReader, Read_GantryTilt_RefusedWithReason) {
  TempDir dir;
  for (int z = 0; z < 4; ++z) {
    SyntheticSlice slice;
    slice.position = Vec3{0.0, 0.5 * z, 2.0 * z}; // sheared: each slice shifted 0.5 mm in y
    test::writeSlice(slice, dir.path() / ("s" + std::to_string(z) + ".dcm"));
  }
  std::string message;
  EXPECT_EQ(kindOfError([&] { dicom::read(dir.path(), {}, nullptr); }, &message), ErrorKind::Unsupported);
  EXPECT_NE(message.find("not stacked along the slice normal"), std::string::npos) << message;
}

TEST(DicomReader, ScanFolder_Metadata_KeywordsAndInfoFilled) {
  TempDir dir;
  SyntheticSlice base;
  base.seriesDescription = "T1 MPRAGE";
  writeStack(dir.path(), {0, 1}, base);
  const std::vector<ImageInfo> infos = dicom::scanFolder(dir.path(), nullptr);
  ASSERT_EQ(infos.size(), 1u);
  const ImageInfo& info = infos[0];
  EXPECT_EQ(info.format, "DICOM");
  EXPECT_EQ(info.modality, "MR");
  EXPECT_EQ(info.description, "T1 MPRAGE");
  EXPECT_EQ(info.metadata.at("SeriesDescription"), "T1 MPRAGE");
  EXPECT_EQ(info.fileCount, 2u);
  EXPECT_EQ(info.storedPixelType, PixelType::UInt16);
  EXPECT_EQ(info.path, dir.path().string());
  EXPECT_EQ(info.metadata.at("PatientName"), "Synthetic^Phantom");
  EXPECT_EQ(info.metadata.at("PatientID"), "SYN001");
  EXPECT_EQ(info.metadata.at("SeriesInstanceUID"), SyntheticSlice{}.seriesUid);
  EXPECT_EQ(info.metadata.at("StudyInstanceUID"), SyntheticSlice{}.studyUid);
  EXPECT_EQ(info.metadata.at("SeriesNumber"), "7");
  EXPECT_EQ(info.metadata.at("Manufacturer"), "StRegA tests");
  EXPECT_EQ(info.metadata.at("MagneticFieldStrength"), "3");
  EXPECT_EQ(info.metadata.at("EchoTime"), "4.5");
  EXPECT_EQ(info.metadata.at("RepetitionTime"), "2000");
  EXPECT_EQ(info.metadata.at("SliceThickness"), "1");
  EXPECT_EQ(info.metadata.at("Modality"), "MR");
}

TEST(DicomReader, Read_SingleSlice_SpacingFromSliceThickness) {
  TempDir dir;
  SyntheticSlice slice;
  slice.sliceThickness = 5.0;
  test::writeSlice(slice, dir.path() / "one.dcm");
  const LoadedImage loaded = dicom::read(dir.path(), {}, nullptr);
  EXPECT_EQ(loaded.image.size()[2], 1u);
  EXPECT_DOUBLE_EQ(loaded.image.geometry().spacingMm[2], 5.0);
}

TEST(DicomReader, Read_WithProgress_ReportsMonotonicToOneAndHonoursCancel) {
  TempDir dir;
  writeStack(dir.path(), {0, 1, 2, 3});
  RecordingProgressSink sink;
  {
    ProgressScope root(sink, "read");
    dicom::read(dir.path(), {}, &root);
  }
  double last = 0.0;
  std::size_t updates = 0;
  for (const auto& event : sink.events()) {
    if (event.type == RecordingProgressSink::Event::Type::Progress) {
      EXPECT_GE(event.value, last);
      last = event.value;
      ++updates;
    }
  }
  EXPECT_GE(updates, 8u);
  EXPECT_DOUBLE_EQ(last, 1.0);

  CancelToken cancel;
  cancel.requestCancel();
  ProgressScope cancelled(sink, "read", cancel);
  EXPECT_THROW(dicom::read(dir.path(), {}, &cancelled), Cancelled);
}

TEST(DicomReader, Read_UnknownSeriesUid_InvalidArgumentListsFound) {
  TempDir dir;
  writeStack(dir.path(), {0, 1});
  ReadOptions options;
  options.seriesUid = "1.2.3";
  std::string message;
  EXPECT_EQ(kindOfError([&] { dicom::read(dir.path(), options, nullptr); }, &message), ErrorKind::InvalidArgument);
  EXPECT_NE(message.find(SyntheticSlice{}.seriesUid), std::string::npos) << message;
}

TEST(DicomReader, Read_TwoSeries_FirstMrChosenWithWarning) {
  TempDir dir;
  SyntheticSlice ct;
  ct.modality = "CT";
  ct.seriesUid = "1.2.826.0.1.3680043.9.7777.2";
  ct.seriesDescription = "CT head";
  writeStack(dir.path() / "ct", {0, 1}, ct);
  writeStack(dir.path() / "mr", {0, 1, 2});
  const LoadedImage loaded = dicom::read(dir.path(), {}, nullptr);
  EXPECT_EQ(loaded.info.modality, "MR");
  EXPECT_EQ(loaded.image.size()[2], 3u);
  ASSERT_FALSE(loaded.info.warnings.empty());
  EXPECT_NE(loaded.info.warnings.back().find("holds 2 DICOM series"), std::string::npos);
  EXPECT_EQ(loaded.info.path, (dir.path() / "mr").string());
}

} // namespace
} // namespace strega::io
