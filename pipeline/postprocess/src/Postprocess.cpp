#include "strega/postprocess/Postprocess.h"

#include "strega/postprocess/Morphology.h"
#include "strega/postprocess/Smoothing.h"
#include "strega/postprocess/Threshold.h"

namespace strega::postprocess {

PostprocessResult postprocess(const ImageF& score, const Mask& brain, const PostprocessOptions& options,
                              ProgressScope* progress) {
  PostprocessResult result;
  ImageF smoothed;
  if (options.smoothingMm > 0.0) {
    // Outside the brain the score means nothing: gate first so that it does not bleed in.
    ImageF gated = score;
    if (brain.geometry().sameGrid(score.geometry(), 1e-3))
      for (std::size_t n = 0; n < gated.voxelCount(); ++n)
        if (!brain[n]) gated[n] = 0.0f;
    smoothed = gaussianSmooth(gated, options.smoothingMm);
  }
  const ImageF& map = options.smoothingMm > 0.0 ? smoothed : score;
  result.threshold = options.fixedThreshold
                       ? *options.fixedThreshold
                       : otsuThreshold(map, options.otsuInsideBrain ? &brain : nullptr, options.otsuBins);
  result.mask = thresholdAbove(map, result.threshold);
  if (options.fillHoles) {
    if (progress) progress->update(0.05, "hole filling");
    result.addedByFilling = fillHolesPerSlice(result.mask);
  }
  if (progress) progress->update(0.1, "area opening");
  if (progress) {
    ProgressScope opening(*progress, "area opening", 0.1, 0.8);
    result.removedByOpening = areaOpeningPerSlice(result.mask, options.minAreaMm2, &opening);
  } else {
    result.removedByOpening = areaOpeningPerSlice(result.mask, options.minAreaMm2);
  }
  result.removedByGate = applyGate(result.mask, brain);
  if (options.openingRadiusMm > 0.0) {
    if (progress) progress->update(0.8, "3D opening");
    result.removedByBall = openWithBall(result.mask, options.openingRadiusMm);
  }
  if (progress) progress->update(0.85, "components");
  result.findings = findComponents(result.mask, score, &result.components);
  return result;
}

} // namespace strega::postprocess
