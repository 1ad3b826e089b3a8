#pragma once
// Internal: the intensity-class fit shared by the tissue segmentation and the brain-mask refinement.

#include "strega/core/Volume.h"

#include <array>

namespace strega::preprocess::detail {

/// Three Gaussian intensity classes in ascending order of their means (k-means initialised EM on a 256-bin
/// histogram of the voxels inside `mask`, over their 0.1..99.9th percentiles). Throws Error(InvalidInput) when
/// fewer than 1000 voxels are inside or their intensities are constant.
struct IntensityClasses {
  std::array<double, 3> mean{}, sd{}, weight{};
};
IntensityClasses fitIntensityClasses(const ImageF& image, const Mask& mask);

} // namespace strega::preprocess::detail
