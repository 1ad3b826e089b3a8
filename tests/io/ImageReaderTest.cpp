// scan()/readImage() dispatch: files vs folders, formats by name and by content, and every way a path can be
// unusable (missing, empty, unreadable, a symbolic link loop).
#include "ImageReaderTestSupport.h"

#include "strega/core/ProgressScope.h"
#include "strega/io/ImageReader.h"
#include "strega/io/ImageWriter.h"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <numeric>

using namespace strega;
using namespace strega::io;
using namespace strega::testing;

namespace {

const fs::path kPydicomMr = "/usr/lib/python3/dist-packages/pydicom/data/test_files/MR_small.dcm";

ImageF smallImage(float first) {
  ImageGeometry g;
  g.size = {3, 2, 2};
  g.spacingMm = {1, 2, 3};
  ImageF image(g);
  for (std::size_t n = 0; n < image.voxelCount(); ++n)
    image[n] = first + float(n);
  return image;
}

void writeText(const fs::path& file, const std::string& text) { std::ofstream(file) << text; }

} // namespace

// ---- paths that cannot be used -----------------------------------------------------------------------------------

TEST(ImageReader, ReadImage_MissingPath_IoError) {
  ScratchDir dir;
  expectError([&] { readImage(dir / "nothing.nii.gz"); }, ErrorKind::Io, "no such file or folder");
  expectError([&] { scan(dir / "nothing"); }, ErrorKind::Io, "no such file or folder");
  expectError([&] { readImage(dir / "no" / "such" / "thing"); }, ErrorKind::Io, "no such file or folder");
}

TEST(ImageReader, ReadImage_EmptyFolder_InvalidInput) {
  ScratchDir dir;
  fs::create_directory(dir / "empty");
  expectError([&] { readImage(dir / "empty"); }, ErrorKind::InvalidInput, "the folder is empty");
  expectError([&] { scan(dir / "empty"); }, ErrorKind::InvalidInput, "the folder is empty");
}

TEST(ImageReader, ReadImage_FolderWithoutImages_InvalidInput) {
  ScratchDir dir;
  writeText(dir / "notes.txt", "no images here");
  fs::create_directory(dir / "sub");
  writeText(dir / "sub" / "readme.md", "nor here");
  expectError([&] { readImage(dir.path()); }, ErrorKind::InvalidInput, "no DICOM series or NIfTI");
  expectError([&] { scan(dir.path()); }, ErrorKind::InvalidInput, "no DICOM series or NIfTI");
}

TEST(ImageReader, ReadImage_SelfReferencingSymlink_IoErrorNamingTheLoop) {
  ScratchDir dir;
  fs::create_symlink(dir / "loop", dir / "loop");
  expectError([&] { readImage(dir / "loop"); }, ErrorKind::Io, "symbolic link loop");
  fs::create_symlink(dir / "b", dir / "a");
  fs::create_symlink(dir / "a", dir / "b");
  expectError([&] { scan(dir / "a"); }, ErrorKind::Io, "symbolic link loop");
}

TEST(ImageReader, ReadImage_BrokenSymlink_IoError) {
  ScratchDir dir;
  fs::create_symlink(dir / "gone.nii", dir / "link.nii");
  expectError([&] { readImage(dir / "link.nii"); }, ErrorKind::Io, "broken symbolic link");
}

TEST(ImageReader, Scan_FolderWithSymlinkLoops_TerminatesAndFindsEachFileOnce) {
  ScratchDir dir;
  fs::create_directories(dir / "a" / "b");
  writeImage(smallImage(0), dir / "a" / "b" / "t1.nii.gz");
  fs::create_directory_symlink(dir / "a", dir / "a" / "b" / "up"); // a/b/up -> a: a cycle
  fs::create_directory_symlink(dir.path(), dir / "a" / "root");    // a/root -> the top: another
  fs::create_symlink(dir / "a" / "self", dir / "a" / "self");      // a link to itself
  const auto infos = scan(dir.path());
  ASSERT_EQ(infos.size(), 1u);
  EXPECT_EQ(infos[0].path, (dir / "a" / "b" / "t1.nii.gz").string());
  EXPECT_EQ(readImage(dir.path()).image[5], 5.0f);
}

TEST(ImageReader, Scan_FolderOfOnlyLoops_InvalidInputNotHang) {
  ScratchDir dir;
  fs::create_directory(dir / "d");
  fs::create_directory_symlink(dir / "d", dir / "d" / "again");
  expectError([&] { readImage(dir / "d"); }, ErrorKind::InvalidInput, "no DICOM series or NIfTI");
}

TEST(ImageReader, ReadImage_UnreadableFile_IoPermissionDenied) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores file permissions";
  ScratchDir dir;
  writeImage(smallImage(0), dir / "secret.nii.gz");
  fs::permissions(dir / "secret.nii.gz", fs::perms::none);
  expectError([&] { readImage(dir / "secret.nii.gz"); }, ErrorKind::Io, "permission denied");
}

TEST(ImageReader, ReadImage_UnreadableFolder_IoPermissionDenied) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores folder permissions";
  ScratchDir dir;
  fs::create_directory(dir / "locked");
  writeImage(smallImage(0), dir / "locked" / "t1.nii.gz");
  fs::permissions(dir / "locked", fs::perms::none);
  expectError([&] { scan(dir / "locked"); }, ErrorKind::Io, "permission denied");
}

TEST(ImageReader, Scan_UnreadableSubfolder_SkippedOthersFound) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores folder permissions";
  ScratchDir dir;
  fs::create_directory(dir / "locked");
  writeImage(smallImage(0), dir / "locked" / "hidden.nii.gz");
  writeImage(smallImage(0), dir / "visible.nii.gz");
  fs::permissions(dir / "locked", fs::perms::none);
  const auto infos = scan(dir.path());
  ASSERT_EQ(infos.size(), 1u);
  EXPECT_EQ(fs::path(infos[0].path).filename(), "visible.nii.gz");
}

TEST(ImageReader, ReadImage_NotAnImageFile_InvalidInput) {
  ScratchDir dir;
  writeText(dir / "data.csv", "a,b,c\n1,2,3\n");
  expectError([&] { readImage(dir / "data.csv"); }, ErrorKind::InvalidInput, "not an image this program can read");
  expectError([&] { scan(dir / "data.csv"); }, ErrorKind::InvalidInput, "not an image this program can read");
}

TEST(ImageReader, ReadImage_EmptyFileAnyName_InvalidInput) {
  ScratchDir dir;
  for (const char* name : {"empty.nii.gz", "empty.nrrd", "empty.dcm", "empty"}) {
    std::ofstream(dir / name).close();
    expectError([&] { readImage(dir / name); }, ErrorKind::InvalidInput, "the file is empty");
  }
}

TEST(ImageReader, ReadImage_Device_InvalidInput) {
  expectError([&] { readImage("/dev/null"); }, ErrorKind::InvalidInput, "not a regular file or folder");
}

TEST(ImageReader, ReadImage_CorruptNrrdAndMetaImage_InvalidInput) {
  ScratchDir dir;
  writeText(dir / "bad.nrrd", "NRRD0004\ntype: float\ndimension: 3\nsizes: 4 4\nencoding: raw\n\n");
  expectError([&] { readImage(dir / "bad.nrrd"); }, ErrorKind::InvalidInput, "bad.nrrd");
  writeText(dir / "bad.mha", "this is not a MetaImage header at all\n");
  expectError([&] { readImage(dir / "bad.mha"); }, ErrorKind::InvalidInput, "bad.mha");
}

TEST(ImageReader, ReadImage_TruncatedNrrd_InvalidInput) {
  ScratchDir dir;
  writeText(dir / "short.nrrd",
            "NRRD0004\ntype: float\ndimension: 3\nsizes: 4 4 4\nencoding: raw\nendian: little\n\nabc");
  expectError([&] { readImage(dir / "short.nrrd"); }, ErrorKind::InvalidInput, "short.nrrd");
}

TEST(ImageReader, ReadImage_4dNrrd_FrameChosen) {
  ScratchDir dir;
  std::string text = "NRRD0004\ntype: uint8\ndimension: 4\nsizes: 2 2 1 3\nencoding: raw\n\n";
  for (int n = 0; n < 12; ++n)
    text += static_cast<char>(n);
  writeText(dir / "t.nrrd", text);
  expectError([&] { readImage(dir / "t.nrrd"); }, ErrorKind::Unsupported, "--frame");
  ReadOptions options;
  options.frame = 2;
  const LoadedImage loaded = readImage(dir / "t.nrrd", options);
  EXPECT_EQ(loaded.image.size(), (Size3{2, 2, 1}));
  EXPECT_EQ(loaded.image[0], 8.0f);
  EXPECT_EQ(loaded.image[3], 11.0f);
}

TEST(ImageReader, ReadImage_4dMetaImage_FrameChosen) {
  ScratchDir dir;
  std::string text = "ObjectType = Image\nNDims = 4\nDimSize = 2 2 1 3\nElementSpacing = 1 1 1 1\n"
                     "ElementType = MET_UCHAR\nElementDataFile = LOCAL\n";
  for (int n = 0; n < 12; ++n)
    text += static_cast<char>(n);
  writeText(dir / "t.mha", text);
  expectError([&] { readImage(dir / "t.mha"); }, ErrorKind::Unsupported, "--frame");
  for (const std::size_t frame : {0u, 1u, 2u}) {
    ReadOptions options;
    options.frame = frame;
    const LoadedImage loaded = readImage(dir / "t.mha", options);
    EXPECT_EQ(loaded.image.size(), (Size3{2, 2, 1}));
    EXPECT_EQ(loaded.image[0], float(4 * frame));
    EXPECT_EQ(loaded.image[3], float(4 * frame + 3));
  }
}

TEST(ImageReader, ReadImage_RgbNrrd_RefusedUnsupported) {
  ScratchDir dir;
  std::string text = "NRRD0004\ntype: uint8\ndimension: 4\nkinds: RGB-color domain domain domain\n"
                     "sizes: 3 2 2 1\nencoding: raw\n\n";
  text += std::string(12, '\x7f');
  writeText(dir / "rgb.nrrd", text);
  expectError([&] { readImage(dir / "rgb.nrrd"); }, ErrorKind::Unsupported, "values per voxel");
}

// ---- formats found by content, pairs, folders ------------------------------------------------------------------

TEST(ImageReader, ReadImage_NrrdAndNiftiWithoutExtension_FoundByContent) {
  ScratchDir dir;
  writeImage(smallImage(10), dir / "a.nrrd");
  fs::rename(dir / "a.nrrd", dir / "volume_a");
  writeImage(smallImage(20), dir / "b.nii");
  fs::rename(dir / "b.nii", dir / "volume_b");
  EXPECT_EQ(readImage(dir / "volume_a").image[0], 10.0f);
  EXPECT_EQ(readImage(dir / "volume_b").image[0], 20.0f);
  EXPECT_EQ(readImage(dir / "volume_b").info.format, "NIfTI");
}

TEST(ImageReader, ReadImage_GzippedNiftiNamedNii_Loads) {
  ScratchDir dir;
  writeImage(smallImage(3), dir / "x.nii.gz");
  fs::rename(dir / "x.nii.gz", dir / "x.nii");
  EXPECT_EQ(readImage(dir / "x.nii").image[0], 3.0f);
}

TEST(ImageReader, ReadImage_HdrImgPair_LoadsFromEitherNameListedOnce) {
  ScratchDir dir;
  Nifti1Spec spec;
  spec.magic = "ni1";
  spec.voxOffset = 0;
  // Header alone into .hdr, voxels alone into .img.
  writeNifti1(dir / "tmp.nii", spec, {});
  fs::resize_file(dir / "tmp.nii", 348);
  fs::rename(dir / "tmp.nii", dir / "pair.hdr");
  std::vector<unsigned char> voxels(24);
  std::iota(voxels.begin(), voxels.end(), 100);
  std::ofstream(dir / "pair.img", std::ios::binary).write(reinterpret_cast<const char*>(voxels.data()), 24);
  EXPECT_EQ(readImage(dir / "pair.hdr").image[23], 123.0f);
  EXPECT_EQ(readImage(dir / "pair.img").image[0], 100.0f);
  const auto infos = scan(dir.path());
  ASSERT_EQ(infos.size(), 1u);
  EXPECT_EQ(fs::path(infos[0].path).filename(), "pair.hdr");
  // The .img missing: an Io error naming it, not a crash.
  fs::remove(dir / "pair.img");
  expectError([&] { readImage(dir / "pair.hdr"); }, ErrorKind::Io, "pair.img");
}

TEST(ImageReader, ReadImage_AnalyzeHdrImg_LoadsWithOrientationWarning) {
  ScratchDir dir;
  Nifti1Spec spec;
  spec.magic = ""; // Analyze 7.5
  spec.voxOffset = 0;
  writeNifti1(dir / "tmp.nii", spec, {});
  fs::resize_file(dir / "tmp.nii", 348);
  fs::rename(dir / "tmp.nii", dir / "old.hdr");
  std::vector<unsigned char> voxels(24, 9);
  std::ofstream(dir / "old.img", std::ios::binary).write(reinterpret_cast<const char*>(voxels.data()), 24);
  const LoadedImage loaded = readImage(dir / "old.hdr");
  EXPECT_EQ(loaded.info.format, "Analyze 7.5");
  EXPECT_EQ(loaded.image[11], 9.0f);
  EXPECT_TRUE(hasWarning(loaded.info.warnings, "no orientation"));
}

TEST(ImageReader, ReadImage_FolderWithOneNifti_LoadsIt) {
  ScratchDir dir;
  fs::create_directories(dir / "case" / "anat");
  writeImage(smallImage(5), dir / "case" / "anat" / "t1.nii.gz");
  writeText(dir / "case" / "notes.txt", "session notes");
  const LoadedImage loaded = readImage(dir / "case");
  EXPECT_EQ(loaded.image[0], 5.0f);
  EXPECT_EQ(loaded.info.path, (dir / "case" / "anat" / "t1.nii.gz").string());
}

TEST(ImageReader, ReadImage_FolderWithTwoNiftis_AsksWhichOne) {
  ScratchDir dir;
  writeImage(smallImage(0), dir / "t1.nii.gz");
  writeImage(smallImage(0), dir / "t2.nii.gz");
  expectError([&] { readImage(dir.path()); }, ErrorKind::InvalidArgument, "name the file to load");
}

TEST(ImageReader, Scan_FolderOfFormats_ListsEachSortedSkippingHiddenAndBroken) {
  ScratchDir dir;
  fs::create_directory(dir / "sub");
  writeImage(smallImage(0), dir / "b.nii.gz");
  writeImage(smallImage(0), dir / "a.nrrd");
  writeImage(smallImage(0), dir / "sub" / "c.mha");
  writeImage(smallImage(0), dir / ".hidden.nii.gz");
  writeText(dir / "broken.nii", "not a NIfTI file, only a name");
  RecordingProgressSink sink;
  std::vector<ImageInfo> infos;
  {
    ProgressScope progress(sink, "scan");
    infos = scan(dir.path(), &progress);
  }
  ASSERT_EQ(infos.size(), 3u);
  EXPECT_EQ(fs::path(infos[0].path).filename(), "a.nrrd");
  EXPECT_EQ(fs::path(infos[1].path).filename(), "b.nii.gz");
  EXPECT_EQ(fs::path(infos[2].path).filename(), "c.mha");
  EXPECT_EQ(infos[0].format, "NRRD");
  EXPECT_EQ(infos[1].format, "NIfTI");
  EXPECT_EQ(infos[2].format, "MetaImage");
  for (const auto& info : infos)
    EXPECT_EQ(info.geometry.size, (Size3{3, 2, 2}));
  const auto warnings = sink.warnings();
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("broken.nii"), std::string::npos);
}

TEST(ImageReader, Scan_FolderOfOnlyBrokenFiles_InvalidInputWithFirstReason) {
  ScratchDir dir;
  writeNifti1(dir / "short.nii", Nifti1Spec{}, std::vector<unsigned char>(5));
  expectError([&] { scan(dir.path()); }, ErrorKind::InvalidInput, "truncated");
}

TEST(ImageReader, ReadImage_CancelledScope_ThrowsCancelled) {
  ScratchDir dir;
  writeImage(smallImage(0), dir / "t1.nii.gz");
  RecordingProgressSink sink;
  CancelToken cancel;
  ProgressScope progress(sink, "read", cancel);
  cancel.requestCancel();
  EXPECT_THROW(readImage(dir / "t1.nii.gz", {}, &progress), Cancelled);
}

// ---- DICOM through the same entry points --------------------------------------------------------------------------

TEST(ImageReader, Scan_FolderWithDicomAndNifti_ListsBoth) {
  if (!fs::exists(kPydicomMr)) GTEST_SKIP() << "python3-pydicom test files not installed";
  ScratchDir dir;
  fs::copy_file(kPydicomMr, dir / "MR_small.dcm");
  writeImage(smallImage(0), dir / "t1.nii.gz");
  const auto infos = scan(dir.path());
  ASSERT_EQ(infos.size(), 2u);
  EXPECT_EQ(infos[0].format.rfind("DICOM", 0), 0u) << infos[0].format; // DICOM series first
  EXPECT_EQ(infos[0].modality, "MR");
  EXPECT_EQ(fs::path(infos[1].path).filename(), "t1.nii.gz");
  // readImage of the folder prefers the DICOM series.
  EXPECT_EQ(readImage(dir.path()).info.modality, "MR");
}

TEST(ImageReader, ReadImage_DicomFileWithoutExtension_LoadedAsDicom) {
  if (!fs::exists(kPydicomMr)) GTEST_SKIP() << "python3-pydicom test files not installed";
  ScratchDir dir;
  fs::copy_file(kPydicomMr, dir / "IM0001");
  const LoadedImage loaded = readImage(dir / "IM0001");
  EXPECT_EQ(loaded.info.modality, "MR");
  EXPECT_EQ(loaded.image.size()[0], 64u);
}

TEST(ImageReader, ReadImage_FolderWithCtAndMrSeries_TakesMrAndSaysSo) {
  const fs::path ct = kPydicomMr.parent_path() / "CT_small.dcm";
  if (!fs::exists(kPydicomMr) || !fs::exists(ct)) GTEST_SKIP() << "python3-pydicom test files not installed";
  ScratchDir dir;
  fs::copy_file(ct, dir / "a_ct.dcm");
  fs::copy_file(kPydicomMr, dir / "b_mr.dcm");
  const auto infos = scan(dir.path());
  ASSERT_EQ(infos.size(), 2u);
  const LoadedImage loaded = readImage(dir.path());
  EXPECT_EQ(loaded.info.modality, "MR");
  EXPECT_TRUE(hasWarning(loaded.info.warnings, "2 DICOM series")) << ::testing::PrintToString(loaded.info.warnings);
  EXPECT_TRUE(hasWarning(loaded.info.warnings, loaded.info.seriesUid));
  // Choosing the other series by its UID.
  const auto ctInfo = std::find_if(infos.begin(), infos.end(), [](const ImageInfo& i) { return i.modality == "CT"; });
  ASSERT_NE(ctInfo, infos.end());
  ReadOptions options;
  options.seriesUid = ctInfo->seriesUid;
  const LoadedImage chosen = readImage(dir.path(), options);
  EXPECT_EQ(chosen.info.modality, "CT");
  EXPECT_FALSE(hasWarning(chosen.info.warnings, "2 DICOM series"));
}
