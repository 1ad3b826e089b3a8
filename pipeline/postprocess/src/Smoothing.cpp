#include "strega/postprocess/Smoothing.h"

#include <cmath>
#include <vector>

namespace strega::postprocess {

ImageF gaussianSmooth(const ImageF& map, double sigmaMm) {
  if (sigmaMm <= 0.0) return map;
  ImageF current = map;
  const Size3 size = map.size();
  const std::size_t stride[3] = {1, size[0], size[0] * size[1]};
  for (int axis = 0; axis < 3; ++axis) {
    const double sigma = sigmaMm / map.geometry().spacingMm[axis];
    if (sigma < 0.1 || size[axis] < 2) continue;
    const int radius = static_cast<int>(std::ceil(3.0 * sigma));
    std::vector<double> kernel(static_cast<std::size_t>(2 * radius + 1));
    for (int t = -radius; t <= radius; ++t)
      kernel[static_cast<std::size_t>(t + radius)] = std::exp(-0.5 * t * t / (sigma * sigma));
    ImageF next(map.geometry(), 0.0f);
    const std::size_t n = size[axis];
    std::vector<float> line(n);
    // Every line along `axis`: the other two indices enumerate the line starts.
    const int a1 = (axis + 1) % 3, a2 = (axis + 2) % 3;
    for (std::size_t u = 0; u < size[a1]; ++u)
      for (std::size_t v = 0; v < size[a2]; ++v) {
        const std::size_t start = u * stride[a1] + v * stride[a2];
        for (std::size_t i = 0; i < n; ++i)
          line[i] = current[start + i * stride[axis]];
        for (std::size_t i = 0; i < n; ++i) {
          double sum = 0.0, weight = 0.0;
          const long lo = std::max<long>(0, static_cast<long>(i) - radius);
          const long hi = std::min<long>(static_cast<long>(n) - 1, static_cast<long>(i) + radius);
          for (long j = lo; j <= hi; ++j) {
            const double w = kernel[static_cast<std::size_t>(j - static_cast<long>(i) + radius)];
            sum += w * line[static_cast<std::size_t>(j)];
            weight += w;
          }
          next[start + i * stride[axis]] = static_cast<float>(sum / weight);
        }
      }
    current = std::move(next);
  }
  return current;
}

} // namespace strega::postprocess
