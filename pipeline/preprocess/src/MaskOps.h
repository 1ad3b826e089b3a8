#pragma once
// Internal: binary mask operations in plain C++ (box dilation/erosion, connected components, hole filling).

#include "strega/core/Volume.h"

#include <cstddef>

namespace strega::preprocess::detail {

/// Dilate with a box of half-width radiusMm (per axis, in voxels rounded from the spacing). O(N).
Mask dilateBox(const Mask& mask, double radiusMm);
/// Erode with a box of half-width radiusMm (voxels outside the grid count as background).
Mask erodeBox(const Mask& mask, double radiusMm);
/// Dilate (or erode) by `steps` steps alternating 18- and 6-connected neighbourhoods: a voxel-based
/// approximation of a ball of radius `steps` voxels.
Mask dilateBall(const Mask& mask, int steps);
Mask erodeBall(const Mask& mask, int steps);
/// Keep the largest 6-connected foreground component; returns its voxel count (0 for an empty mask).
std::size_t keepLargestComponent(Mask& mask);
/// Fill background regions not 6-connected to the grid border.
void fillHoles(Mask& mask);
/// Number of foreground voxels.
std::size_t countForeground(const Mask& mask);

} // namespace strega::preprocess::detail
