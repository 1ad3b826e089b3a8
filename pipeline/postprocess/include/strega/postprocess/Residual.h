#pragma once
/// \file
/// \brief The residual (anomaly score) map of StRegA: reconstruction minus input, clamped.

#include "strega/core/Volume.h"

#include <string>

namespace strega::postprocess {

/// \brief Which map is the anomaly score.
enum class ScoreKind {
  Residual, ///< the reconstruction error (the paper's)
  Combi     ///< the ceVAE "combi" score: smoothed |∂KL/∂x| times the squared reconstruction error
};

/// \brief How reconstruction error becomes a score (METHOD.md §4).
struct ResidualOptions {
  ScoreKind score = ScoreKind::Residual;
  /// Combi: Gaussian smoothing (sigma, mm) of |∂KL/∂x| before it is normalised.
  double combiSmoothingMm = 2.0;
  /// Keep only x̂ − x > 0: the model fills in what it expects (healthy tissue) where the input deviates.
  /// When false the absolute difference |x̂ − x| is used.
  bool positiveOnly = true;
  /// The reference rule: scores above this value are set to 1 (a saturated deviation). <= 0 disables.
  double saturateAbove = 0.2;
};

/// Score map on the input's grid: max(x̂ − x, 0) (or |x̂ − x|), values above saturateAbove set to 1.
/// Both volumes must be on the same grid; throws Error otherwise. Non-finite voxels score 0.
ImageF residualMap(const ImageF& input, const ImageF& reconstruction, const ResidualOptions& options = {});

/// The ceVAE combi score on the input's grid, in [0, 1]: |∂KL/∂x| smoothed (combiSmoothingMm) and min-max
/// normalised over the volume, times the squared reconstruction error (of x̂ − x > 0 only when positiveOnly; not
/// saturated). All three volumes on the same grid; throws Error otherwise. Non-finite voxels score 0.
ImageF combiScore(const ImageF& input, const ImageF& reconstruction, const ImageF& klGradient,
                  const ResidualOptions& options = {});

/// "residual" or "combi"; and back (throws Error(InvalidArgument) for another name).
const char* toString(ScoreKind kind);
ScoreKind parseScoreKind(const std::string& name);

} // namespace strega::postprocess
