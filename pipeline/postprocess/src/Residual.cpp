#include "strega/postprocess/Residual.h"

#include <cmath>

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

} // namespace strega::postprocess
