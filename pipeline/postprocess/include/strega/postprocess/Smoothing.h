#pragma once
/// \file
/// \brief Gaussian smoothing of score maps, with the width given in millimetres.

#include "strega/core/Volume.h"

namespace strega::postprocess {

/// The map convolved with a Gaussian of standard deviation `sigmaMm` (mm, per axis converted with the voxel
/// spacing; separable, kernel cut at 3 sigma, borders handled by renormalising the truncated kernel). A sigma
/// below a tenth of a voxel leaves an axis untouched; sigmaMm <= 0 returns the map unchanged.
ImageF gaussianSmooth(const ImageF& map, double sigmaMm);

} // namespace strega::postprocess
