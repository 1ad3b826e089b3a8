#pragma once
/// \file
/// \brief The residual (anomaly score) map of StRegA: reconstruction minus input, clamped.

#include "strega/core/Volume.h"

namespace strega::postprocess {

/// \brief How reconstruction error becomes a score (METHOD.md §4).
struct ResidualOptions {
  /// Keep only x̂ − x > 0: the model fills in what it expects (healthy tissue) where the input deviates.
  /// When false the absolute difference |x̂ − x| is used.
  bool positiveOnly = true;
  /// The reference rule: scores above this value are set to 1 (a saturated deviation). <= 0 disables.
  double saturateAbove = 0.2;
};

/// Score map on the input's grid: max(x̂ − x, 0) (or |x̂ − x|), values above saturateAbove set to 1.
/// Both volumes must be on the same grid; throws Error otherwise. Non-finite voxels score 0.
ImageF residualMap(const ImageF& input, const ImageF& reconstruction, const ResidualOptions& options = {});

} // namespace strega::postprocess
