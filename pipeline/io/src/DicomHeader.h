#pragma once
// Internal to strega::io: what one DICOM file says about its image, read with DCMTK without loading pixel data.
// Plain C++ types only, so that series planning (DicomSeries.h) and the tests need no DCMTK headers.

#include "strega/core/Math.h"

#include <array>
#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace strega::io::dicom {

/// Where one frame (a classic single-frame image, or one frame of a multi-frame object) lies, and how its stored
/// values map to output values. All optional fields are absent when the file does not state them.
struct FrameGeometry {
  std::optional<Vec3> positionMm;                      ///< ImagePositionPatient (LPS, mm): centre of the first voxel
  std::optional<std::array<double, 6>> orientation;    ///< ImageOrientationPatient: row cosines, then column cosines
  std::optional<std::array<double, 2>> pixelSpacingMm; ///< PixelSpacing as stored: (between rows, between columns)
  double sliceThicknessMm = 0.0;                       ///< SliceThickness; 0 when absent
  double rescaleSlope = 1.0;
  double rescaleIntercept = 0.0;
  /// Orders frames that share one position (echoes, timepoints): temporal position, echo, trigger time,
  /// acquisition time (s), instance number. Compared lexicographically, then file and frame order.
  std::array<double, 5> orderKey{};
};

/// DCMTK's parse of a file (DicomParsed.h); opaque here so that this header stays free of DCMTK.
struct ParsedDicom;

/// \brief The header of one DICOM file as far as assembling volumes needs it.
struct DicomFileHeader {
  std::filesystem::path path;
  std::string sopClassUid;
  std::string sopInstanceUid;
  std::string studyUid;
  std::string seriesUid;
  std::string modality;
  std::string transferSyntaxUid;
  std::string photometric; ///< PhotometricInterpretation, trimmed
  bool hasPixelData = false;
  bool enhanced = false;  ///< geometry came from functional groups (enhanced multi-frame)
  bool directory = false; ///< a DICOMDIR (Media Storage Directory), never an image
  bool truncated = false; ///< the file ends before its pixel data does
  unsigned rows = 0;
  unsigned columns = 0;
  unsigned samplesPerPixel = 1;
  unsigned bitsAllocated = 0;
  unsigned bitsStored = 0;
  unsigned highBit = 0;
  unsigned pixelRepresentation = 0;            ///< 0 unsigned, 1 two's complement
  std::vector<FrameGeometry> frames;           ///< one entry per frame (NumberOfFrames, 1 for classic images)
  std::map<std::string, std::string> metadata; ///< keyword -> value (multi-valued joined with '\')
  /// Why the pixel data of this file cannot be loaded (one line), empty when it can (as far as a header tells).
  std::string problem;
  /// A note about how values are produced (MONOCHROME1 inversion, RTDOSE scaling), empty if nothing to say.
  std::string note;
  /// The parsed file, kept when readDicomHeader was asked to (pixel data not loaded yet); null otherwise.
  std::shared_ptr<ParsedDicom> parsed;
};

/// Header of `file` (pixel data not loaded; large values skipped). With `keepParsed` the parse is kept in
/// DicomFileHeader::parsed for decodeFrames(). Throws Error(InvalidInput) when the file is not DICOM, cannot be
/// parsed, or is truncated; Error(Io) when it cannot be opened.
DicomFileHeader readDicomHeader(const std::filesystem::path& file, bool keepParsed = false);

/// One line saying why a file without pixel data is not an image ("... is a 12-lead ECG Waveform Storage object").
std::string describeNonImage(const DicomFileHeader& header);

/// Registers DCMTK's JPEG, JPEG-LS and RLE decoders and quietens DCMTK's own logging (once per process).
void ensureDcmtkInitialized();

} // namespace strega::io::dicom
