#pragma once
// Internal: bring the working-space results (brain mask, bias field, tissue labels) back to the native grid in one
// pass, inverting the transform once per native voxel and only near the brain.

#include "strega/core/LabelMap.h"
#include "strega/core/ProgressScope.h"
#include "strega/preprocess/AtlasTransform.h"

namespace strega::preprocess::detail {

struct NativeMaps {
  Mask brainMask;  ///< working mask, linearly interpolated and thresholded at 0.5
  ImageF brain;    ///< native / bias inside the mask, 0 outside
  LabelMap tissue; ///< nearest neighbour
};

NativeMaps mapResultsToNative(const Mask& workingMask, const ImageF& workingBias, const LabelMap& workingLabels,
                              const AtlasTransform& transform, const ImageF& native, ProgressScope* progress);

/// Like resampleToAtlas, but only inside `region` (same grid as the output); `outside` elsewhere.
ImageF resampleToAtlasWithin(const ImageF& native, const AtlasTransform& transform, const Mask& region, float outside,
                             ProgressScope* progress);

} // namespace strega::preprocess::detail
