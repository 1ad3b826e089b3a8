// writeDicomSeg(): SEG objects for DICOM series read back with DCMTK's dcmseg and checked against the source files
// (read independently with dcmdata), validated with dciodvfy (dicom3tools) when it is installed; the reader's
// DicomSeriesReference; refusals of masks off the series grid and of unusable references.
#include "DicomReader.h"
#include "DicomSyntheticWriter.h"
#include "DicomTestSupport.h"

#include "strega/core/Error.h"
#include "strega/io/DicomSegWriter.h"
#include "strega/io/ImageReader.h"

#include <dcmtk/config/osconfig.h>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmseg/segdoc.h>
#include <dcmtk/dcmseg/segment.h>
#include <dcmtk/dcmseg/segutils.h>

#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

namespace strega::io {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

const fs::path kColin27 = "/usr/share/mricron/templates/ch2.nii.gz";

/// What a source image file says, read with dcmdata (not with the reader under test).
struct SourceInstance {
  std::string sopClassUid;
  Vec3 positionMm{};
};

struct SourceSeries {
  std::string studyUid;
  std::string seriesUid;
  std::string frameOfReferenceUid;
  std::string patientName;
  std::string patientId;
  std::map<std::string, SourceInstance> instances; ///< by SOP Instance UID
};

std::string stringOf(DcmItem& item, const DcmTagKey& tag) {
  OFString value;
  item.findAndGetOFStringArray(tag, value);
  return value.c_str();
}

Vec3 positionOf(DcmItem& item) {
  Vec3 p{};
  for (int a = 0; a < 3; ++a) {
    Float64 v = 0;
    item.findAndGetFloat64(DCM_ImagePositionPatient, v, static_cast<unsigned long>(a));
    p[a] = v;
  }
  return p;
}

SourceSeries readSourceFolder(const fs::path& folder) {
  SourceSeries series;
  for (const auto& entry : fs::directory_iterator(folder)) {
    DcmFileFormat file;
    if (file.loadFile(entry.path().c_str()).bad()) continue;
    DcmDataset& ds = *file.getDataset();
    series.studyUid = stringOf(ds, DCM_StudyInstanceUID);
    series.seriesUid = stringOf(ds, DCM_SeriesInstanceUID);
    series.frameOfReferenceUid = stringOf(ds, DCM_FrameOfReferenceUID);
    series.patientName = stringOf(ds, DCM_PatientName);
    series.patientId = stringOf(ds, DCM_PatientID);
    series.instances[stringOf(ds, DCM_SOPInstanceUID)] = {stringOf(ds, DCM_SOPClassUID), positionOf(ds)};
  }
  return series;
}

/// A mask with something in most slices and nothing in slice 1, so that an empty frame is checked too.
Mask patternMask(const ImageGeometry& geometry) {
  Mask mask(geometry);
  const Size3& n = geometry.size;
  for (std::size_t k = 0; k < n[2]; ++k) {
    if (k == 1) continue;
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i) {
        // A disc whose centre moves with k (so that a slice swap shows), plus the first voxel of odd rows (so that
        // a row/column transposition shows).
        const double di = double(i) - double(n[0]) / 3.0 - double(k);
        const double dj = double(j) - double(n[1]) / 2.0;
        const bool disc = di * di + dj * dj < double(n[0] * n[0]) / 36.0;
        if (disc || (i == 0 && j % 2 == 1)) mask.data()[(k * n[1] + j) * n[0] + i] = k % 2 == 0 ? 1 : 255;
      }
    }
  }
  return mask;
}

/// Runs dciodvfy; returns its output, or nothing (and says so) when it is not installed.
std::optional<std::string> runDciodvfy(const fs::path& file) {
  if (!test::haveProgram("dciodvfy")) {
    std::cout << "dciodvfy (Debian package dicom3tools) is not installed: SEG not validated with it\n";
    return std::nullopt;
  }
  std::string output;
  test::runCommand("dciodvfy " + test::shellQuote(file.string()) + " 2>&1", &output);
  return output;
}

/// Fails on every dciodvfy line that reports an error; prints a summary (and the warnings) for the log.
void expectNoDciodvfyErrors(const fs::path& file) {
  const std::optional<std::string> output = runDciodvfy(file);
  if (!output) return;
  std::istringstream lines(*output);
  std::string line;
  std::size_t errors = 0;
  std::size_t warnings = 0;
  while (std::getline(lines, line)) {
    if (line.find("Error") != std::string::npos) {
      ++errors;
      ADD_FAILURE() << "dciodvfy: " << line;
    } else if (line.find("Warning") != std::string::npos) {
      ++warnings;
      std::cout << "dciodvfy: " << line << "\n";
    }
  }
  // dciodvfy names the IOD it checked against; anything else means it did not recognise the object as a SEG.
  EXPECT_NE(output->find("Segmentation"), std::string::npos) << *output;
  std::cout << "dciodvfy " << file.filename().string() << ": " << errors << " error(s), " << warnings
            << " warning(s)\n";
}

/// Reads `segFile` back with dcmseg and dcmdata and checks it against the source files and the mask.
void expectSegMatches(const fs::path& segFile, const SourceSeries& source, const Mask& mask,
                      bool multiFrameSource = false) {
  DcmSegmentation* loaded = nullptr;
  ASSERT_TRUE(DcmSegmentation::loadFile(segFile.c_str(), loaded).good());
  std::unique_ptr<DcmSegmentation> seg(loaded);
  const ImageGeometry& g = mask.geometry();
  const auto rows = static_cast<Uint16>(g.size[1]);
  const auto columns = static_cast<Uint16>(g.size[0]);

  // One segment, as described.
  ASSERT_EQ(seg->getNumberOfSegments(), 1u);
  EXPECT_EQ(seg->getSegmentationType(), DcmSegTypes::ST_BINARY);
  DcmSegment* segment = seg->getSegment(1);
  ASSERT_NE(segment, nullptr);
  OFString text;
  segment->getSegmentLabel(text);
  EXPECT_EQ(text, "Anomaly");
  EXPECT_EQ(segment->getSegmentAlgorithmType(), DcmSegTypes::SAT_AUTOMATIC);
  segment->getSegmentAlgorithmName(text);
  EXPECT_EQ(text, "StRegA");
  segment->getSegmentedPropertyCategoryCode().getCodeValue(text);
  EXPECT_EQ(text, "49755003");

  // One frame per slice, each equal to the mask's slice (non-zero -> 1).
  ASSERT_EQ(seg->getNumberOfFrames(), g.size[2]);
  const std::size_t samples = g.size[0] * g.size[1];
  for (std::size_t k = 0; k < g.size[2]; ++k) {
    const DcmIODTypes::Frame* packed = seg->getFrame(k);
    ASSERT_NE(packed, nullptr) << k;
    std::unique_ptr<DcmIODTypes::Frame> frame(DcmSegUtils::unpackBinaryFrame(packed, rows, columns));
    ASSERT_NE(frame, nullptr) << k;
    ASSERT_GE(frame->length, samples);
    std::size_t mismatches = 0;
    for (std::size_t n = 0; n < samples; ++n)
      mismatches += (frame->pixData[n] != 0) != (mask.data()[k * samples + n] != 0) ? 1 : 0;
    EXPECT_EQ(mismatches, 0u) << "frame " << k + 1;
  }

  // References, read from the dataset itself.
  DcmFileFormat file;
  ASSERT_TRUE(file.loadFile(segFile.c_str()).good());
  DcmDataset& ds = *file.getDataset();
  EXPECT_EQ(stringOf(ds, DCM_SOPClassUID), UID_SegmentationStorage);
  EXPECT_EQ(stringOf(ds, DCM_Modality), "SEG");
  EXPECT_EQ(stringOf(ds, DCM_StudyInstanceUID), source.studyUid);
  EXPECT_NE(stringOf(ds, DCM_SeriesInstanceUID), source.seriesUid);
  EXPECT_EQ(stringOf(ds, DCM_FrameOfReferenceUID), source.frameOfReferenceUid);
  EXPECT_EQ(stringOf(ds, DCM_PatientName), source.patientName);
  EXPECT_EQ(stringOf(ds, DCM_PatientID), source.patientId);

  DcmItem* referencedSeries = nullptr;
  ASSERT_TRUE(ds.findAndGetSequenceItem(DCM_ReferencedSeriesSequence, referencedSeries, 0).good());
  EXPECT_EQ(stringOf(*referencedSeries, DCM_SeriesInstanceUID), source.seriesUid);
  std::set<std::string> referencedInstances;
  DcmSequenceOfItems* instances = nullptr;
  ASSERT_TRUE(referencedSeries->findAndGetSequence(DCM_ReferencedInstanceSequence, instances).good());
  for (unsigned long n = 0; n < instances->card(); ++n) {
    DcmItem& item = *instances->getItem(n);
    const std::string uid = stringOf(item, DCM_ReferencedSOPInstanceUID);
    ASSERT_EQ(source.instances.count(uid), 1u) << uid;
    EXPECT_EQ(stringOf(item, DCM_ReferencedSOPClassUID), source.instances.at(uid).sopClassUid);
    referencedInstances.insert(uid);
  }
  EXPECT_EQ(referencedInstances.size(), source.instances.size());

  // Per frame: the source image is the instance at that position, and the frame lies where the mask slice lies.
  DcmSequenceOfItems* perFrame = nullptr;
  ASSERT_TRUE(ds.findAndGetSequence(DCM_PerFrameFunctionalGroupsSequence, perFrame).good());
  ASSERT_EQ(perFrame->card(), g.size[2]);
  for (std::size_t k = 0; k < g.size[2]; ++k) {
    DcmItem& groups = *perFrame->getItem(static_cast<unsigned long>(k));
    DcmItem* position = nullptr;
    ASSERT_TRUE(groups.findAndGetSequenceItem(DCM_PlanePositionSequence, position, 0).good()) << k;
    const Vec3 framePosition = positionOf(*position);
    const Vec3 slicePosition = g.indexToPhysical(Vec3{0.0, 0.0, double(k)});
    EXPECT_LT(norm(subtract(framePosition, slicePosition)), 1e-3) << "frame " << k + 1;
    DcmItem* derivation = nullptr;
    DcmItem* sourceImage = nullptr;
    ASSERT_TRUE(groups.findAndGetSequenceItem(DCM_DerivationImageSequence, derivation, 0).good()) << k;
    ASSERT_TRUE(derivation->findAndGetSequenceItem(DCM_SourceImageSequence, sourceImage, 0).good()) << k;
    const std::string uid = stringOf(*sourceImage, DCM_ReferencedSOPInstanceUID);
    ASSERT_EQ(source.instances.count(uid), 1u) << uid;
    EXPECT_EQ(stringOf(*sourceImage, DCM_ReferencedSOPClassUID), source.instances.at(uid).sopClassUid);
    if (multiFrameSource) {
      EXPECT_EQ(stringOf(*sourceImage, DCM_ReferencedFrameNumber), std::to_string(k + 1)) << k;
    } else {
      EXPECT_LT(norm(subtract(source.instances.at(uid).positionMm, framePosition)), 1e-3) << "frame " << k + 1;
      EXPECT_FALSE(sourceImage->tagExists(DCM_ReferencedFrameNumber)) << k;
    }
  }
}

// --- Colin27 written as DICOM by pydicom (make_dicom_series.py): axial and oblique -------------------------------

struct Variant {
  const char* name;
  const char* generatorOptions;
};

class DicomSegColin27Series : public ::testing::TestWithParam<Variant> {
protected:
  void SetUp() override {
    if (test::pythonWithPydicom().empty()) GTEST_SKIP() << "no python3 with pydicom/nibabel/numpy";
    if (!fs::exists(kColin27)) GTEST_SKIP() << "mricron-data (Colin27) is not installed";
  }
};

TEST_P(DicomSegColin27Series, WriteDicomSeg_SeriesWrittenByPydicom_ReadsBackAndReferencesSource) {
  TempDir work("strega-dicom-seg");
  const fs::path series = work.path() / "series";
  std::string generatorOutput;
  ASSERT_EQ(test::runCommand(test::pythonWithPydicom() + " " +
                               test::shellQuote((test::toolsFolder() / "make_dicom_series.py").string()) + " " +
                               test::shellQuote(kColin27.string()) + " " + test::shellQuote(series.string()) +
                               " --slices 12 " + GetParam().generatorOptions,
                             &generatorOutput),
            0);

  const LoadedImage loaded = readImage(series);
  ASSERT_TRUE(loaded.dicomSeries.has_value());
  const DicomSeriesReference& reference = *loaded.dicomSeries;
  ASSERT_EQ(reference.slices.size(), 12u);
  EXPECT_TRUE(reference.geometry.sameGrid(loaded.image.geometry()));
  EXPECT_EQ(reference.patientName, "Colin^TwentySeven");
  EXPECT_EQ(reference.patientSex, "M");

  const Mask mask = patternMask(loaded.image.geometry());
  const fs::path segFile = work.path() / "out" / "seg.dcm";
  fs::create_directories(segFile.parent_path());
  writeDicomSeg(mask, reference, segFile);
  ASSERT_TRUE(fs::exists(segFile));
  // Nothing but seg.dcm is left in the folder (the temporary file was renamed).
  EXPECT_EQ(std::distance(fs::directory_iterator(segFile.parent_path()), fs::directory_iterator()), 1);

  expectSegMatches(segFile, readSourceFolder(series), mask);
  expectNoDciodvfyErrors(segFile);
}

INSTANTIATE_TEST_SUITE_P(DicomSeg, DicomSegColin27Series,
                         ::testing::Values(Variant{"axial", ""}, Variant{"oblique_shuffled", "--oblique --shuffle"}),
                         [](const auto& info) { return std::string(info.param.name); });

// --- Synthetic series written with DCMTK --------------------------------------------------------------------------

/// Adds a FrameOfReferenceUID (and a PatientID) to a synthetic file, which the synthetic writer leaves out.
void addFrameOfReference(const fs::path& file, const std::string& uid) {
  DcmFileFormat format;
  ASSERT_TRUE(format.loadFile(file.c_str()).good());
  format.getDataset()->putAndInsertString(DCM_FrameOfReferenceUID, uid.c_str());
  if (!format.getDataset()->tagExists(DCM_PatientID)) format.getDataset()->putAndInsertString(DCM_PatientID, "SYN002");
  ASSERT_TRUE(format.saveFile(file.c_str(), EXS_LittleEndianExplicit).good());
}

/// Three 4x3 axial slices 2 mm apart, files named against the slice order.
void writeSyntheticSeries(const fs::path& folder, bool withFrameOfReference, const std::vector<double>& zMm) {
  fs::create_directories(folder);
  const std::string frameOfReference = test::newUid();
  for (std::size_t n = 0; n < zMm.size(); ++n) {
    test::SyntheticSlice slice;
    slice.position = Vec3{-10.0, 5.0, zMm[n]};
    slice.pixelSpacing = {0.8, 0.7};
    slice.sliceThickness = 2.0;
    slice.instanceNumber = static_cast<int>(n + 1);
    slice.fill = static_cast<std::uint16_t>(100 + n);
    const fs::path file = folder / ("IM" + std::to_string(zMm.size() - n) + ".dcm");
    test::writeSlice(slice, file);
    if (withFrameOfReference) addFrameOfReference(file, frameOfReference);
  }
}

TEST(DicomSeriesReference, ReadImage_ClassicSeries_ListsSourceInstancesInSliceOrder) {
  TempDir work("strega-dicom-seg");
  writeSyntheticSeries(work.path(), true, {4.0, 0.0, 2.0});
  const LoadedImage loaded = readImage(work.path());
  ASSERT_TRUE(loaded.dicomSeries.has_value());
  const DicomSeriesReference& reference = *loaded.dicomSeries;
  ASSERT_EQ(reference.slices.size(), 3u);
  const SourceSeries source = readSourceFolder(work.path());
  for (std::size_t k = 0; k < 3; ++k) {
    const DicomSliceSource& slice = reference.slices[k];
    ASSERT_EQ(source.instances.count(slice.sopInstanceUid), 1u);
    EXPECT_EQ(slice.sopClassUid, UID_MRImageStorage);
    EXPECT_EQ(slice.frameNumber, 0u);
    EXPECT_DOUBLE_EQ(slice.positionMm[2], 2.0 * double(k)); // ascending along the normal
    EXPECT_DOUBLE_EQ(source.instances.at(slice.sopInstanceUid).positionMm[2], 2.0 * double(k));
  }
  EXPECT_EQ(reference.studyInstanceUid, source.studyUid);
  EXPECT_EQ(reference.seriesInstanceUid, source.seriesUid);
  EXPECT_EQ(reference.frameOfReferenceUid, source.frameOfReferenceUid);
  EXPECT_EQ(reference.patientName, "Synthetic^Phantom");
  EXPECT_EQ(reference.patientId, "SYN001");
  EXPECT_EQ(reference.seriesNumber, "7");
  EXPECT_DOUBLE_EQ(reference.sliceThicknessMm, 2.0);
  EXPECT_TRUE(reference.geometry.sameGrid(loaded.image.geometry(), 0.0));
}

TEST(DicomSeriesReference, ReadImage_UnevenlySpacedSeries_HasNoReference) {
  TempDir work("strega-dicom-seg");
  writeSyntheticSeries(work.path(), true, {0.0, 2.0, 5.0}); // resampled onto a regular grid: no slice-to-file map
  const LoadedImage loaded = readImage(work.path());
  ASSERT_FALSE(loaded.info.warnings.empty());
  EXPECT_FALSE(loaded.dicomSeries.has_value());
}

TEST(DicomSegWriter, WriteDicomSeg_ClassicSyntheticSeries_ValidAndMatchesMask) {
  TempDir work("strega-dicom-seg");
  const fs::path series = work.path() / "series";
  writeSyntheticSeries(series, true, {0.0, 2.0, 4.0, 6.0});
  const LoadedImage loaded = readImage(series);
  ASSERT_TRUE(loaded.dicomSeries.has_value());
  Mask mask(loaded.image.geometry());
  mask.data()[0] = 1;                                                     // slice 0, first voxel
  mask.data()[2 * 12 + 3 * 3 + 2] = 7;                                    // slice 2, last voxel (column 2 of row 3)
  std::fill(mask.data() + 3 * 12, mask.data() + 4 * 12, std::uint8_t{1}); // slice 3 full; slice 1 empty
  const fs::path segFile = work.path() / "seg.dcm";
  writeDicomSeg(mask, *loaded.dicomSeries, segFile);
  expectSegMatches(segFile, readSourceFolder(series), mask);
  expectNoDciodvfyErrors(segFile);
}

TEST(DicomSegWriter, WriteDicomSeg_EnhancedMultiFrameSource_ReferencesSourceFrames) {
  TempDir work("strega-dicom-seg");
  const fs::path series = work.path() / "series";
  fs::create_directories(series);
  const fs::path file = series / "enhanced.dcm";
  test::writeEnhancedMr({{Vec3{0, 0, 0}, 10}, {Vec3{0, 0, 1.5}, 20}, {Vec3{0, 0, 3}, 30}}, file);
  addFrameOfReference(file, test::newUid());
  const LoadedImage loaded = readImage(file);
  ASSERT_TRUE(loaded.dicomSeries.has_value());
  ASSERT_EQ(loaded.dicomSeries->slices.size(), 3u);
  EXPECT_EQ(loaded.dicomSeries->slices[2].frameNumber, 3u);
  Mask mask(loaded.image.geometry());
  mask.data()[5] = 1;
  mask.data()[12 + 6] = 1;
  const fs::path segFile = work.path() / "seg.dcm";
  writeDicomSeg(mask, *loaded.dicomSeries, segFile);
  expectSegMatches(segFile, readSourceFolder(series), mask, /*multiFrameSource=*/true);
  expectNoDciodvfyErrors(segFile);
}

/// A valid reference and a mask on its grid, from a synthetic series on disk.
struct SyntheticCase {
  TempDir work{"strega-dicom-seg"};
  DicomSeriesReference reference;
  Mask mask;
  SyntheticCase() {
    writeSyntheticSeries(work.path() / "series", true, {0.0, 2.0, 4.0});
    LoadedImage loaded = readImage(work.path() / "series");
    reference = loaded.dicomSeries.value();
    mask = Mask(loaded.image.geometry(), 1);
  }
};

/// The user message of the Error that `write` throws (and that it is InvalidArgument), or "" when none is thrown.
template <class Write> std::string refusal(Write&& write) {
  try {
    write();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::InvalidArgument) << error.userMessage();
    return error.userMessage();
  }
  return {};
}

TEST(DicomSegWriter, WriteDicomSeg_MaskNotOnSeriesGrid_ThrowsAndWritesNothing) {
  SyntheticCase c;
  const fs::path segFile = c.work.path() / "seg.dcm";

  ImageGeometry smaller = c.mask.geometry();
  smaller.size[2] = 2;
  EXPECT_NE(
    refusal([&] { writeDicomSeg(Mask(smaller, 1), c.reference, segFile); }).find("not on the DICOM series' grid"),
    std::string::npos);

  ImageGeometry shifted = c.mask.geometry();
  shifted.originMm[0] += 0.5;
  const std::string message = refusal([&] { writeDicomSeg(Mask(shifted, 1), c.reference, segFile); });
  EXPECT_NE(message.find("origin differs by 0.5 mm"), std::string::npos) << message;

  ImageGeometry coarser = c.mask.geometry();
  coarser.spacingMm[0] *= 2.0;
  EXPECT_NE(refusal([&] { writeDicomSeg(Mask(coarser, 1), c.reference, segFile); }).find("voxel spacing"),
            std::string::npos);

  ImageGeometry rotated = c.mask.geometry();
  rotated.direction = Mat3{0, 1, 0, 1, 0, 0, 0, 0, -1};
  EXPECT_NE(refusal([&] { writeDicomSeg(Mask(rotated, 1), c.reference, segFile); }).find("orientation"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(segFile));
  EXPECT_EQ(std::distance(fs::directory_iterator(c.work.path()), fs::directory_iterator()), 1); // just the series
}

TEST(DicomSegWriter, WriteDicomSeg_UnusableReference_Throws) {
  SyntheticCase c;
  const fs::path segFile = c.work.path() / "seg.dcm";

  EXPECT_NE(refusal([&] { writeDicomSeg(c.mask, DicomSeriesReference{}, segFile); }).find("names no source slices"),
            std::string::npos);

  DicomSeriesReference noFrameOfReference = c.reference;
  noFrameOfReference.frameOfReferenceUid.clear();
  EXPECT_NE(refusal([&] { writeDicomSeg(c.mask, noFrameOfReference, segFile); }).find("Frame of Reference UID"),
            std::string::npos);

  DicomSeriesReference noStudy = c.reference;
  noStudy.studyInstanceUid.clear();
  EXPECT_NE(refusal([&] { writeDicomSeg(c.mask, noStudy, segFile); }).find("Study Instance UID"), std::string::npos);

  DicomSeriesReference missingSlice = c.reference;
  missingSlice.slices.pop_back();
  EXPECT_NE(refusal([&] { writeDicomSeg(c.mask, missingSlice, segFile); }).find("names 2 slices"), std::string::npos);

  DicomSeriesReference swapped = c.reference;
  std::swap(swapped.slices[0], swapped.slices[2]);
  EXPECT_NE(refusal([&] { writeDicomSeg(c.mask, swapped, segFile); }).find("source slice 0 lies 4 mm"),
            std::string::npos);

  DicomSeriesReference noInstance = c.reference;
  noInstance.slices[1].sopInstanceUid.clear();
  EXPECT_NE(refusal([&] { writeDicomSeg(c.mask, noInstance, segFile); }).find("source slice 1"), std::string::npos);
  EXPECT_FALSE(fs::exists(segFile));
}

TEST(DicomSeriesReference, ReadImage_SeriesWithoutFrameOfReference_WritingSegRefused) {
  TempDir work("strega-dicom-seg");
  writeSyntheticSeries(work.path() / "series", false, {0.0, 2.0});
  const LoadedImage loaded = readImage(work.path() / "series");
  ASSERT_TRUE(loaded.dicomSeries.has_value());
  EXPECT_TRUE(loaded.dicomSeries->frameOfReferenceUid.empty());
  const std::string message =
    refusal([&] { writeDicomSeg(Mask(loaded.image.geometry(), 1), *loaded.dicomSeries, work.path() / "seg.dcm"); });
  EXPECT_NE(message.find("no Frame of Reference UID"), std::string::npos) << message;
}

} // namespace
} // namespace strega::io
