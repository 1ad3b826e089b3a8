#pragma once
/// \file
/// \brief Binary morphology on anomaly masks: per-slice hole filling and 3D opening with a ball in mm.

#include "strega/core/ProgressScope.h"
#include "strega/core/Volume.h"

#include <cstddef>

namespace strega::postprocess {

/// Fill, in every axial slice (fixed k), the holes of `mask`: background pixels that are not 4-connected to the
/// slice's border become foreground. A network that partly reproduces an anomaly leaves a ring of residual around
/// an interior it copied; the ring's interior is part of the finding. In place; returns the voxels added. Polls
/// progress/cancellation once per slice.
std::size_t fillHolesPerSlice(Mask& mask, ProgressScope* progress = nullptr);

/// 3D binary opening (erosion, then dilation) with a ball of `radiusMm` (an ellipsoid in voxels on anisotropic
/// grids; voxels outside the volume count as background). Removes structures thinner than the ball, such as
/// the reconstruction error along sulci and ventricle borders, and keeps compact findings with their shape.
/// radiusMm <= 0 or a ball smaller than one voxel on every axis leaves the mask as it is. In place; returns the
/// voxels removed.
std::size_t openWithBall(Mask& mask, double radiusMm, ProgressScope* progress = nullptr);

} // namespace strega::postprocess
