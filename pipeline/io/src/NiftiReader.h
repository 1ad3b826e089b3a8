#pragma once
// Internal to strega::io: reading NIfTI-1, NIfTI-2 and Analyze 7.5 files (.nii, .nii.gz, .hdr/.img).
//
// Why not ITK's NiftiImageIO (which still writes NIfTI, see ItkImageIo.cpp): measured on Debian's ITK 5.2.1 it
// (1) loads a truncated .nii.gz without any error (the missing voxels silently become zeros), (2) applies
// scl_inter when scl_slope is 0, which the standard says means "no scaling", (3) refuses an orthogonal sform
// whose scales disagree with pixdim, (4) prefers the qform over the sform, unlike FSL and nibabel, (5) reads no
// NIfTI-2, and (6) turns dim[5] into vector components so that a 5D file cannot be read frame by frame. The
// format is simple enough to read exactly, with every problem reported as one line, before allocating.

#include "strega/io/ImageReader.h"

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace strega::io::nifti {

/// \brief The fields of a NIfTI-1/NIfTI-2/Analyze header that loading needs, in native byte order.
struct NiftiHeader {
  int version = 1;          ///< 1 (NIfTI-1 or Analyze 7.5) or 2 (NIfTI-2)
  bool analyze = false;     ///< Analyze 7.5: a 348-byte header without NIfTI magic
  bool twoFile = false;     ///< .hdr/.img pair ("ni1"/"ni2" magic, or Analyze)
  bool byteSwapped = false; ///< file byte order differs from this machine's
  bool gzipped = false;
  std::array<std::int64_t, 8> dim{}; ///< dim[0] = number of dimensions
  std::array<double, 8> pixdim{};
  int datatype = 0;
  std::int64_t voxOffset = 0; ///< byte offset of the voxels in the data file (.nii, or .img)
  double sclSlope = 0.0, sclInter = 0.0;
  int qformCode = 0, sformCode = 0;
  std::array<double, 3> quatern{}; ///< b, c, d
  std::array<double, 3> qoffset{};
  std::array<std::array<double, 4>, 3> srow{};
  std::string descrip;
  std::string intentName;

  int dimensions() const { return static_cast<int>(dim[0]); }
  /// How voxels are stored (PixelType::Unknown for complex, RGB, binary ...).
  PixelType storedType() const;
  /// True when scl_slope/scl_inter change the values (slope finite and non-zero, and not the identity).
  bool rescales() const;
};

/// \brief Geometry (LPS) chosen from a header, and what the reader had to assume to get it.
struct NiftiGeometry {
  ImageGeometry geometry;
  std::string source;                ///< "sform", "qform" or "none"
  std::vector<std::string> warnings; ///< e.g. "the qform and sform disagree; used the sform"
};

/// True for the file names NIfTI/Analyze readers take: .nii, .nii.gz, .hdr, .img, .hdr.gz, .img.gz.
bool hasNiftiExtension(const std::filesystem::path& file);

/// Read and sanity-check the header of `file` (for .img: the .hdr beside it). Returns nullopt when the file is
/// not NIfTI/Analyze at all (wrong size field or magic). Throws Error(InvalidInput) when it is one but broken
/// (zero or negative dimensions, non-finite spacing or transform, unknown data type, an uncompressed file
/// shorter than its header says), Error(Unsupported) for complex/RGB data, Error(Io) when it cannot be opened.
std::optional<NiftiHeader> readHeader(const std::filesystem::path& file);

/// The grid in LPS: the sform when sform_code > 0 and it has no shear (as FSL and nibabel do), else the qform
/// when qform_code > 0, else pixdim on identity LPS axes (as ITK does; with a warning that nothing is known).
NiftiGeometry geometryOf(const NiftiHeader& header);

/// ImageInfo from the header (no voxels read); geometry validated.
ImageInfo info(const std::filesystem::path& file, const NiftiHeader& header);

/// Load the voxels as float (scl_slope/scl_inter applied); options.frame picks one volume of a 4D/5D file, read
/// alone. Refuses, before allocating, volumes over LoadLimits.h's limits; a short or corrupt gzip stream is
/// Error(InvalidInput, "... truncated ...").
LoadedImage read(const std::filesystem::path& file, const NiftiHeader& header, const ReadOptions& options,
                 ProgressScope* progress);

} // namespace strega::io::nifti
