#pragma once
/// \file
/// \brief Writing volumes (NIfTI .nii/.nii.gz, NRRD, MetaImage by extension) atomically through ITK.

#include "strega/core/LabelMap.h"
#include "strega/core/Volume.h"
#include "strega/io/ImageInfo.h"

#include <filesystem>

namespace strega::io {

/// Write `image` to `path` (format from the extension), converting voxels to `storedAs` (values rounded and
/// clamped for integer types). The file is written under a temporary name and renamed into place: after a
/// failure `path` is untouched. LPS geometry is converted to NIfTI's RAS sform and qform here.
void writeImage(const ImageF& image, const std::filesystem::path& path, PixelType storedAs = PixelType::Float32);

/// Write a uint8 mask or label map (NIfTI datatype uint8), atomically.
void writeMask(const Mask& mask, const std::filesystem::path& path);

} // namespace strega::io
