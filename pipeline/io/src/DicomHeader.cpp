// Reading the header of one DICOM file with DCMTK into plain structs (DicomHeader.h).
#include "DicomHeader.h"

#include "DicomParsed.h"

#include "strega/core/Error.h"

#include <dcmtk/config/osconfig.h>

#include <dcmtk/dcmdata/dccodec.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcstack.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcvr.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/oflog/oflog.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>

namespace strega::io::dicom {
namespace {

// Values larger than this are left on disk while reading headers (pixel data, big private blobs).
constexpr Uint32 kHeaderMaxReadLength = 1024;

std::string trim(const OFString& s) {
  const std::size_t first = s.find_first_not_of(" \t\r\n");
  if (first == OFString_npos) return {};
  const std::size_t last = s.find_last_not_of(" \t\r\n");
  return std::string(s.c_str() + first, last - first + 1);
}

/// Longest value getString() turns into text. The attributes read as text (UIDs, names, times, short numeric
/// lists) are far shorter; a corrupt length can make one hold thousands of values, which DCMTK formats in time
/// that grows with the square of their number.
constexpr Uint32 kMaxTextValueBytes = 4096;

std::string getString(DcmItem& item, const DcmTagKey& tag, bool searchIntoSub = false) {
  DcmElement* element = nullptr;
  if (item.findAndGetElement(tag, element, searchIntoSub).bad() || element == nullptr) return {};
  if (element->getLength() > kMaxTextValueBytes) return {};
  const DcmEVR vr = element->ident();
  if (vr == EVR_FD || vr == EVR_FL) {
    // Binary floats: print as a person would write them (3.2, not 3.2000000000000002).
    std::string text;
    for (unsigned long n = 0; n < element->getVM(); ++n) {
      Float64 value = 0.0;
      if (element->getFloat64(value, n).bad()) {
        Float32 single = 0.0f;
        if (element->getFloat32(single, n).bad()) continue;
        value = single;
      }
      char buffer[32];
      std::snprintf(buffer, sizeof buffer, vr == EVR_FL ? "%.7g" : "%.15g", value);
      text += (text.empty() ? "" : "\\") + std::string(buffer);
    }
    return text;
  }
  OFString value;
  if (element->getOFStringArray(value).good()) return trim(value);
  return {};
}

std::optional<double> getDouble(DcmItem& item, const DcmTagKey& tag, unsigned long pos = 0) {
  Float64 value = 0.0;
  if (item.findAndGetFloat64(tag, value, pos).good() && std::isfinite(value)) return value;
  // DS/IS values with stray characters: fall back to a lenient parse of the string.
  OFString text;
  if (item.findAndGetOFString(tag, text, pos).good()) {
    const std::string s = trim(text);
    char* end = nullptr;
    const double parsed = std::strtod(s.c_str(), &end);
    if (!s.empty() && end != s.c_str() && std::isfinite(parsed)) return parsed;
  }
  return std::nullopt;
}

unsigned getUnsigned(DcmItem& item, const DcmTagKey& tag, unsigned fallback = 0) {
  Uint16 value = 0;
  if (item.findAndGetUint16(tag, value).good()) return value;
  return fallback;
}

template <std::size_t N> std::optional<std::array<double, N>> getDoubles(DcmItem& item, const DcmTagKey& tag) {
  DcmElement* element = nullptr;
  if (item.findAndGetElement(tag, element).bad() || element == nullptr || element->getVM() < N) return std::nullopt;
  std::array<double, N> values{};
  for (std::size_t n = 0; n < N; ++n) {
    const auto v = getDouble(item, tag, n);
    if (!v) return std::nullopt;
    values[n] = *v;
  }
  return values;
}

DcmItem* sequenceItem(DcmItem& item, const DcmTagKey& sequence, long index = 0) {
  DcmItem* found = nullptr;
  if (item.findAndGetSequenceItem(sequence, found, index).good()) return found;
  return nullptr;
}

/// Seconds since midnight of a DICOM TM value ("HHMMSS.FFFFFF" or "HH:MM:SS"), or 0.
double timeOfDaySeconds(const std::string& tm) {
  std::string digits;
  std::string fraction;
  bool inFraction = false;
  for (char c : tm) {
    if (c == '.') {
      inFraction = true;
    } else if (c >= '0' && c <= '9') {
      (inFraction ? fraction : digits) += c;
    }
  }
  if (digits.empty()) return 0.0;
  digits.resize(6, '0');
  const double seconds =
    std::stoi(digits.substr(0, 2)) * 3600.0 + std::stoi(digits.substr(2, 2)) * 60.0 + std::stoi(digits.substr(4, 2));
  return fraction.empty() ? seconds : seconds + std::stod("0." + fraction);
}

/// Applies one functional-groups item (shared or per-frame) to a frame's geometry.
void applyFunctionalGroups(DcmItem& groups, FrameGeometry& frame) {
  if (DcmItem* position = sequenceItem(groups, DCM_PlanePositionSequence)) {
    if (auto ipp = getDoubles<3>(*position, DCM_ImagePositionPatient))
      frame.positionMm = Vec3{(*ipp)[0], (*ipp)[1], (*ipp)[2]};
  }
  if (DcmItem* orientation = sequenceItem(groups, DCM_PlaneOrientationSequence)) {
    if (auto iop = getDoubles<6>(*orientation, DCM_ImageOrientationPatient)) frame.orientation = *iop;
  }
  if (DcmItem* measures = sequenceItem(groups, DCM_PixelMeasuresSequence)) {
    if (auto spacing = getDoubles<2>(*measures, DCM_PixelSpacing)) frame.pixelSpacingMm = *spacing;
    if (auto thickness = getDouble(*measures, DCM_SliceThickness)) frame.sliceThicknessMm = *thickness;
  }
  if (DcmItem* transform = sequenceItem(groups, DCM_PixelValueTransformationSequence)) {
    if (auto slope = getDouble(*transform, DCM_RescaleSlope); slope && *slope != 0.0) frame.rescaleSlope = *slope;
    if (auto intercept = getDouble(*transform, DCM_RescaleIntercept)) frame.rescaleIntercept = *intercept;
  }
  if (DcmItem* content = sequenceItem(groups, DCM_FrameContentSequence)) {
    if (auto temporal = getDouble(*content, DCM_TemporalPositionIndex)) frame.orderKey[0] = *temporal;
  }
  if (DcmItem* echo = sequenceItem(groups, DCM_MREchoSequence)) {
    if (auto te = getDouble(*echo, DCM_EffectiveEchoTime)) frame.orderKey[1] = *te;
  }
}

/// DICOM attributes exposed in ImageInfo::metadata, by keyword (DCMTK's dictionary names are the keywords).
const DcmTagKey kMetadataTags[] = {DCM_PatientName,
                                   DCM_PatientID,
                                   DCM_PatientBirthDate,
                                   DCM_PatientSex,
                                   DCM_PatientAge,
                                   DCM_PatientWeight,
                                   DCM_StudyInstanceUID,
                                   DCM_StudyDate,
                                   DCM_StudyTime,
                                   DCM_StudyDescription,
                                   DCM_ReferringPhysicianName,
                                   DCM_SpecificCharacterSet,
                                   DCM_StudyID,
                                   DCM_AccessionNumber,
                                   DCM_SeriesInstanceUID,
                                   DCM_SeriesNumber,
                                   DCM_SeriesDescription,
                                   DCM_SeriesDate,
                                   DCM_SeriesTime,
                                   DCM_Modality,
                                   DCM_Manufacturer,
                                   DCM_ManufacturerModelName,
                                   DCM_InstitutionName,
                                   DCM_BodyPartExamined,
                                   DCM_ProtocolName,
                                   DCM_ImageType,
                                   DCM_SOPClassUID,
                                   DCM_FrameOfReferenceUID,
                                   DCM_ScanningSequence,
                                   DCM_SequenceVariant,
                                   DCM_SequenceName,
                                   DCM_MRAcquisitionType,
                                   DCM_MagneticFieldStrength,
                                   DCM_EchoTime,
                                   DCM_RepetitionTime,
                                   DCM_InversionTime,
                                   DCM_FlipAngle,
                                   DCM_EchoTrainLength,
                                   DCM_SliceThickness,
                                   DCM_SpacingBetweenSlices,
                                   DCM_KVP,
                                   DCM_ConvolutionKernel,
                                   DCM_PhotometricInterpretation,
                                   DCM_BitsAllocated,
                                   DCM_BitsStored,
                                   DCM_PixelRepresentation,
                                   DCM_RescaleType,
                                   DCM_DoseUnits,
                                   DCM_DoseGridScaling,
                                   DCM_NumberOfFrames};

/// Attributes that enhanced multi-frame objects keep inside functional groups: found there when not at top level.
const DcmTagKey kNestedFallbackTags[] = {DCM_EchoTime,       DCM_RepetitionTime, DCM_FlipAngle,
                                         DCM_SliceThickness, DCM_InversionTime,  DCM_EchoTrainLength};

std::string keywordOf(const DcmTagKey& key) {
  DcmTag tag(key);
  return tag.getTagName();
}

void readMetadata(DcmDataset& dataset, DicomFileHeader& header) {
  for (const DcmTagKey& key : kMetadataTags) {
    std::string value = getString(dataset, key);
    if (!value.empty()) header.metadata[keywordOf(key)] = std::move(value);
  }
  if (header.enhanced) {
    for (const DcmTagKey& key : kNestedFallbackTags) {
      const std::string keyword = keywordOf(key);
      if (header.metadata.count(keyword) == 0) {
        std::string value = getString(dataset, key, /*searchIntoSub=*/true);
        if (!value.empty()) header.metadata[keyword] = std::move(value);
      }
    }
    if (header.metadata.count("EchoTime") == 0) {
      std::string te = getString(dataset, DCM_EffectiveEchoTime, true);
      if (!te.empty()) header.metadata["EchoTime"] = std::move(te);
    }
  }
  if (!header.transferSyntaxUid.empty()) header.metadata["TransferSyntaxUID"] = header.transferSyntaxUid;
}

bool isSegmentation(const std::string& sopClassUid) { return sopClassUid == UID_SegmentationStorage; }

std::string sopClassName(const std::string& uid) {
  if (uid.empty()) return "unknown kind of";
  return dcmFindNameOfUID(uid.c_str(), uid.c_str());
}

/// Why this file's pixel data cannot be loaded, judged from the header; empty if it can.
std::string judgeProblem(const DicomFileHeader& h, E_TransferSyntax xfer, Uint32 pixelDataLength) {
  if (isSegmentation(h.sopClassUid)) return "DICOM SEG (segmentation) objects hold label masks, not images to screen";
  if (h.rows == 0 || h.columns == 0) return "the image has zero rows or columns";
  if (h.samplesPerPixel != 1 || (h.photometric != "MONOCHROME1" && h.photometric != "MONOCHROME2")) {
    return "colour images (PhotometricInterpretation " +
           (h.photometric.empty() ? std::string("missing") : h.photometric) +
           ") are not supported: StRegA reads greyscale MR/CT";
  }
  if (h.bitsAllocated != 8 && h.bitsAllocated != 16 && h.bitsAllocated != 32)
    return "BitsAllocated " + std::to_string(h.bitsAllocated) + " is not supported (8, 16 or 32 are)";
  if (h.bitsStored == 0 || h.bitsStored > h.bitsAllocated || h.highBit >= h.bitsAllocated ||
      h.highBit + 1 < h.bitsStored)
    return "inconsistent BitsStored/HighBit (" + std::to_string(h.bitsStored) + "/" + std::to_string(h.highBit) + ")";
  const DcmXfer x(xfer);
  const std::string uid = h.transferSyntaxUid;
  if (x.isEncapsulated()) {
    if (uid.rfind("1.2.840.10008.1.2.4.9", 0) == 0) // .90-.93: JPEG 2000 (Part 1 and Part 2)
      return "JPEG 2000 compressed pixel data is not supported (DCMTK's free codecs cannot decode it)";
    if (!DcmCodecList::canChangeCoding(xfer, EXS_LittleEndianExplicit))
      return std::string("compressed pixel data (") + x.getXferName() + ") is not supported";
  } else if (xfer != EXS_Unknown) {
    const std::uint64_t expected =
      std::uint64_t(h.rows) * h.columns * h.frames.size() * h.samplesPerPixel * (h.bitsAllocated / 8);
    if (pixelDataLength != DCM_UndefinedLength && pixelDataLength < expected) {
      return "the file is truncated: its pixel data has " + std::to_string(pixelDataLength) + " of " +
             std::to_string(expected) + " bytes";
    }
  }
  return {};
}

/// After a parse that broke off: removes the elements whose values were left to be read on demand (those longer
/// than kHeaderMaxReadLength). The element the break cut may claim any length up to 4 GiB; reading it later would
/// allocate that much and walk as many values. The header of a broken file is only reported as truncated, which
/// needs none of them.
void dropUnreadValues(DcmItem& root) {
  std::vector<std::pair<DcmItem*, DcmObject*>> unread;
  DcmStack stack;
  while (root.nextObject(stack, OFTrue).good()) {
    auto* element = dynamic_cast<DcmElement*>(stack.top());
    auto* parent = stack.card() > 1 ? dynamic_cast<DcmItem*>(stack.elem(1)) : nullptr;
    if (element != nullptr && parent != nullptr && element->isLeaf() && !element->valueLoaded())
      unread.emplace_back(parent, element);
  }
  for (auto& [parent, element] : unread)
    delete parent->remove(element);
}

} // namespace

void ensureDcmtkInitialized() {
  static std::once_flag once;
  std::call_once(once, [] {
    DJDecoderRegistration::registerCodecs();
    DJLSDecoderRegistration::registerCodecs();
    DcmRLEDecoderRegistration::registerCodecs();
    // Some writers put implicit-VR elements into explicit-VR datasets (pydicom reads those; so do we): read such
    // elements with the dictionary's VR instead of as UN.
    dcmAcceptUnexpectedImplicitEncoding.set(OFTrue);
    // Likewise, standard attributes written with VR UN are read with the dictionary's VR (as pydicom does).
    dcmEnableUnknownVRConversion.set(OFTrue);
    // DCMTK logs parse problems itself; they reach the user through Error instead.
    for (const char* name : {"dcmtk", "dcmtk.dcmdata", "dcmtk.dcmjpeg", "dcmtk.dcmjpls", "dcmtk.dcmimgle"})
      OFLog::getLogger(name).setLogLevel(OFLogger::FATAL_LOG_LEVEL);
  });
}

std::string describeNonImage(const DicomFileHeader& header) {
  if (header.directory) return "this is a DICOMDIR (an index of other files), not an image";
  if (header.sopClassUid.empty()) return "no image in this DICOM file: it has no pixel data";
  return "no image in this DICOM file: it is a " + sopClassName(header.sopClassUid) + " object without pixel data";
}

DicomFileHeader readDicomHeader(const std::filesystem::path& file, bool keepParsed) {
  ensureDcmtkInitialized();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec) || !std::ifstream(file, std::ios::binary).is_open())
    throw Error(ErrorKind::Io, "cannot open " + file.filename().string() + ": not a readable file", file.string());

  auto parsed = std::make_shared<ParsedDicom>();
  DcmFileFormat& fileFormat = parsed->fileFormat;
  const OFCondition status =
    fileFormat.loadFile(OFFilename(file.c_str()), EXS_Unknown, EGL_noChange, kHeaderMaxReadLength, ERM_autoDetect);
  DcmDataset* dataset = fileFormat.getDataset();
  // A file that ends early still yields what was parsed up to the break: when that identifies an image of a
  // series, keep it as a truncated image (a series then reports it as skipped); anything else is unreadable.
  const bool identified = dataset != nullptr && dataset->tagExists(DCM_SeriesInstanceUID) &&
                          (dataset->tagExists(DCM_Rows) || dataset->tagExists(DCM_PixelData));
  if (status.bad() && !identified) {
    throw Error(ErrorKind::InvalidInput,
                file.filename().string() + " is not a readable DICOM file (truncated or corrupt)", status.text());
  }
  if (status.bad()) dropUnreadValues(*dataset);

  DicomFileHeader h;
  h.path = file;
  DcmMetaInfo* meta = fileFormat.getMetaInfo();
  const E_TransferSyntax xfer = dataset->getOriginalXfer();
  h.transferSyntaxUid = DcmXfer(xfer).getXferID();
  std::string mediaClass;
  if (meta != nullptr) mediaClass = getString(*meta, DCM_MediaStorageSOPClassUID);
  h.sopClassUid = getString(*dataset, DCM_SOPClassUID);
  if (h.sopClassUid.empty()) h.sopClassUid = mediaClass;
  h.directory = mediaClass == UID_MediaStorageDirectoryStorage || dataset->tagExists(DCM_DirectoryRecordSequence);
  h.sopInstanceUid = getString(*dataset, DCM_SOPInstanceUID);
  h.studyUid = getString(*dataset, DCM_StudyInstanceUID);
  h.seriesUid = getString(*dataset, DCM_SeriesInstanceUID);
  h.modality = getString(*dataset, DCM_Modality);
  h.photometric = getString(*dataset, DCM_PhotometricInterpretation);
  h.rows = getUnsigned(*dataset, DCM_Rows);
  h.columns = getUnsigned(*dataset, DCM_Columns);
  h.samplesPerPixel = getUnsigned(*dataset, DCM_SamplesPerPixel, 1);
  h.bitsAllocated = getUnsigned(*dataset, DCM_BitsAllocated);
  h.bitsStored = getUnsigned(*dataset, DCM_BitsStored, h.bitsAllocated);
  h.highBit = getUnsigned(*dataset, DCM_HighBit, h.bitsStored > 0 ? h.bitsStored - 1 : 0);
  h.pixelRepresentation = getUnsigned(*dataset, DCM_PixelRepresentation);

  DcmElement* pixelData = nullptr;
  Uint32 pixelDataLength = 0;
  if (dataset->findAndGetElement(DCM_PixelData, pixelData).good() && pixelData != nullptr) {
    h.hasPixelData = true;
    pixelDataLength = pixelData->getLength();
  } else if (dataset->tagExists(DCM_FloatPixelData) || dataset->tagExists(DCM_DoubleFloatPixelData)) {
    h.hasPixelData = true;
    h.problem = "floating-point pixel data (parametric maps) is not supported";
  }

  // Geometry shared by all frames (classic attributes at top level).
  FrameGeometry base;
  if (auto ipp = getDoubles<3>(*dataset, DCM_ImagePositionPatient))
    base.positionMm = Vec3{(*ipp)[0], (*ipp)[1], (*ipp)[2]};
  if (auto iop = getDoubles<6>(*dataset, DCM_ImageOrientationPatient)) base.orientation = *iop;
  if (auto spacing = getDoubles<2>(*dataset, DCM_PixelSpacing))
    base.pixelSpacingMm = *spacing;
  else if (auto imager = getDoubles<2>(*dataset, DCM_ImagerPixelSpacing))
    base.pixelSpacingMm = *imager;
  base.sliceThicknessMm = getDouble(*dataset, DCM_SliceThickness).value_or(0.0);
  if (auto slope = getDouble(*dataset, DCM_RescaleSlope); slope && *slope != 0.0) base.rescaleSlope = *slope;
  base.rescaleIntercept = getDouble(*dataset, DCM_RescaleIntercept).value_or(0.0);
  base.orderKey = {
    getDouble(*dataset, DCM_TemporalPositionIdentifier).value_or(0.0),
    getDouble(*dataset, DCM_EchoNumbers).value_or(0.0), getDouble(*dataset, DCM_TriggerTime).value_or(0.0),
    timeOfDaySeconds(getString(*dataset, DCM_AcquisitionTime)), getDouble(*dataset, DCM_InstanceNumber).value_or(0.0)};

  long frameCount = 1;
  if (auto frames = getDouble(*dataset, DCM_NumberOfFrames); frames && *frames >= 1.0 && *frames < 1e7)
    frameCount = static_cast<long>(*frames);
  // Every frame takes at least one byte of pixel data (one 8-byte item when encapsulated, 1/8 byte when 1-bit), and
  // deflate packs at most 1032 bytes into one: a NumberOfFrames beyond that is corrupt, and would cost gigabytes
  // of per-frame geometry before the pixel data is judged.
  const double maxFrames =
    8.0 * double(std::filesystem::file_size(file, ec)) * (xfer == EXS_DeflatedLittleEndianExplicit ? 1032.0 : 1.0);
  if (!ec && double(frameCount) > maxFrames) {
    h.problem =
      "the file is corrupt: NumberOfFrames is " + std::to_string(frameCount) + ", more than its pixel data can hold";
    frameCount = 1;
  }

  DcmItem* shared = sequenceItem(*dataset, DCM_SharedFunctionalGroupsSequence);
  DcmSequenceOfItems* perFrame = nullptr;
  dataset->findAndGetSequence(DCM_PerFrameFunctionalGroupsSequence, perFrame);
  h.enhanced = shared != nullptr || perFrame != nullptr;
  if (shared != nullptr) applyFunctionalGroups(*shared, base);
  h.frames.assign(static_cast<std::size_t>(frameCount), base);
  if (perFrame != nullptr) {
    const long items = static_cast<long>(perFrame->card());
    for (long f = 0; f < frameCount && f < items; ++f) {
      if (DcmItem* item = perFrame->getItem(static_cast<unsigned long>(f)))
        applyFunctionalGroups(*item, h.frames[static_cast<std::size_t>(f)]);
    }
  } else if (frameCount > 1 && base.positionMm && base.orientation) {
    // Classic multi-frame (RT Dose, some NM/CT): frames offset along the normal by GridFrameOffsetVector.
    DcmElement* offsets = nullptr;
    if (dataset->findAndGetElement(DCM_GridFrameOffsetVector, offsets).good() && offsets != nullptr &&
        offsets->getVM() >= static_cast<unsigned long>(frameCount)) {
      const auto& o = *base.orientation;
      const Vec3 normal = cross(Vec3{o[0], o[1], o[2]}, Vec3{o[3], o[4], o[5]});
      const double first = getDouble(*dataset, DCM_GridFrameOffsetVector, 0).value_or(0.0);
      const bool relative = first == 0.0;
      const bool axial = std::abs(normal[2]) > 0.99999;
      if (relative || axial) {
        for (long f = 0; f < frameCount; ++f) {
          const double offset =
            getDouble(*dataset, DCM_GridFrameOffsetVector, static_cast<unsigned long>(f)).value_or(0.0);
          Vec3 p = *base.positionMm;
          if (relative)
            p = add(p, scale(normal, offset));
          else
            p[2] = offset; // absolute z coordinates (allowed for axial grids only)
          h.frames[static_cast<std::size_t>(f)].positionMm = p;
        }
      } else {
        h.problem = "GridFrameOffsetVector with absolute offsets on a non-axial grid is not supported";
      }
    }
  }

  // Character sets other than ASCII and UTF-8: convert names and descriptions to UTF-8 for display.
  const std::string charset = getString(*dataset, DCM_SpecificCharacterSet);
  if (!charset.empty() && charset != "ISO_IR 6" && charset != "ISO_IR 192")
    dataset->convertToUTF8(); // best effort; the raw bytes stay when a conversion fails
  readMetadata(*dataset, h);

  if (status.bad()) {
    h.hasPixelData = true;
    h.truncated = true;
    h.problem = std::string("the file is truncated or corrupt (") + status.text() + ")";
  } else if (h.hasPixelData && h.problem.empty()) {
    h.problem = judgeProblem(h, xfer, pixelDataLength);
    h.truncated = h.problem.rfind("the file is truncated", 0) == 0;
  }
  if (keepParsed && h.hasPixelData && h.problem.empty()) h.parsed = std::move(parsed);
  if (h.photometric == "MONOCHROME1")
    h.note = "MONOCHROME1 (low values bright): intensities inverted within the stored range so that higher is brighter";
  if (h.modality == "RTDOSE" && h.metadata.count("DoseGridScaling"))
    h.note = "RTDOSE values are stored values: multiply by DoseGridScaling " + h.metadata["DoseGridScaling"] +
             " for dose in " + (h.metadata.count("DoseUnits") ? h.metadata["DoseUnits"] : std::string("Gy"));
  return h;
}

} // namespace strega::io::dicom
