#pragma once
/// \file
/// \brief ImageInfo: what `strega-cli info` reports about one volume or DICOM series, without loading voxels.

#include "strega/core/ImageGeometry.h"

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace strega::io {

/// \brief How voxels are stored on disk (the in-memory image is always float).
enum class PixelType { UInt8, Int8, UInt16, Int16, UInt32, Int32, UInt64, Int64, Float32, Float64, Unknown };

const char* toString(PixelType type);

/// \brief Geometry and metadata of one 3D volume found in a file or folder (a NIfTI file, a DICOM series).
///
/// Geometry is in LPS millimetres for the volume as it will be loaded (for DICOM: slices sorted along the slice
/// normal; for NIfTI: RAS converted to LPS). Metadata keys for DICOM follow the attribute keywords
/// ("PatientName", "StudyInstanceUID", "SeriesInstanceUID", "SeriesDescription", "StudyDate", ...).
struct ImageInfo {
  std::string path;          ///< file, or the folder holding the series
  std::string format;        ///< "NIfTI", "NRRD", "MetaImage", "DICOM", "DICOM (enhanced multi-frame)"
  ImageGeometry geometry;
  /// The narrowest type holding the loaded values exactly (the stored type, or wider/float when a rescale
  /// slope/intercept applies), so that converting "keeping the type" loses nothing.
  PixelType storedPixelType = PixelType::Unknown;
  std::size_t timepoints = 1;  ///< >1 for a 4D file or a series with repeated positions
  std::size_t components = 1;  ///< >1 for RGB / vector images
  std::string modality;        ///< DICOM Modality ("MR", "CT"); for NIfTI "" unless known
  std::string description;     ///< DICOM SeriesDescription, or NIfTI descrip
  std::string seriesUid;       ///< DICOM SeriesInstanceUID plus a split suffix ("...#2") when split; "" otherwise
  std::size_t fileCount = 1;   ///< files that make up this volume
  std::map<std::string, std::string> metadata;
  std::vector<std::string> warnings; ///< what was done to make it loadable (e.g. "resampled: uneven spacing")
};

} // namespace strega::io
