#include "strega/postprocess/Residual.h"

#include "strega/postprocess/Smoothing.h"

#include "strega/core/Error.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace strega::postprocess {

ImageF residualMap(const ImageF& input, const ImageF& reconstruction, const ResidualOptions& options) {
  if (!input.geometry().sameGrid(reconstruction.geometry(), 1e-3))
    throw Error(ErrorKind::Internal, "the reconstruction is not on the input's grid");
  ImageF score(input.geometry(), 0.0f);
  for (std::size_t n = 0; n < input.voxelCount(); ++n) {
    const float diff = reconstruction[n] - input[n];
    float s = options.positiveOnly ? std::max(diff, 0.0f) : std::abs(diff);
    if (!std::isfinite(s)) s = 0.0f;
    if (options.saturateAbove > 0.0 && s > options.saturateAbove) s = 1.0f;
    score[n] = s;
  }
  return score;
}

ImageF combiScore(const ImageF& input, const ImageF& reconstruction, const ImageF& klGradient,
                  const ResidualOptions& options) {
  if (!input.geometry().sameGrid(reconstruction.geometry(), 1e-3) ||
      !input.geometry().sameGrid(klGradient.geometry(), 1e-3))
    throw Error(ErrorKind::Internal, "the reconstruction or the KL gradient is not on the input's grid");
  ImageF gradient = options.combiSmoothingMm > 0.0 ? gaussianSmooth(klGradient, options.combiSmoothingMm) : klGradient;
  float lo = std::numeric_limits<float>::infinity(), hi = -lo;
  for (float g : gradient.voxels())
    if (std::isfinite(g)) lo = std::min(lo, g), hi = std::max(hi, g);
  const float range = hi > lo ? hi - lo : 1.0f;
  ImageF score(input.geometry(), 0.0f);
  for (std::size_t n = 0; n < input.voxelCount(); ++n) {
    const float diff = reconstruction[n] - input[n];
    const float error = options.positiveOnly ? std::max(diff, 0.0f) : diff;
    const float s = (gradient[n] - lo) / range * error * error;
    score[n] = std::isfinite(s) ? s : 0.0f;
  }
  return score;
}

const char* toString(ScoreKind kind) { return kind == ScoreKind::Combi ? "combi" : "residual"; }

ScoreKind parseScoreKind(const std::string& name) {
  if (name == "residual") return ScoreKind::Residual;
  if (name == "combi") return ScoreKind::Combi;
  throw Error(ErrorKind::InvalidArgument, "unknown score '" + name + "' (residual or combi)");
}

} // namespace strega::postprocess
