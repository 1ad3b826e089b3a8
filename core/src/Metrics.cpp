#include "strega/core/Metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace strega {
namespace {

void requireSameGrid(const Mask& a, const Mask& b) {
  if (!a.geometry().sameGrid(b.geometry(), 1e-3))
    throw Error(ErrorKind::InvalidArgument, "the two masks are not on the same voxel grid");
}

// 1D squared-distance transform of f (Felzenszwalb & Huttenlocher 2012) with sample spacing h.
void distanceTransform1D(const std::vector<double>& f, std::vector<double>& d, double h, std::vector<int>& v,
                         std::vector<double>& z) {
  const int n = static_cast<int>(f.size());
  constexpr double inf = std::numeric_limits<double>::infinity();
  int k = -1;
  for (int q = 0; q < n; ++q) {
    if (!std::isfinite(f[q])) continue;
    const double xq = q * h;
    while (k >= 0) {
      const double xv = v[k] * h;
      const double s = ((f[q] + xq * xq) - (f[v[k]] + xv * xv)) / (2.0 * (xq - xv));
      if (s <= z[k]) {
        --k;
        continue;
      }
      break;
    }
    ++k;
    v[k] = q;
    z[k] = k == 0 ? -inf : ((f[q] + xq * xq) - (f[v[k - 1]] + (v[k - 1] * h) * (v[k - 1] * h))) /
                              (2.0 * (xq - v[k - 1] * h));
    z[k + 1] = inf;
  }
  if (k < 0) {
    std::fill(d.begin(), d.end(), inf);
    return;
  }
  int j = 0;
  for (int q = 0; q < n; ++q) {
    const double xq = q * h;
    while (z[j + 1] < xq) ++j;
    const double dx = xq - v[j] * h;
    d[q] = dx * dx + f[v[j]];
  }
}

std::vector<std::size_t> surfaceVoxels(const Mask& m) {
  const auto& s = m.size();
  std::vector<std::size_t> out;
  for (std::size_t k = 0; k < s[2]; ++k)
    for (std::size_t j = 0; j < s[1]; ++j)
      for (std::size_t i = 0; i < s[0]; ++i) {
        if (!m.at(i, j, k)) continue;
        const long long ii = i, jj = j, kk = k;
        const long long nb[6][3] = {{ii - 1, jj, kk}, {ii + 1, jj, kk}, {ii, jj - 1, kk},
                                    {ii, jj + 1, kk}, {ii, jj, kk - 1}, {ii, jj, kk + 1}};
        bool surface = false;
        for (const auto& n : nb)
          if (!m.contains(n[0], n[1], n[2]) || !m.at(n[0], n[1], n[2])) {
            surface = true;
            break;
          }
        if (surface) out.push_back(m.linearIndex(i, j, k));
      }
  return out;
}

} // namespace

OverlapCounts countOverlap(const Mask& predicted, const Mask& reference) {
  requireSameGrid(predicted, reference);
  OverlapCounts c;
  for (std::size_t n = 0; n < predicted.voxelCount(); ++n) {
    const bool p = predicted[n] != 0, r = reference[n] != 0;
    if (p && r) ++c.truePositive;
    else if (p) ++c.falsePositive;
    else if (r) ++c.falseNegative;
    else ++c.trueNegative;
  }
  return c;
}

double dice(const OverlapCounts& c) {
  const double denom = 2.0 * c.truePositive + c.falsePositive + c.falseNegative;
  return denom == 0.0 ? 1.0 : 2.0 * c.truePositive / denom;
}
double sensitivity(const OverlapCounts& c) {
  const double denom = double(c.truePositive) + c.falseNegative;
  return denom == 0.0 ? 1.0 : c.truePositive / denom;
}
double precision(const OverlapCounts& c) {
  const double denom = double(c.truePositive) + c.falsePositive;
  return denom == 0.0 ? 1.0 : c.truePositive / denom;
}
double dice(const Mask& predicted, const Mask& reference) { return dice(countOverlap(predicted, reference)); }

double volumeMl(const Mask& mask) {
  const auto n = std::count_if(mask.voxels().begin(), mask.voxels().end(), [](std::uint8_t v) { return v != 0; });
  return static_cast<double>(n) * mask.geometry().voxelVolumeMm3() / 1000.0;
}

double percentile(std::vector<double>& values, double p) {
  if (values.empty()) throw Error(ErrorKind::InvalidArgument, "percentile of an empty set");
  std::sort(values.begin(), values.end());
  const double pos = std::clamp(p, 0.0, 100.0) / 100.0 * (values.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const auto hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (pos - lo) * (values[hi] - values[lo]);
}

Volume<float> distanceToNearestMm(const Mask& features) {
  const auto& g = features.geometry();
  const auto s = g.size;
  constexpr double inf = std::numeric_limits<double>::infinity();
  std::vector<double> sq(features.voxelCount());
  for (std::size_t n = 0; n < sq.size(); ++n) sq[n] = features[n] ? 0.0 : inf;
  const std::size_t maxLen = std::max({s[0], s[1], s[2]});
  std::vector<double> f(maxLen), d(maxLen), z(maxLen + 1);
  std::vector<int> v(maxLen);
  const std::size_t stride[3] = {1, s[0], s[0] * s[1]};
  for (int axis = 0; axis < 3; ++axis) {
    const int a1 = (axis + 1) % 3, a2 = (axis + 2) % 3;
    f.resize(s[axis]);
    d.resize(s[axis]);
    for (std::size_t u = 0; u < s[a1]; ++u)
      for (std::size_t w = 0; w < s[a2]; ++w) {
        const std::size_t base = u * stride[a1] + w * stride[a2];
        for (std::size_t t = 0; t < s[axis]; ++t) f[t] = sq[base + t * stride[axis]];
        distanceTransform1D(f, d, g.spacingMm[axis], v, z);
        for (std::size_t t = 0; t < s[axis]; ++t) sq[base + t * stride[axis]] = d[t];
      }
  }
  Volume<float> out(g);
  for (std::size_t n = 0; n < sq.size(); ++n) out[n] = static_cast<float>(std::sqrt(sq[n]));
  return out;
}

double hausdorff95Mm(const Mask& a, const Mask& b) {
  requireSameGrid(a, b);
  const auto surfaceA = surfaceVoxels(a), surfaceB = surfaceVoxels(b);
  if (surfaceA.empty() && surfaceB.empty()) return 0.0;
  if (surfaceA.empty() || surfaceB.empty()) return std::numeric_limits<double>::infinity();
  Mask borderA(a.geometry()), borderB(b.geometry());
  for (auto n : surfaceA) borderA[n] = 1;
  for (auto n : surfaceB) borderB[n] = 1;
  const auto toB = distanceToNearestMm(borderB), toA = distanceToNearestMm(borderA);
  std::vector<double> distances;
  distances.reserve(surfaceA.size() + surfaceB.size());
  for (auto n : surfaceA) distances.push_back(toB[n]);
  for (auto n : surfaceB) distances.push_back(toA[n]);
  return percentile(distances, 95.0);
}

} // namespace strega
