#pragma once
/// \file
/// \brief Saving and loading an AtlasTransform as ITK files (an affine .tfm and an optional displacement field).

#include "strega/preprocess/AtlasTransform.h"

#include <filesystem>

namespace strega::preprocess {

/// Write the affine part as an ITK text transform file (`affinePath`, .tfm or .txt; an
/// AffineTransform_double_3_3 mapping atlas points to native points, as ITK's ResampleImageFilter expects for
/// bringing the native image onto the atlas grid) and, when the transform has a deformation and `warpPath` is
/// given, the displacement field as a 3-component vector image in atlas space (.nii.gz; ITK/ANTs convention:
/// an itk::DisplacementFieldTransform applied before the affine, as in a CompositeTransform [affine, warp]).
/// Files are written atomically. Throws Error(Io).
void writeAtlasTransform(const AtlasTransform& transform, const std::filesystem::path& affinePath,
                         const std::filesystem::path& warpPath = {});

/// Read what writeAtlasTransform wrote (`warpPath` empty or absent: affine only). Accepts any ITK affine-like
/// transform file (affine, rigid, similarity, translation). Throws Error(InvalidInput) for other content.
AtlasTransform readAtlasTransform(const std::filesystem::path& affinePath, const std::filesystem::path& warpPath = {});

} // namespace strega::preprocess
