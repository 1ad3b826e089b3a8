#pragma once
// Internal: mutual information between the atlas and a native image seen through an AtlasTransform.

#include "strega/core/Volume.h"
#include "strega/preprocess/AtlasTransform.h"

namespace strega::preprocess::detail {

/// Mutual information (nats, 32 x 32 bins over each image's 1st..99th percentile) between `atlas` and `native`
/// mapped through `transform`, over the voxels of `atlasMask` (every `stride`-th along each axis). 0 when fewer
/// than 1000 samples fall inside the native image.
double brainMutualInformation(const ImageF& atlas, const Mask& atlasMask, const ImageF& native,
                              const AtlasTransform& transform, int stride = 2);

} // namespace strega::preprocess::detail
