#pragma once
/// \file
/// \brief Reading volumes: NIfTI-1/2, NRRD, MetaImage (through ITK) and DICOM files and series (through DCMTK).

#include "strega/core/ProgressScope.h"
#include "strega/core/Volume.h"
#include "strega/io/DicomSeriesReference.h"
#include "strega/io/ImageInfo.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace strega::io {

/// \brief Options for readImage().
struct ReadOptions {
  /// For a 4D input: the frame (0-based) to take. Without it a 4D input is refused (ErrorKind::Unsupported).
  std::optional<std::size_t> frame;
  /// For a DICOM folder holding several series: the SeriesInstanceUID (or ImageInfo::seriesUid) to take.
  /// Without it the first MR series (by the order of scan()) is taken and a warning says which.
  std::string seriesUid;
};

/// \brief A loaded volume: float voxels on their LPS grid, and what was found about it.
struct LoadedImage {
  ImageF image;
  ImageInfo info;
  /// For a DICOM series loaded slice for slice: its source instances, for writeDicomSeg(). Empty for other
  /// formats and for DICOM volumes whose slices were interpolated (see DicomSeriesReference).
  std::optional<DicomSeriesReference> dicomSeries;
};

/// Everything loadable found at `path`: one entry for an image file; for a folder, every DICOM series found
/// recursively (split by geometry) and every NIfTI/NRRD/MetaImage file. Unreadable files inside a folder are
/// skipped; a path that holds nothing loadable throws Error(InvalidInput) with the reason.
std::vector<ImageInfo> scan(const std::filesystem::path& path, ProgressScope* progress = nullptr);

/// Load one volume from a file (any supported format, including a single DICOM file) or a DICOM folder.
/// Throws Error with a one-line user message for anything unreadable; never returns a partial image.
LoadedImage readImage(const std::filesystem::path& path, const ReadOptions& options = {},
                      ProgressScope* progress = nullptr);

} // namespace strega::io
