#pragma once
/// \file
/// \brief DicomSeriesReference: which DICOM instances a loaded volume came from, slice by slice, so that derived
/// DICOM objects (the SEG written by writeDicomSeg()) can point back at them.

#include "strega/core/ImageGeometry.h"
#include "strega/core/Math.h"

#include <cstdint>
#include <string>
#include <vector>

namespace strega::io {

/// \brief The source of one k slice of a loaded DICOM volume: a classic single-frame instance, or one frame of a
/// multi-frame (enhanced) instance.
struct DicomSliceSource {
  std::string sopClassUid;
  std::string sopInstanceUid;
  /// 1-based frame number within a multi-frame instance; 0 for a single-frame instance (nothing to name).
  std::uint32_t frameNumber = 0;
  /// ImagePositionPatient of the source frame as its file states it (LPS, mm: centre of its first voxel).
  Vec3 positionMm{0.0, 0.0, 0.0};
};

/// \brief What a DICOM series that was loaded as a volume is, for objects derived from it: the patient and study
/// it belongs to, its UIDs, and the source instance of every k slice in the loaded (sorted) order.
///
/// readImage() fills LoadedImage::dicomSeries when a DICOM volume is loaded whose k slices are exactly the acquired
/// slices (one source frame per slice). It is left empty when the loaded grid differs from the acquired slices
/// (slices interpolated onto a regular grid because the spacing was uneven or slices were missing) or when the
/// files lack ImagePositionPatient/ImageOrientationPatient: such a volume has no slice-to-instance mapping.
///
/// Text values are the attribute values as stored (trimmed), in the source's SpecificCharacterSet, so that they
/// can be copied into a derived object verbatim together with specificCharacterSet.
struct DicomSeriesReference {
  // Patient module.
  std::string patientName;
  std::string patientId;
  std::string patientBirthDate; ///< YYYYMMDD or empty
  std::string patientSex;       ///< "M", "F", "O" or empty
  // General Study module.
  std::string studyInstanceUid;
  std::string studyDate;
  std::string studyTime;
  std::string studyId;
  std::string studyDescription;
  std::string accessionNumber;
  std::string referringPhysicianName;
  // Series and frame of reference.
  std::string seriesInstanceUid; ///< the DICOM SeriesInstanceUID (without the "#2" split suffix of ImageInfo)
  std::string seriesNumber;
  std::string modality;
  std::string frameOfReferenceUid;
  std::string specificCharacterSet; ///< of the text values above; empty means the default repertoire (ASCII)
  /// The grid of the loaded volume (LPS, mm). A mask on this grid can be written as a SEG of this series.
  ImageGeometry geometry;
  /// SliceThickness of the source slices (mm); 0 when the files do not state it.
  double sliceThicknessMm = 0.0;
  /// The source of each k slice of `geometry`, k = 0 first (ascending along the slice normal).
  std::vector<DicomSliceSource> slices;
};

} // namespace strega::io
