#pragma once
// Internal: separable Gaussian smoothing of float volumes (sigma in mm; edges replicated, or zero outside).

#include "strega/core/Volume.h"
#include "strega/itkbridge/ItkParallel.h"

#include <cmath>
#include <vector>

namespace strega::simulate::detail {

inline void gaussianSmooth(Volume<float>& v, double sigmaMm, bool zeroOutside = false) {
  if (sigmaMm <= 0.0) return;
  const auto size = v.size();
  for (int axis = 0; axis < 3; ++axis) {
    const double sigma = sigmaMm / v.geometry().spacingMm[axis];
    if (sigma < 0.05 || size[axis] < 2) continue;
    const int radius = std::max(1, static_cast<int>(std::ceil(3.0 * sigma)));
    std::vector<double> kernel(2 * radius + 1);
    double sum = 0.0;
    for (int t = -radius; t <= radius; ++t)
      sum += kernel[t + radius] = std::exp(-0.5 * t * t / (sigma * sigma));
    for (auto& k : kernel)
      k /= sum;
    const std::size_t stride = axis == 0 ? 1 : axis == 1 ? size[0] : size[0] * size[1];
    const std::size_t n = size[axis];
    // Lines along `axis`: enumerate their starting voxels.
    const std::size_t lines = v.voxelCount() / n;
    itkbridge::parallelFor(
      0, lines,
      [&](std::size_t b, std::size_t e) {
        std::vector<double> line(n);
        for (std::size_t l = b; l < e; ++l) {
          std::size_t start;
          if (axis == 0)
            start = l * size[0];
          else if (axis == 1)
            start = (l % size[0]) + (l / size[0]) * size[0] * size[1];
          else
            start = l;
          for (std::size_t t = 0; t < n; ++t)
            line[t] = v[start + t * stride];
          for (std::size_t t = 0; t < n; ++t) {
            double acc = 0.0;
            for (int r = -radius; r <= radius; ++r) {
              long long s = static_cast<long long>(t) + r;
              if (s < 0 || s >= static_cast<long long>(n)) {
                if (zeroOutside) continue;
                s = std::clamp<long long>(s, 0, static_cast<long long>(n) - 1);
              }
              acc += kernel[r + radius] * line[static_cast<std::size_t>(s)];
            }
            v[start + t * stride] = static_cast<float>(acc);
          }
        }
      },
      64);
  }
}

} // namespace strega::simulate::detail
