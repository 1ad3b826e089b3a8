#pragma once
// Internal to strega::io: assembling DICOM headers into volumes. Pure C++ (no DCMTK): grouping by series, splitting
// stacks that differ in orientation/size/spacing, sorting along the slice normal, and deciding the slice grid.

#include "DicomHeader.h"

#include "strega/core/Error.h"
#include "strega/io/ImageInfo.h"

#include <cstddef>
#include <string>
#include <vector>

namespace strega::io::dicom {

/// One frame of one file: headers[file].frames[frame].
struct FrameRef {
  std::size_t file = 0;
  std::size_t frame = 0;
};

/// \brief How the frames along the slice normal become the k axis of the loaded volume.
struct SliceGrid {
  double spacingMm = 1.0; ///< spacing of the k axis
  std::size_t count = 1;  ///< slices of the k axis
  bool resampled = false; ///< the k grid differs from the acquired positions: slices are interpolated
  std::string warning;    ///< what was done and why, when resampled
  std::string refusal;    ///< non-empty: the positions are too irregular to make a grid of
};

/// Decides the k grid for acquired slice positions (mm along the normal, ascending, distinct). Spacing that varies
/// by at most 1% is regular; gaps that are whole multiples of the spacing are missing slices; anything else is
/// uneven spacing, resampled to the smallest gap. A single position gives `singleSliceSpacingMm` (or 1 mm if <= 0).
SliceGrid planSliceGrid(const std::vector<double>& positionsMm, double singleSliceSpacingMm);

/// \brief One loadable volume found among DICOM headers: its ImageInfo and how to assemble it.
struct SeriesPlan {
  ImageInfo info;                            ///< geometry of the volume as it will be loaded (after any resampling)
  std::string seriesInstanceUid;             ///< the DICOM SeriesInstanceUID, without the split suffix
  std::vector<std::size_t> files;            ///< indices into the headers, in path order
  std::vector<double> slicePositionsMm;      ///< acquired positions along the slice normal, ascending
  std::vector<std::vector<FrameRef>> frames; ///< [slice position][timepoint]
  bool resample = false;                     ///< interpolate from slicePositionsMm onto info.geometry's k grid
  std::string refusal;                       ///< non-empty: why this volume cannot be loaded (one line)
  ErrorKind refusalKind = ErrorKind::Unsupported;
};

/// Every volume among `headers` (files without pixel data, DICOMDIRs and truncated files left out), grouped by
/// SeriesInstanceUID and split by orientation, size and spacing (the largest stack keeps the UID, the others get
/// "UID#2", "UID#3", ...). Ordered by patient, study, series number and UID.
std::vector<SeriesPlan> planSeries(const std::vector<DicomFileHeader>& headers);

} // namespace strega::io::dicom
