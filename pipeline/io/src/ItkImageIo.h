#pragma once
// Internal to strega::io: the non-DICOM half of scan()/readImage()/writeImage(). NRRD and MetaImage are read,
// and all formats written, through ITK's ImageIO classes (no itk::Image templates, to keep this layer cheap to
// compile); NIfTI is read by NiftiReader.h (why: see there). No ITK type appears in this header.

#include "strega/core/ImageGeometry.h"
#include "strega/io/ImageReader.h"

#include <filesystem>

namespace strega::io::itkio {

/// True when the file name says NIfTI/Analyze, NRRD or MetaImage (.nii, .nii.gz, .hdr, .img, .nrrd, .nhdr,
/// .mha, .mhd; case-insensitive).
bool hasImageExtension(const std::filesystem::path& file);

/// hasImageExtension() minus the data halves of two-file formats (.img): what a folder listing reports, so that
/// a .hdr/.img pair appears once.
bool isListedInFolder(const std::filesystem::path& file);

/// True when one of the readers recognises the file's content (NRRD magic, MetaImage header), for files
/// whose name does not tell.
bool canReadByContent(const std::filesystem::path& file);

/// Geometry and metadata from the header only. Throws Error with a one-line reason when the file is not a
/// readable image (corrupt header, zero dimensions, non-finite spacing, singular orientation, truncated
/// uncompressed data).
ImageInfo scanFile(const std::filesystem::path& file);

/// Load the file as float voxels (NIfTI scl_slope/scl_inter applied); options.frame picks a volume of a 4D/5D
/// file. Refuses, before allocating, images larger than LoadLimits.h allows; refuses RGB/vector images.
LoadedImage read(const std::filesystem::path& file, const ReadOptions& options, ProgressScope* progress);

/// Write `voxels` (geometry.voxelCount() values of type `type`, i fastest) to `finalPath`, atomically; format
/// from the extension (.nii, .nii.gz, .nrrd, .mha). Throws Error(Io) when the file system refuses,
/// Error(InvalidArgument) for an unknown extension, Error(Unsupported) for two-file formats.
void write(const ImageGeometry& geometry, const void* voxels, PixelType type, const std::filesystem::path& finalPath);

} // namespace strega::io::itkio
