#include "strega/model/TrainingSet.h"

#include "strega/model/AxialSlicer.h"

#include <algorithm>
#include <cmath>

namespace strega::model {

ImageF toModelInput(const ImageF& tissue) {
  float lo = INFINITY, hi = -INFINITY;
  bool labels = true;
  for (float v : tissue.voxels()) {
    if (!std::isfinite(v)) throw Error(ErrorKind::InvalidInput, "the input volume contains NaN or infinite values");
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    if (labels && (v != std::floor(v) || v < 0.0f || v > 3.0f)) labels = false;
  }
  ImageF out = tissue;
  if (tissue.empty()) return out;
  if (lo >= 0.0f && hi <= 1.0f) return out;
  if (labels) {
    for (auto& v : out.voxels())
      v = v / 3.0f;
    return out;
  }
  const float range = hi - lo;
  for (auto& v : out.voxels())
    v = range > 0.0f ? (v - lo) / range : 0.0f;
  return out;
}

TrainingSet::TrainingSet(const ModelConfig& config) : m_config(config) { config.validate(); }

std::size_t TrainingSet::addVolume(const ImageF& volume, const std::string& name) {
  const AxialSlicer slicer(volume.geometry(), m_config);
  const std::string volumeName = name.empty() ? "volume " + std::to_string(m_volumeNames.size() + 1) : name;
  std::vector<float> buffer(sliceSize());
  std::size_t added = 0;
  for (std::size_t k = 0; k < slicer.sliceCount(); ++k) {
    if (slicer.sliceIsEmpty(volume, k)) continue;
    slicer.toModel(volume, k, buffer.data());
    addSlice(buffer.data(), volumeName);
    ++added;
  }
  return added;
}

void TrainingSet::addSlice(const float* values, const std::string& volumeName) {
  if (m_volumeNames.empty() || m_volumeNames.back() != volumeName) m_volumeNames.push_back(volumeName);
  m_values.insert(m_values.end(), values, values + sliceSize());
  m_volumeOf.push_back(m_volumeNames.size() - 1);
}

TrainingSet::Split TrainingSet::split(double fraction) const {
  Split s;
  fraction = std::clamp(fraction, 0.0, 0.9);
  if (fraction <= 0.0) {
    for (std::size_t i = 0; i < sliceCount(); ++i)
      s.training.push_back(i);
    return s;
  }
  const auto heldVolumes = static_cast<std::size_t>(std::lround(fraction * static_cast<double>(volumeCount())));
  if (heldVolumes >= 1 && heldVolumes < volumeCount()) {
    s.byVolume = true;
    const std::size_t firstHeld = volumeCount() - heldVolumes;
    for (std::size_t i = 0; i < sliceCount(); ++i)
      (m_volumeOf[i] >= firstHeld ? s.validation : s.training).push_back(i);
    return s;
  }
  const auto every = std::max<std::size_t>(2, static_cast<std::size_t>(std::lround(1.0 / fraction)));
  for (std::size_t i = 0; i < sliceCount(); ++i)
    (i % every == every / 2 ? s.validation : s.training).push_back(i);
  return s;
}

} // namespace strega::model
