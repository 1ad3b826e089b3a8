#include "strega/postprocess/Threshold.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace strega::postprocess {
namespace {
void requireSameGrid(const ImageGeometry& a, const ImageGeometry& b) {
  if (!a.sameGrid(b, 1e-3)) throw Error(ErrorKind::Internal, "mask and image are not on the same grid");
}
} // namespace

double otsuThreshold(const ImageF& map, const Mask* within, int bins) {
  if (within) requireSameGrid(map.geometry(), within->geometry());
  if (bins < 2) throw Error(ErrorKind::InvalidArgument, "Otsu needs at least 2 histogram bins");
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (std::size_t n = 0; n < map.voxelCount(); ++n) {
    if (within && !(*within)[n]) continue;
    const double v = map[n];
    if (!std::isfinite(v)) continue;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (!std::isfinite(lo)) throw Error(ErrorKind::InvalidInput, "no voxel to threshold (empty brain mask?)");
  if (hi == lo) return lo;
  // Same binning and criterion as skimage.filters.threshold_otsu (np.histogram over [min, max], bin centres).
  std::vector<double> hist(bins, 0.0);
  const double width = (hi - lo) / bins;
  for (std::size_t n = 0; n < map.voxelCount(); ++n) {
    if (within && !(*within)[n]) continue;
    const double v = map[n];
    if (!std::isfinite(v)) continue;
    const int b = std::min(bins - 1, static_cast<int>((v - lo) / (hi - lo) * bins));
    hist[b] += 1.0;
  }
  std::vector<double> centre(bins), w1(bins), w2(bins), m1(bins), m2(bins);
  for (int b = 0; b < bins; ++b)
    centre[b] = lo + (b + 0.5) * width;
  double cw = 0.0, cm = 0.0;
  for (int b = 0; b < bins; ++b) {
    cw += hist[b];
    cm += hist[b] * centre[b];
    w1[b] = cw;
    m1[b] = cw > 0 ? cm / cw : 0.0;
  }
  cw = cm = 0.0;
  for (int b = bins - 1; b >= 0; --b) {
    cw += hist[b];
    cm += hist[b] * centre[b];
    w2[b] = cw;
    m2[b] = cw > 0 ? cm / cw : 0.0;
  }
  int best = 0;
  double bestVariance = -1.0;
  for (int b = 0; b + 1 < bins; ++b) {
    const double d = m1[b] - m2[b + 1];
    const double variance = w1[b] * w2[b + 1] * d * d;
    if (variance > bestVariance) {
      bestVariance = variance;
      best = b;
    }
  }
  return centre[best];
}

Mask thresholdAbove(const ImageF& map, double threshold, const Mask* within) {
  if (within) requireSameGrid(map.geometry(), within->geometry());
  Mask out(map.geometry(), 0);
  for (std::size_t n = 0; n < map.voxelCount(); ++n)
    out[n] = (map[n] > threshold && (!within || (*within)[n])) ? 1 : 0;
  return out;
}

std::size_t areaOpeningPerSlice(Mask& mask, double minAreaMm2, ProgressScope* progress) {
  const auto& s = mask.size();
  const double pixelArea = mask.geometry().spacingMm[0] * mask.geometry().spacingMm[1];
  const std::size_t sliceSize = s[0] * s[1];
  std::vector<std::uint32_t> label(sliceSize);
  std::vector<std::size_t> stack, members;
  std::size_t removed = 0;
  for (std::size_t k = 0; k < s[2]; ++k) {
    if (progress) progress->update(double(k) / s[2]);
    std::uint8_t* slice = mask.data() + k * sliceSize;
    std::fill(label.begin(), label.end(), 0u);
    std::uint32_t next = 0;
    for (std::size_t seed = 0; seed < sliceSize; ++seed) {
      if (!slice[seed] || label[seed]) continue;
      ++next;
      members.clear();
      stack.assign(1, seed);
      label[seed] = next;
      while (!stack.empty()) {
        const std::size_t p = stack.back();
        stack.pop_back();
        members.push_back(p);
        const std::size_t i = p % s[0], j = p / s[0];
        const std::size_t neighbours[4] = {i > 0 ? p - 1 : p, i + 1 < s[0] ? p + 1 : p, j > 0 ? p - s[0] : p,
                                           j + 1 < s[1] ? p + s[0] : p};
        for (std::size_t q : neighbours)
          if (q != p && slice[q] && !label[q]) {
            label[q] = next;
            stack.push_back(q);
          }
      }
      if (members.size() * pixelArea < minAreaMm2) {
        for (std::size_t p : members)
          slice[p] = 0;
        ++removed;
      }
    }
  }
  return removed;
}

std::size_t applyGate(Mask& mask, const Mask& gate) {
  requireSameGrid(mask.geometry(), gate.geometry());
  std::size_t removed = 0;
  for (std::size_t n = 0; n < mask.voxelCount(); ++n)
    if (mask[n] && !gate[n]) {
      mask[n] = 0;
      ++removed;
    }
  return removed;
}

} // namespace strega::postprocess
