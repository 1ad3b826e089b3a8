// writeDicomSeg(): a mask as a binary DICOM Segmentation through DCMTK's dcmseg (DicomSegWriter.h).
#include "strega/io/DicomSegWriter.h"

#include "DicomHeader.h"

#include "strega/core/AtomicOutput.h"
#include "strega/core/Error.h"
#include "strega/core/Version.h"

#include <dcmtk/config/osconfig.h>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmfg/fgderimg.h>
#include <dcmtk/dcmfg/fgfracon.h>
#include <dcmtk/dcmfg/fgpixmsr.h>
#include <dcmtk/dcmfg/fgplanor.h>
#include <dcmtk/dcmfg/fgplanpo.h>
#include <dcmtk/dcmiod/iodreferences.h>
#include <dcmtk/dcmseg/segdoc.h>
#include <dcmtk/dcmseg/segment.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace strega::io {
namespace {

// A mask is "on the series grid" when it matches the grid the series was loaded on this closely. Looser than
// ImageGeometry::sameGrid's default so that a mask that went through a NIfTI file (single-precision sform) and back
// still matches, far tighter than any voxel.
constexpr double kGridSpacingToleranceMm = 1e-3;
constexpr double kGridOriginToleranceMm = 1e-2;
constexpr double kGridDirectionTolerance = 1e-4;

/// A decimal string (DICOM DS) of at most 16 characters with as many significant digits as fit.
std::string decimalString(double value) {
  if (std::abs(value) < 1e-12) return "0";
  char buffer[64];
  for (int digits = 12; digits > 1; --digits) {
    std::snprintf(buffer, sizeof buffer, "%.*g", digits, value);
    if (std::char_traits<char>::length(buffer) <= 16) break;
  }
  return buffer;
}

std::string sizeText(const Size3& size) {
  return std::to_string(size[0]) + "x" + std::to_string(size[1]) + "x" + std::to_string(size[2]);
}

[[noreturn]] void refuse(const std::string& message) {
  throw Error(ErrorKind::InvalidArgument, "cannot write the DICOM SEG: " + message);
}

/// Refuses a reference that cannot be written as SEG references and a mask that is not on its grid.
void checkInputs(const Mask& mask, const DicomSeriesReference& source) {
  if (source.slices.empty()) refuse("the DICOM series reference names no source slices");
  if (source.studyInstanceUid.empty()) refuse("the source DICOM series has no Study Instance UID");
  if (source.seriesInstanceUid.empty()) refuse("the source DICOM series has no Series Instance UID");
  if (source.frameOfReferenceUid.empty())
    refuse("the source DICOM series has no Frame of Reference UID, so a SEG cannot be placed on it");
  for (std::size_t k = 0; k < source.slices.size(); ++k) {
    if (source.slices[k].sopClassUid.empty() || source.slices[k].sopInstanceUid.empty())
      refuse("source slice " + std::to_string(k) + " has no SOP Class or SOP Instance UID");
  }
  const ImageGeometry& g = mask.geometry();
  const ImageGeometry& s = source.geometry;
  if (source.slices.size() != s.size[2]) {
    refuse("the DICOM series reference names " + std::to_string(source.slices.size()) + " slices but its grid has " +
           std::to_string(s.size[2]));
  }
  if (g.size != s.size) {
    refuse("the mask (" + sizeText(g.size) + " voxels) is not on the DICOM series' grid (" + sizeText(s.size) +
           " voxels); bring it back to the series' native grid first");
  }
  if (mask.voxelCount() != g.voxelCount()) refuse("the mask holds fewer voxels than its size says");
  if (s.size[0] > 65535 || s.size[1] > 65535) refuse("the slices are larger than DICOM's 65535 rows or columns");
  const auto differs = [&](const char* what, double difference, double tolerance, const char* unit) {
    if (difference > tolerance) {
      refuse(std::string("the mask is not on the DICOM series' grid (its ") + what + " differs by " +
             decimalString(difference) + unit + "); bring it back to the series' native grid first");
    }
  };
  differs("voxel spacing", maxAbsDifference(g.spacingMm, s.spacingMm), kGridSpacingToleranceMm, " mm");
  differs("origin", maxAbsDifference(g.originMm, s.originMm), kGridOriginToleranceMm, " mm");
  differs("orientation", maxAbsDifference(g.direction, s.direction), kGridDirectionTolerance, "");
  // Each frame is placed at its source slice's own position; a reference whose slices are not where the grid puts
  // them (nearer another slice than its own) would attach mask slices to the wrong images.
  for (std::size_t k = 0; k < source.slices.size(); ++k) {
    const Vec3 onGrid = s.indexToPhysical(Vec3{0.0, 0.0, static_cast<double>(k)});
    const double offsetMm = norm(subtract(source.slices[k].positionMm, onGrid));
    if (offsetMm > 0.5 * s.spacingMm[2]) {
      refuse("source slice " + std::to_string(k) + " lies " + decimalString(offsetMm) +
             " mm from where the series' grid puts it");
    }
  }
}

[[noreturn]] void dcmtkFailed(const std::string& what, const OFCondition& condition) {
  throw Error(ErrorKind::Internal, "cannot write the DICOM SEG: " + what, condition.text());
}

void check(const OFCondition& condition, const std::string& what) {
  if (condition.bad()) dcmtkFailed(what, condition);
}

std::string newUid(const char* root) {
  char uid[100];
  dcmGenerateUniqueIdentifier(uid, root);
  return uid;
}

/// Source series number + 1000: scanners number derived series that way so that they sort beside their source.
std::string derivedSeriesNumber(const std::string& sourceNumber) {
  char* end = nullptr;
  const long number = std::strtol(sourceNumber.c_str(), &end, 10);
  if (end == sourceNumber.c_str() || number < 0 || number > 1000000) return "1000";
  return std::to_string(number + 1000);
}

/// Copies patient, study, series and frame of reference attributes. Source values are copied unchecked: they are
/// what the source series holds, and refusing a SEG over, say, a non-standard PatientSex would help nobody.
void describe(DcmSegmentation& seg, const DicomSeriesReference& source) {
  IODPatientModule& patient = seg.getPatient();
  check(patient.setPatientName(source.patientName.c_str(), OFFalse), "PatientName");
  check(patient.setPatientID(source.patientId.c_str(), OFFalse), "PatientID");
  check(patient.setPatientBirthDate(source.patientBirthDate.c_str(), OFFalse), "PatientBirthDate");
  check(patient.setPatientSex(source.patientSex.c_str(), OFFalse), "PatientSex");

  IODGeneralStudyModule& study = seg.getStudy();
  check(study.setStudyInstanceUID(source.studyInstanceUid.c_str(), OFFalse), "StudyInstanceUID");
  check(study.setStudyDate(source.studyDate.c_str(), OFFalse), "StudyDate");
  check(study.setStudyTime(source.studyTime.c_str(), OFFalse), "StudyTime");
  check(study.setStudyID(source.studyId.c_str(), OFFalse), "StudyID");
  check(study.setAccessionNumber(source.accessionNumber.c_str(), OFFalse), "AccessionNumber");
  check(study.setReferringPhysicianName(source.referringPhysicianName.c_str(), OFFalse), "ReferringPhysicianName");
  if (!source.studyDescription.empty())
    check(study.setStudyDescription(source.studyDescription.c_str(), OFFalse), "StudyDescription");

  IODGeneralSeriesModule& series = seg.getSeries();
  check(series.setSeriesInstanceUID(newUid(SITE_SERIES_UID_ROOT).c_str()), "SeriesInstanceUID");
  check(series.setSeriesNumber(derivedSeriesNumber(source.seriesNumber).c_str()), "SeriesNumber");
  check(series.setSeriesDescription("StRegA anomaly segmentation"), "SeriesDescription");

  check(seg.getFrameOfReference().setFrameOfReferenceUID(source.frameOfReferenceUid.c_str(), OFFalse),
        "FrameOfReferenceUID");
  IODSOPCommonModule& sop = seg.getSOPCommon();
  check(sop.setSOPInstanceUID(newUid(SITE_INSTANCE_UID_ROOT).c_str()), "SOPInstanceUID");
  // The copied names keep their bytes, so the SEG must declare the source's character set.
  if (!source.specificCharacterSet.empty())
    check(sop.setSpecificCharacterSet(source.specificCharacterSet.c_str(), OFFalse), "SpecificCharacterSet");
}

void addSegment(DcmSegmentation& seg) {
  DcmSegment* created = nullptr;
  check(DcmSegment::create(created, "Anomaly",
                           CodeSequenceMacro("49755003", "SCT", "Morphologically Altered Structure"),
                           CodeSequenceMacro("52988006", "SCT", "Lesion"), DcmSegTypes::SAT_AUTOMATIC, "StRegA"),
        "segment");
  std::unique_ptr<DcmSegment> segment(created);
  check(segment->setSegmentDescription("voxels StRegA flags as anomalous"), "SegmentDescription");
  Uint16 segmentNumber = 0;
  check(seg.addSegment(segment.get(), segmentNumber), "segment");
  segment.release(); // owned by the segmentation now
}

/// Plane orientation and pixel measures: one grid for all frames.
void addSharedGroups(DcmSegmentation& seg, const DicomSeriesReference& source) {
  const ImageGeometry& g = source.geometry;
  std::unique_ptr<FGPlaneOrientationPatient> orientation(FGPlaneOrientationPatient::createMinimal(
    decimalString(g.direction[0]).c_str(), decimalString(g.direction[3]).c_str(), decimalString(g.direction[6]).c_str(),
    decimalString(g.direction[1]).c_str(), decimalString(g.direction[4]).c_str(),
    decimalString(g.direction[7]).c_str()));
  if (!orientation) dcmtkFailed("plane orientation", EC_IllegalParameter);
  check(seg.addForAllFrames(*orientation), "plane orientation");

  FGPixelMeasures measures;
  // PixelSpacing is (between rows, between columns): rows step along j, columns along i.
  const std::string pixelSpacing = decimalString(g.spacingMm[1]) + "\\" + decimalString(g.spacingMm[0]);
  check(measures.setPixelSpacing(pixelSpacing.c_str()), "PixelSpacing");
  const double thicknessMm = source.sliceThicknessMm > 0 ? source.sliceThicknessMm : g.spacingMm[2];
  check(measures.setSliceThickness(decimalString(thicknessMm).c_str()), "SliceThickness");
  check(measures.setSpacingBetweenSlices(decimalString(g.spacingMm[2]).c_str()), "SpacingBetweenSlices");
  check(seg.addForAllFrames(measures), "pixel measures");
}

/// Common Instance Reference module: every source instance once (a multi-frame source is one instance).
void addSeriesReference(DcmSegmentation& seg, const DicomSeriesReference& source) {
  IODReferences references;
  std::set<std::string> seen;
  for (const DicomSliceSource& slice : source.slices) {
    if (!seen.insert(slice.sopInstanceUid).second) continue;
    auto* reference =
      new IODImageReference(source.patientId.c_str(), source.studyInstanceUid.c_str(), source.seriesInstanceUid.c_str(),
                            slice.sopInstanceUid.c_str(), slice.sopClassUid.c_str());
    if (!references.add(reference)) { // add() takes ownership only when it succeeds
      delete reference;
      dcmtkFailed("referenced instance " + slice.sopInstanceUid, EC_IllegalParameter);
    }
  }
  if (seg.getCommonInstanceReference().addReferences(references, source.studyInstanceUid.c_str()) != seen.size())
    dcmtkFailed("Referenced Series Sequence", EC_IllegalParameter);
}

/// Adds frame k: its pixels (0/1), where it lies, where it came from, and its dimension index values.
void addFrame(DcmSegmentation& seg, const Mask& mask, const DicomSeriesReference& source, std::size_t k) {
  const ImageGeometry& g = mask.geometry();
  const std::size_t samples = g.size[0] * g.size[1];
  // Volume layout is i fastest, then j: exactly a DICOM frame (columns along i, rows along j).
  std::vector<Uint8> pixels(samples);
  const std::uint8_t* slice = mask.data() + k * samples;
  std::transform(slice, slice + samples, pixels.begin(), [](std::uint8_t v) { return v != 0 ? 1 : 0; });

  const DicomSliceSource& from = source.slices[k];
  std::unique_ptr<FGPlanePosPatient> position(FGPlanePosPatient::createMinimal(
    decimalString(from.positionMm[0]).c_str(), decimalString(from.positionMm[1]).c_str(),
    decimalString(from.positionMm[2]).c_str()));
  if (!position) dcmtkFailed("plane position of frame " + std::to_string(k + 1), EC_IllegalParameter);

  FGFrameContent content;
  check(content.setDimensionIndexValues(1, 0), "dimension index (segment)");
  check(content.setDimensionIndexValues(static_cast<Uint32>(k + 1), 1), "dimension index (position)");

  ImageSOPInstanceReferenceMacro* created = nullptr;
  check(ImageSOPInstanceReferenceMacro::create(from.sopClassUid.c_str(), from.sopInstanceUid.c_str(), created),
        "source image reference of frame " + std::to_string(k + 1));
  std::unique_ptr<ImageSOPInstanceReferenceMacro> sourceImage(created);
  OFVector<ImageSOPInstanceReferenceMacro> sourceImages;
  sourceImages.push_back(*sourceImage);
  std::unique_ptr<FGDerivationImage> derivation(
    DcmSegmentation::createDerivationImageFG(sourceImages, "StRegA anomaly detection"));
  if (!derivation) dcmtkFailed("derivation image of frame " + std::to_string(k + 1), EC_IllegalParameter);

  OFVector<FGBase*> perFrame;
  perFrame.push_back(position.get());
  perFrame.push_back(&content);
  perFrame.push_back(derivation.get());
  check(seg.addFrame(pixels.data(), 1, perFrame), "frame " + std::to_string(k + 1)); // copies what it keeps
}

/// Referenced Frame Number in each frame's Source Image Sequence item, for multi-frame sources. Written into the
/// dataset after DCMTK built it, because DCMTK 3.6.7's ImageSOPInstanceReferenceMacro fails to take frame numbers
/// for image (non-SEG) SOP classes: create() with frame numbers and setReferencedFrameNumber() both return an error.
void addSourceFrameNumbers(DcmDataset& dataset, const DicomSeriesReference& source) {
  for (std::size_t k = 0; k < source.slices.size(); ++k) {
    const std::uint32_t frameNumber = source.slices[k].frameNumber;
    if (frameNumber == 0) continue;
    DcmItem* groups = nullptr;
    DcmItem* derivation = nullptr;
    DcmItem* sourceImage = nullptr;
    const std::string what = "source frame number of frame " + std::to_string(k + 1);
    check(dataset.findAndGetSequenceItem(DCM_PerFrameFunctionalGroupsSequence, groups, static_cast<int>(k)), what);
    check(groups->findAndGetSequenceItem(DCM_DerivationImageSequence, derivation, 0), what);
    check(derivation->findAndGetSequenceItem(DCM_SourceImageSequence, sourceImage, 0), what);
    check(sourceImage->putAndInsertOFStringArray(DCM_ReferencedFrameNumber, std::to_string(frameNumber).c_str()), what);
  }
}

} // namespace

void writeDicomSeg(const Mask& mask, const DicomSeriesReference& source, const std::filesystem::path& path) {
  checkInputs(mask, source);
  dicom::ensureDcmtkInitialized();
  const ImageGeometry& g = mask.geometry();

  const std::string software = std::string(versionString()) + " (" + gitCommit() + ")";
  // DeviceSerialNumber is type 1 in the Enhanced General Equipment module; software has no serial number.
  const IODGeneralEquipmentModule::EquipmentInfo equipment("StRegA", "StRegA desktop", "0", software.c_str());
  // Content Creator's Name (PN, type 2) stays empty: a program is not a person, and "StRegA" as a PN is flagged by
  // validators as the retired single-component name form.
  const ContentIdentificationMacro content("1", "ANOMALY", "StRegA anomaly mask", "");
  DcmSegmentation* created = nullptr;
  check(DcmSegmentation::createBinarySegmentation(created, static_cast<Uint16>(g.size[1]),
                                                  static_cast<Uint16>(g.size[0]), equipment, content),
        "segmentation");
  std::unique_ptr<DcmSegmentation> seg(created);

  describe(*seg, source);
  addSegment(*seg);
  addSharedGroups(*seg, source);
  addSeriesReference(*seg, source);

  // Frames are indexed by segment, then by position along the slice normal.
  const std::string dimensionUid = newUid(SITE_INSTANCE_UID_ROOT);
  IODMultiframeDimensionModule& dimensions = seg->getDimensions();
  check(dimensions.addDimensionIndex(DCM_ReferencedSegmentNumber, dimensionUid.c_str(),
                                     DCM_SegmentIdentificationSequence, "ReferencedSegmentNumber"),
        "dimension index (segment)");
  check(dimensions.addDimensionIndex(DCM_ImagePositionPatient, dimensionUid.c_str(), DCM_PlanePositionSequence,
                                     "ImagePositionPatient"),
        "dimension index (position)");
  for (std::size_t k = 0; k < g.size[2]; ++k)
    addFrame(*seg, mask, source, k);

  DcmFileFormat file;
  check(seg->writeDataset(*file.getDataset()), "dataset");
  addSourceFrameNumbers(*file.getDataset(), source);
  AtomicOutput output(path);
  const OFCondition saved = file.saveFile(output.tempPath().c_str(), EXS_LittleEndianExplicit);
  if (saved.bad()) throw Error(ErrorKind::Io, "cannot write " + path.string() + ": " + saved.text());
  output.commit();
}

} // namespace strega::io
