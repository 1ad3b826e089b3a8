#pragma once
// Tiny synthetic DICOM files written with DCMTK for the reader's unit tests: classic single-frame images with any
// geometry, pixel representation and transfer syntax, and enhanced multi-frame MR objects.

#include "strega/core/Math.h"

#include <dcmtk/config/osconfig.h>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcrleerg.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmjpeg/djencode.h>
#include <dcmtk/dcmjpeg/djrplol.h>
#include <dcmtk/dcmjpls/djencode.h>
#include <dcmtk/dcmjpls/djrparam.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace strega::test {

inline std::string newUid() {
  char buffer[100];
  return dcmGenerateUniqueIdentifier(buffer, SITE_INSTANCE_UID_ROOT);
}

/// "a\b\c" with full precision.
template <class Range> std::string joinDs(const Range& values) {
  std::ostringstream out;
  out.precision(10);
  bool first = true;
  for (double v : values) {
    out << (first ? "" : "\\") << v;
    first = false;
  }
  return out.str();
}

/// One classic single-frame image. Stored values are given as the raw 16-bit words (two's complement for signed).
struct SyntheticSlice {
  std::string seriesUid = "1.2.826.0.1.3680043.9.7777.1";
  std::string studyUid = "1.2.826.0.1.3680043.9.7777.0";
  std::string sopUid; ///< generated when empty
  std::string modality = "MR";
  std::string seriesDescription = "synthetic";
  int instanceNumber = 1;
  std::optional<int> echoNumber;
  std::optional<Vec3> position = Vec3{0, 0, 0};
  std::optional<std::array<double, 6>> orientation = std::array<double, 6>{1, 0, 0, 0, 1, 0};
  std::array<double, 2> pixelSpacing{1.0, 1.0}; ///< (between rows, between columns), as DICOM stores it
  double sliceThickness = 1.0;
  unsigned rows = 4;
  unsigned columns = 3;
  std::string photometric = "MONOCHROME2";
  unsigned bitsStored = 16;
  bool isSigned = false;
  std::optional<double> slope;
  std::optional<double> intercept;
  std::vector<std::uint16_t> words; ///< rows * columns raw values; filled with `fill` when empty
  std::uint16_t fill = 0;
  bool withPixelData = true;
  E_TransferSyntax transferSyntax = EXS_LittleEndianExplicit;
};

inline void registerEncoders() {
  static std::once_flag once;
  std::call_once(once, [] {
    DcmRLEEncoderRegistration::registerCodecs();
    DJLSEncoderRegistration::registerCodecs();
    DJEncoderRegistration::registerCodecs();
  });
}

inline void check(const OFCondition& status, const char* what) {
  if (status.bad()) throw std::runtime_error(std::string(what) + ": " + status.text());
}

inline void writeSlice(const SyntheticSlice& s, const std::filesystem::path& file) {
  DcmFileFormat fileFormat;
  DcmDataset* ds = fileFormat.getDataset();
  ds->putAndInsertString(DCM_SOPClassUID, s.modality == "CT" ? UID_CTImageStorage : UID_MRImageStorage);
  ds->putAndInsertString(DCM_SOPInstanceUID, s.sopUid.empty() ? newUid().c_str() : s.sopUid.c_str());
  ds->putAndInsertString(DCM_Modality, s.modality.c_str());
  ds->putAndInsertString(DCM_PatientName, "Synthetic^Phantom");
  ds->putAndInsertString(DCM_PatientID, "SYN001");
  ds->putAndInsertString(DCM_StudyInstanceUID, s.studyUid.c_str());
  ds->putAndInsertString(DCM_SeriesInstanceUID, s.seriesUid.c_str());
  ds->putAndInsertString(DCM_SeriesNumber, "7");
  ds->putAndInsertString(DCM_SeriesDescription, s.seriesDescription.c_str());
  ds->putAndInsertString(DCM_Manufacturer, "StRegA tests");
  ds->putAndInsertString(DCM_MagneticFieldStrength, "3");
  ds->putAndInsertString(DCM_EchoTime, "4.5");
  ds->putAndInsertString(DCM_RepetitionTime, "2000");
  ds->putAndInsertString(DCM_InstanceNumber, std::to_string(s.instanceNumber).c_str());
  if (s.echoNumber) ds->putAndInsertString(DCM_EchoNumbers, std::to_string(*s.echoNumber).c_str());
  if (s.position) ds->putAndInsertString(DCM_ImagePositionPatient, joinDs(*s.position).c_str());
  if (s.orientation) ds->putAndInsertString(DCM_ImageOrientationPatient, joinDs(*s.orientation).c_str());
  ds->putAndInsertString(DCM_PixelSpacing, joinDs(s.pixelSpacing).c_str());
  ds->putAndInsertString(DCM_SliceThickness, joinDs(std::array<double, 1>{s.sliceThickness}).c_str());
  if (s.slope) ds->putAndInsertString(DCM_RescaleSlope, joinDs(std::array<double, 1>{*s.slope}).c_str());
  if (s.intercept) ds->putAndInsertString(DCM_RescaleIntercept, joinDs(std::array<double, 1>{*s.intercept}).c_str());
  ds->putAndInsertUint16(DCM_Rows, static_cast<Uint16>(s.rows));
  ds->putAndInsertUint16(DCM_Columns, static_cast<Uint16>(s.columns));
  ds->putAndInsertUint16(DCM_SamplesPerPixel, 1);
  ds->putAndInsertString(DCM_PhotometricInterpretation, s.photometric.c_str());
  ds->putAndInsertUint16(DCM_BitsAllocated, 16);
  ds->putAndInsertUint16(DCM_BitsStored, static_cast<Uint16>(s.bitsStored));
  ds->putAndInsertUint16(DCM_HighBit, static_cast<Uint16>(s.bitsStored - 1));
  ds->putAndInsertUint16(DCM_PixelRepresentation, s.isSigned ? 1 : 0);
  if (s.withPixelData) {
    std::vector<Uint16> words(s.words.begin(), s.words.end());
    if (words.empty()) words.assign(std::size_t(s.rows) * s.columns, s.fill);
    check(ds->putAndInsertUint16Array(DCM_PixelData, words.data(), static_cast<unsigned long>(words.size())),
          "pixel data");
  }
  if (DcmXfer(s.transferSyntax).isEncapsulated()) {
    registerEncoders();
    DJLSRepresentationParameter jpegLs(0, OFTrue);
    DJ_RPLossless jpegLossless;
    const DcmRepresentationParameter* parameters = nullptr;
    if (s.transferSyntax == EXS_JPEGLSLossless)
      parameters = &jpegLs;
    else if (s.transferSyntax == EXS_JPEGProcess14SV1)
      parameters = &jpegLossless;
    check(ds->chooseRepresentation(s.transferSyntax, parameters), "compression");
  }
  check(fileFormat.saveFile(file.c_str(), s.transferSyntax), "save");
}

/// One frame of an enhanced multi-frame MR object.
struct SyntheticFrame {
  Vec3 position{0, 0, 0};
  std::uint16_t fill = 0;
  double slope = 1.0;
  double intercept = 0.0;
};

/// An enhanced MR object: shared pixel measures and orientation, per-frame positions and rescale.
inline void writeEnhancedMr(const std::vector<SyntheticFrame>& frames, const std::filesystem::path& file,
                            const std::array<double, 6>& orientation = {1, 0, 0, 0, 1, 0},
                            const std::array<double, 2>& pixelSpacing = {1.0, 1.0}, unsigned rows = 4,
                            unsigned columns = 3) {
  DcmFileFormat fileFormat;
  DcmDataset* ds = fileFormat.getDataset();
  ds->putAndInsertString(DCM_SOPClassUID, UID_EnhancedMRImageStorage);
  ds->putAndInsertString(DCM_SOPInstanceUID, newUid().c_str());
  ds->putAndInsertString(DCM_Modality, "MR");
  ds->putAndInsertString(DCM_PatientName, "Synthetic^Enhanced");
  ds->putAndInsertString(DCM_StudyInstanceUID, newUid().c_str());
  ds->putAndInsertString(DCM_SeriesInstanceUID, newUid().c_str());
  ds->putAndInsertString(DCM_SeriesDescription, "enhanced");
  ds->putAndInsertString(DCM_NumberOfFrames, std::to_string(frames.size()).c_str());
  ds->putAndInsertUint16(DCM_Rows, static_cast<Uint16>(rows));
  ds->putAndInsertUint16(DCM_Columns, static_cast<Uint16>(columns));
  ds->putAndInsertUint16(DCM_SamplesPerPixel, 1);
  ds->putAndInsertString(DCM_PhotometricInterpretation, "MONOCHROME2");
  ds->putAndInsertUint16(DCM_BitsAllocated, 16);
  ds->putAndInsertUint16(DCM_BitsStored, 16);
  ds->putAndInsertUint16(DCM_HighBit, 15);
  ds->putAndInsertUint16(DCM_PixelRepresentation, 0);
  DcmItem* shared = nullptr;
  check(ds->findOrCreateSequenceItem(DCM_SharedFunctionalGroupsSequence, shared, 0), "shared");
  DcmItem* item = nullptr;
  check(shared->findOrCreateSequenceItem(DCM_PixelMeasuresSequence, item, 0), "measures");
  item->putAndInsertString(DCM_PixelSpacing, joinDs(pixelSpacing).c_str());
  item->putAndInsertString(DCM_SliceThickness, "2");
  check(shared->findOrCreateSequenceItem(DCM_PlaneOrientationSequence, item, 0), "orientation");
  item->putAndInsertString(DCM_ImageOrientationPatient, joinDs(orientation).c_str());
  check(shared->findOrCreateSequenceItem(DCM_MRTimingAndRelatedParametersSequence, item, 0), "timing");
  item->putAndInsertString(DCM_RepetitionTime, "8.1");
  std::vector<Uint16> words;
  for (std::size_t f = 0; f < frames.size(); ++f) {
    DcmItem* perFrame = nullptr;
    check(ds->findOrCreateSequenceItem(DCM_PerFrameFunctionalGroupsSequence, perFrame, static_cast<long>(f)),
          "per-frame");
    check(perFrame->findOrCreateSequenceItem(DCM_PlanePositionSequence, item, 0), "position");
    item->putAndInsertString(DCM_ImagePositionPatient, joinDs(frames[f].position).c_str());
    check(perFrame->findOrCreateSequenceItem(DCM_PixelValueTransformationSequence, item, 0), "rescale");
    item->putAndInsertString(DCM_RescaleSlope, joinDs(std::array<double, 1>{frames[f].slope}).c_str());
    item->putAndInsertString(DCM_RescaleIntercept, joinDs(std::array<double, 1>{frames[f].intercept}).c_str());
    item->putAndInsertString(DCM_RescaleType, "US");
    check(perFrame->findOrCreateSequenceItem(DCM_MREchoSequence, item, 0), "echo");
    item->putAndInsertString(DCM_EffectiveEchoTime, "3.2");
    words.insert(words.end(), std::size_t(rows) * columns, frames[f].fill);
  }
  check(ds->putAndInsertUint16Array(DCM_PixelData, words.data(), static_cast<unsigned long>(words.size())), "pixels");
  check(fileFormat.saveFile(file.c_str(), EXS_LittleEndianExplicit), "save");
}

} // namespace strega::test
