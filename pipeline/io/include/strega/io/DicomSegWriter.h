#pragma once
/// \file
/// \brief writeDicomSeg(): an anomaly mask as a binary DICOM Segmentation (SEG) object that references the DICOM
/// series the mask was computed from.

#include "strega/core/Volume.h"
#include "strega/io/DicomSeriesReference.h"

#include <filesystem>

namespace strega::io {

/// Writes `mask` as a DICOM Segmentation Storage object (binary, one segment) that references the source series
/// described by `source`, atomically (temporary file in the target folder, renamed into place; after a failure
/// `path` is untouched).
///
/// How to call it: load the DICOM series with readImage(); keep LoadedImage::dicomSeries (empty means the series
/// cannot be referenced slice by slice, see DicomSeriesReference: write no SEG then); run the pipeline and bring
/// its mask back to the loaded image's own grid (the native grid, as for mask.nii.gz: same size, spacing, origin
/// and direction, LPS mm), then
/// \code
///   const LoadedImage loaded = io::readImage(dicomFolder);
///   ... Mask mask = <anomaly mask on loaded.image.geometry()> ...
///   if (loaded.dicomSeries) io::writeDicomSeg(mask, *loaded.dicomSeries, outputFolder / "seg.dcm");
/// \endcode
///
/// What is written:
/// - one segment, label "Anomaly", category SCT 49755003 "Morphologically Altered Structure", type SCT 52988006
///   "Lesion", algorithm type AUTOMATIC, algorithm name "StRegA"; every non-zero voxel of `mask` belongs to it;
/// - one frame per k slice of the mask, empty slices included, in k order (frame n+1 is slice n), so that the SEG
///   covers the whole source series and a mask without anomalies is still a valid SEG;
/// - the Patient module (name, ID, birth date, sex) and the General Study module copied from `source`, a new series
///   (modality SEG) in the same study, and the source's Frame of Reference UID;
/// - Referenced Series Sequence (Common Instance Reference module) naming every source instance;
/// - per frame: Derivation Image Sequence / Source Image Sequence to the source slice (with its frame number for a
///   multi-frame source), Plane Position (the source slice's ImagePositionPatient), Frame Content with dimension
///   index values (segment number, slice position); shared: Plane Orientation and Pixel Measures (pixel spacing,
///   slice thickness, spacing between slices) of the source grid.
///
/// Throws Error(InvalidArgument) when `source` names no slice or lacks a Study, Series or Frame of Reference UID or
/// a slice's SOP Class/Instance UID, and when `mask` does not lie on the source grid (size, spacing, origin or
/// direction differ); Error(Io) when the file cannot be written; Error(Internal) when DCMTK refuses the object.
void writeDicomSeg(const Mask& mask, const DicomSeriesReference& source, const std::filesystem::path& path);

} // namespace strega::io
