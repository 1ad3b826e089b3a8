#pragma once
/// \file
/// \brief N4 bias-field correction inside a brain mask.

#include "strega/core/ProgressScope.h"
#include "strega/core/Volume.h"

#include <vector>

namespace strega::preprocess {

/// \brief Options of correctBias() (itk::N4BiasFieldCorrectionImageFilter). N4 runs on the image shrunk by
/// `shrinkFactor`; the fitted log bias field is then evaluated at full resolution.
struct N4Options {
  bool enabled = true;
  unsigned shrinkFactor = 6;
  /// Maximum iterations per fitting level (the B-spline mesh doubles at each level).
  std::vector<unsigned> iterations{50, 50, 30};
  double convergenceThreshold = 0.001;
  unsigned initialControlPoints = 4; ///< per axis, at the first fitting level (spline order 3)
  double biasFieldFullWidthAtHalfMaximum = 0.15;
  double wienerFilterNoise = 0.01;
  unsigned histogramBins = 200;
};

/// \brief The corrected image and the multiplicative field it was divided by (same grid as the input).
struct BiasCorrectionResult {
  ImageF corrected;
  ImageF biasField;
};

/// Correct `image` for a smooth multiplicative bias estimated inside `mask` (same grid; voxels <= 0 are left out
/// of the fit). The whole image is divided by the field. With options.enabled false the image is returned
/// unchanged with a unit field. Throws Error(InvalidInput) when the mask holds too few positive voxels.
BiasCorrectionResult correctBias(const ImageF& image, const Mask& mask, const N4Options& options = {},
                                 ProgressScope* progress = nullptr);

} // namespace strega::preprocess
