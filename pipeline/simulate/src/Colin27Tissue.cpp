#include "strega/simulate/Colin27Tissue.h"

#include "strega/core/Metrics.h"
#include "strega/preprocess/Atlas.h"
#include "strega/preprocess/BiasCorrection.h"
#include "strega/preprocess/TissueSegmentation.h"

#include <algorithm>
#include <map>
#include <mutex>

namespace strega::simulate {

std::shared_ptr<const Colin27Tissue> colin27Tissue(const std::filesystem::path& atlasDirectory) {
  static std::mutex mutex;
  static std::map<std::filesystem::path, std::shared_ptr<const Colin27Tissue>> cache;
  std::lock_guard lock(mutex);
  auto& slot = cache[atlasDirectory];
  if (slot) return slot;
  const auto atlas = preprocess::sharedAtlas(atlasDirectory);
  preprocess::TissueOptions options;
  options.contrast = preprocess::Contrast::T1;
  options.emIterations = 12;
  options.mrfSweeps = 2;
  // N4 first: the template's white matter is darker in the brainstem and cerebellum than in the hemispheres.
  const auto corrected = preprocess::correctBias(atlas->head, atlas->brainMask);
  auto seg = preprocess::segmentTissues(corrected.corrected, atlas->brainMask, options);
  auto tissue = std::make_shared<Colin27Tissue>();
  tissue->labels = std::move(seg.labels);
  tissue->probabilities = std::move(seg.probabilities);
  tissue->meanT1 = seg.meanIntensity;
  slot = tissue;
  return slot;
}

ImageF syntheticT2Head(const std::filesystem::path& atlasDirectory) {
  static std::mutex mutex;
  static std::map<std::filesystem::path, std::shared_ptr<const ImageF>> cache;
  {
    std::lock_guard lock(mutex);
    if (auto it = cache.find(atlasDirectory); it != cache.end()) return *it->second;
  }
  const auto atlas = preprocess::sharedAtlas(atlasDirectory);
  const auto tissue = colin27Tissue(atlasDirectory);
  const std::array<double, 3> t2{180.0, 95.0, 70.0};
  const double csfT1 = tissue->meanT1[0], gmT1 = tissue->meanT1[1];
  const ImageF distance = distanceToNearestMm(atlas->brainMask);
  ImageF out(atlas->geometry(), 0.0f);
  for (std::size_t n = 0; n < out.voxelCount(); ++n) {
    const double t1 = atlas->head[n];
    if (atlas->brainMask[n]) {
      double v = 0.0;
      for (int c = 0; c < 3; ++c)
        v += tissue->probabilities[c][n] * t2[c];
      out[n] = static_cast<float>(v);
    } else {
      double csf = 0.0;
      if (distance[n] <= 5.0 && t1 > 0.0) csf = std::clamp((gmT1 - t1) / std::max(gmT1 - csfT1, 1.0), 0.0, 1.0);
      out[n] = static_cast<float>(csf * t2[0] + (1.0 - csf) * 0.8 * t1);
    }
  }
  std::lock_guard lock(mutex);
  cache[atlasDirectory] = std::make_shared<const ImageF>(out);
  return out;
}

} // namespace strega::simulate
