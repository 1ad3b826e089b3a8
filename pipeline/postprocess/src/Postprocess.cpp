#include "strega/postprocess/Postprocess.h"

#include "strega/postprocess/Threshold.h"

namespace strega::postprocess {

PostprocessResult postprocess(const ImageF& score, const Mask& brain, const PostprocessOptions& options,
                              ProgressScope* progress) {
  PostprocessResult result;
  result.threshold = options.fixedThreshold
                       ? *options.fixedThreshold
                       : otsuThreshold(score, options.otsuInsideBrain ? &brain : nullptr, options.otsuBins);
  result.mask = thresholdAbove(score, result.threshold);
  if (progress) progress->update(0.1, "area opening");
  if (progress) {
    ProgressScope opening(*progress, "area opening", 0.1, 0.8);
    result.removedByOpening = areaOpeningPerSlice(result.mask, options.minAreaMm2, &opening);
  } else {
    result.removedByOpening = areaOpeningPerSlice(result.mask, options.minAreaMm2);
  }
  result.removedByGate = applyGate(result.mask, brain);
  if (progress) progress->update(0.85, "components");
  result.findings = findComponents(result.mask, score, &result.components);
  return result;
}

} // namespace strega::postprocess
