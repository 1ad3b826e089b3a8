#include "Similarity.h"

#include "FastTransform.h"
#include "Sampling.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace strega::preprocess::detail {

double brainMutualInformation(const ImageF& atlas, const Mask& atlasMask, const ImageF& native,
                              const AtlasTransform& transform, int stride) {
  const FastTransform fast(transform);
  const IndexToPhysical toPoint(atlas.geometry());
  const PhysicalToIndex toNative(native.geometry());
  std::vector<float> a, b;
  const auto& s = atlas.size();
  const std::size_t st = static_cast<std::size_t>(std::max(1, stride));
  for (std::size_t k = 0; k < s[2]; k += st)
    for (std::size_t j = 0; j < s[1]; j += st)
      for (std::size_t i = 0; i < s[0]; i += st) {
        if (!atlasMask.at(i, j, k)) continue;
        const float v = sampleLinear(native, toNative(fast.forward(toPoint(double(i), double(j), double(k)))), NAN);
        if (std::isnan(v)) continue;
        a.push_back(atlas.at(i, j, k));
        b.push_back(v);
      }
  if (a.size() < 1000) return 0.0;
  auto range = [](std::vector<float> v) {
    const auto lo = v.size() / 100, hi = v.size() * 99 / 100;
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(lo), v.end());
    const float l = v[lo];
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(hi), v.end());
    return std::pair<float, float>(l, std::max(v[hi], l + 1e-6f));
  };
  const auto [alo, ahi] = range(a);
  const auto [blo, bhi] = range(b);
  constexpr int bins = 32;
  std::vector<double> joint(bins * bins, 0.0);
  auto bin = [](float v, float lo, float hi) {
    return std::clamp(static_cast<int>((v - lo) / (hi - lo) * bins), 0, bins - 1);
  };
  for (std::size_t n = 0; n < a.size(); ++n)
    joint[bin(a[n], alo, ahi) * bins + bin(b[n], blo, bhi)] += 1.0;
  std::vector<double> pa(bins, 0.0), pb(bins, 0.0);
  const double total = double(a.size());
  for (int x = 0; x < bins; ++x)
    for (int y = 0; y < bins; ++y) {
      joint[x * bins + y] /= total;
      pa[x] += joint[x * bins + y];
      pb[y] += joint[x * bins + y];
    }
  double mi = 0.0;
  for (int x = 0; x < bins; ++x)
    for (int y = 0; y < bins; ++y) {
      const double p = joint[x * bins + y];
      if (p > 0) mi += p * std::log(p / (pa[x] * pb[y]));
    }
  return mi;
}

} // namespace strega::preprocess::detail
