#pragma once
/// \file
/// \brief Global Otsu threshold and per-slice area opening of binary masks.

#include "strega/core/ProgressScope.h"
#include "strega/core/Volume.h"

namespace strega::postprocess {

/// Otsu's threshold over the whole volume (not per slice), histogram of `bins` bins between the minimum and
/// maximum of the voxels inside `within` (all voxels when null). Returns the upper edge of the best lower class:
/// voxels strictly above it are foreground. Throws Error when no voxel is selected. A constant map returns its
/// value (nothing lies above it).
double otsuThreshold(const ImageF& map, const Mask* within = nullptr, int bins = 256);

/// 1 where map > threshold (and within `within` when given), else 0.
Mask thresholdAbove(const ImageF& map, double threshold, const Mask* within = nullptr);

/// Remove, in every axial slice (fixed k), the 4-connected components whose area is below minAreaMm2
/// (area = voxel count x spacing_i x spacing_j, so the rule does not depend on resolution). In place.
/// Returns the number of components removed. Polls progress/cancellation once per slice.
std::size_t areaOpeningPerSlice(Mask& mask, double minAreaMm2, ProgressScope* progress = nullptr);

/// Zero every voxel of `mask` outside `gate` (same grid; throws Error otherwise). Returns voxels removed.
std::size_t applyGate(Mask& mask, const Mask& gate);

} // namespace strega::postprocess
