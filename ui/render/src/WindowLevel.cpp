#include "strega/render/WindowLevel.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace strega::render {

namespace {
/// Voxels looked at for percentiles: plenty for a display window, and fast (a few ms) on a head volume.
constexpr std::size_t kMaxSamples = 250'000;
} // namespace

WindowLevel WindowLevel::fromRange(double lower, double upper) {
  if (upper < lower) std::swap(lower, upper);
  const double width = upper - lower;
  if (!(width > 0.0)) return {1.0, lower};
  return {width, 0.5 * (lower + upper)};
}

std::optional<std::pair<double, double>> percentileRange(const ImageF& image, double lowPercent, double highPercent,
                                                         bool foregroundOnly, const Mask* within) {
  const std::size_t n = image.voxelCount();
  if (n == 0) return std::nullopt;
  if (within && within->voxelCount() != n) within = nullptr;
  float minimum = std::numeric_limits<float>::max();
  for (std::size_t i = 0; i < n; ++i)
    if (std::isfinite(image[i])) minimum = std::min(minimum, image[i]);

  const std::size_t stride = std::max<std::size_t>(1, n / kMaxSamples);
  std::vector<float> sample;
  sample.reserve(n / stride + 1);
  for (std::size_t i = 0; i < n; i += stride) {
    const float v = image[i];
    if (!std::isfinite(v)) continue;
    if (foregroundOnly && v == minimum) continue;
    if (within && (*within)[i] == 0) continue;
    sample.push_back(v);
  }
  if (sample.empty()) {
    if (!foregroundOnly || minimum == std::numeric_limits<float>::max()) return std::nullopt;
    return std::pair<double, double>{minimum, minimum};
  }
  auto at = [&sample](double percent) {
    const auto k = static_cast<std::size_t>(std::clamp(percent / 100.0, 0.0, 1.0) * (sample.size() - 1) + 0.5);
    std::nth_element(sample.begin(), sample.begin() + static_cast<std::ptrdiff_t>(k), sample.end());
    return static_cast<double>(sample[k]);
  };
  const double low = at(lowPercent);
  const double high = at(highPercent);
  return std::pair<double, double>{low, high};
}

WindowLevel autoWindowLevel(const ImageF& image) {
  const auto range = percentileRange(image, 1.0, 99.0, true);
  if (!range) return {};
  if (range->second > range->first) return WindowLevel::fromRange(range->first, range->second);
  return {std::max(1.0, std::abs(range->first)), range->first};
}

} // namespace strega::render
