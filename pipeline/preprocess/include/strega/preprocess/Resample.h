#pragma once
/// \file
/// \brief Moving images between a native grid and the atlas (working) grid through an AtlasTransform.

#include "strega/core/LabelMap.h"
#include "strega/core/ProgressScope.h"
#include "strega/core/Volume.h"
#include "strega/preprocess/AtlasTransform.h"

namespace strega::preprocess {

/// \brief How values between voxel centres are found.
enum class Interpolation { Nearest, Linear };

/// The native image resampled onto `atlasGrid`: each atlas voxel at x takes the native value at
/// transform.atlasToNative(x). Points outside the native grid (beyond half a voxel) take `outside`.
/// `progress` (optional) receives this stage's 0..1 and is polled for cancellation.
ImageF resampleToAtlas(const ImageF& native, const AtlasTransform& transform, const ImageGeometry& atlasGrid,
                       Interpolation interpolation = Interpolation::Linear, float outside = 0.0f,
                       ProgressScope* progress = nullptr);

/// A uint8 mask or label image resampled onto `atlasGrid` with nearest-neighbour interpolation.
Mask resampleMaskToAtlas(const Mask& native, const AtlasTransform& transform, const ImageGeometry& atlasGrid,
                         ProgressScope* progress = nullptr);

/// An atlas-space float map (bias field, probability, intensity) brought onto `nativeGrid`: each native voxel at
/// y takes the atlas value at transform.nativeToAtlas(y). Points outside the atlas grid take `outside`.
ImageF mapToNative(const ImageF& atlasImage, const AtlasTransform& transform, const ImageGeometry& nativeGrid,
                   Interpolation interpolation = Interpolation::Linear, float outside = 0.0f,
                   ProgressScope* progress = nullptr);

/// An atlas-space mask or label map brought onto `nativeGrid` with nearest-neighbour interpolation: labels are
/// never mixed. Label names of a LabelMap are kept by mapLabelsToNative.
Mask mapMaskToNative(const Mask& atlasMask, const AtlasTransform& transform, const ImageGeometry& nativeGrid,
                     ProgressScope* progress = nullptr);
LabelMap mapLabelsToNative(const LabelMap& atlasLabels, const AtlasTransform& transform,
                           const ImageGeometry& nativeGrid, ProgressScope* progress = nullptr);

/// A binary mask brought onto `nativeGrid` by linear interpolation of its 0/1 values and a 0.5 threshold: the
/// boundary moves smoothly with the transform instead of snapping to the nearest atlas voxel (used for the
/// brain mask, where sub-voxel accuracy counts).
Mask mapMaskToNativeSmooth(const Mask& atlasMask, const AtlasTransform& transform, const ImageGeometry& nativeGrid,
                           ProgressScope* progress = nullptr);

} // namespace strega::preprocess
