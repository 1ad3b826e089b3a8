#include "MaskOps.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace strega::preprocess::detail {
namespace {

/// Running-window pass along one axis: out = 1 where the window [t - r, t + r] holds any (dilate) or only (erode)
/// foreground voxels.
void boxPass(Mask& mask, int axis, long long r, bool dilate) {
  if (r <= 0) return;
  const auto size = mask.size();
  const std::size_t stride = axis == 0 ? 1 : axis == 1 ? size[0] : size[0] * size[1];
  const long long n = static_cast<long long>(size[axis]);
  const std::size_t lines = mask.voxelCount() / size[axis];
  std::vector<std::uint8_t> line(static_cast<std::size_t>(n));
  for (std::size_t l = 0; l < lines; ++l) {
    std::size_t start;
    if (axis == 0)
      start = l * size[0];
    else if (axis == 1)
      start = (l % size[0]) + (l / size[0]) * size[0] * size[1];
    else
      start = l;
    for (long long t = 0; t < n; ++t)
      line[t] = mask[start + t * stride] ? 1 : 0;
    // count of foreground in the window
    long long count = 0;
    for (long long t = 0; t <= std::min(r, n - 1); ++t)
      count += line[t];
    for (long long t = 0; t < n; ++t) {
      const long long lo = t - r, hi = t + r;
      const long long width = std::min(hi, n - 1) - std::max(lo, 0LL) + 1;
      bool on;
      if (dilate)
        on = count > 0;
      else
        on = count == width && lo >= 0 && hi < n; // outside the grid is background
      mask[start + t * stride] = on ? 1 : 0;
      // slide
      if (lo >= 0) count -= line[lo];
      if (hi + 1 < n) count += line[hi + 1];
    }
  }
}

Mask boxFilter(const Mask& mask, double radiusMm, bool dilate) {
  Mask out = mask;
  for (int a = 0; a < 3; ++a)
    boxPass(out, a, std::llround(radiusMm / mask.geometry().spacingMm[a]), dilate);
  return out;
}

} // namespace

Mask dilateBox(const Mask& mask, double radiusMm) { return boxFilter(mask, radiusMm, true); }

namespace {
/// One dilation step (6- or 18-connected) of `value` voxels into the others.
void growStep(Mask& mask, bool eighteen, std::uint8_t value) {
  const auto s = mask.size();
  const Mask before = mask;
  const long long sx = s[0], sy = s[1], sz = s[2];
  for (long long k = 0; k < sz; ++k)
    for (long long j = 0; j < sy; ++j)
      for (long long i = 0; i < sx; ++i) {
        const std::size_t n = static_cast<std::size_t>(i + sx * (j + sy * k));
        if ((before[n] != 0) == (value != 0)) continue;
        bool hit = false;
        for (int dk = -1; dk <= 1 && !hit; ++dk)
          for (int dj = -1; dj <= 1 && !hit; ++dj)
            for (int di = -1; di <= 1 && !hit; ++di) {
              const int order = std::abs(di) + std::abs(dj) + std::abs(dk);
              if (order == 0 || order > (eighteen ? 2 : 1)) continue;
              const long long a = i + di, b = j + dj, c = k + dk;
              if (a < 0 || b < 0 || c < 0 || a >= sx || b >= sy || c >= sz) {
                hit = value == 0; // outside the grid counts as background
                continue;
              }
              hit = (before[static_cast<std::size_t>(a + sx * (b + sy * c))] != 0) == (value != 0);
            }
        if (hit) mask[n] = value;
      }
}
} // namespace

Mask dilateBall(const Mask& mask, int steps) {
  Mask out = mask;
  for (int s = 0; s < steps; ++s)
    growStep(out, s % 2 == 0, 1);
  return out;
}

Mask erodeBall(const Mask& mask, int steps) {
  Mask out = mask;
  for (int s = 0; s < steps; ++s)
    growStep(out, s % 2 == 0, 0);
  return out;
}
Mask erodeBox(const Mask& mask, double radiusMm) { return boxFilter(mask, radiusMm, false); }

std::size_t countForeground(const Mask& mask) {
  std::size_t n = 0;
  for (auto v : mask.voxels())
    n += v ? 1 : 0;
  return n;
}

namespace {
/// Label 6-connected components of voxels where `inside(v)` holds; returns labels (0 = not inside) and sizes.
template <class Pred> std::vector<std::size_t> label(const Mask& mask, Pred inside, std::vector<std::int32_t>& labels) {
  const auto size = mask.size();
  labels.assign(mask.voxelCount(), 0);
  std::vector<std::size_t> sizes{0};
  std::vector<std::size_t> stack;
  const long long sx = size[0], sy = size[1], sz = size[2];
  for (std::size_t seed = 0; seed < mask.voxelCount(); ++seed) {
    if (labels[seed] || !inside(mask[seed])) continue;
    const auto id = static_cast<std::int32_t>(sizes.size());
    std::size_t count = 0;
    stack.push_back(seed);
    labels[seed] = id;
    while (!stack.empty()) {
      const std::size_t v = stack.back();
      stack.pop_back();
      ++count;
      const long long i = v % sx, j = (v / sx) % sy, k = v / (sx * sy);
      const long long nb[6][3] = {{i - 1, j, k}, {i + 1, j, k}, {i, j - 1, k},
                                  {i, j + 1, k}, {i, j, k - 1}, {i, j, k + 1}};
      for (const auto& p : nb) {
        if (p[0] < 0 || p[1] < 0 || p[2] < 0 || p[0] >= sx || p[1] >= sy || p[2] >= sz) continue;
        const std::size_t u = static_cast<std::size_t>(p[0] + sx * (p[1] + sy * p[2]));
        if (labels[u] || !inside(mask[u])) continue;
        labels[u] = id;
        stack.push_back(u);
      }
    }
    sizes.push_back(count);
  }
  return sizes;
}
} // namespace

std::size_t keepLargestComponent(Mask& mask) {
  std::vector<std::int32_t> labels;
  const auto sizes = label(
    mask, [](std::uint8_t v) { return v != 0; }, labels);
  if (sizes.size() <= 1) return 0;
  const auto best = static_cast<std::int32_t>(std::max_element(sizes.begin() + 1, sizes.end()) - sizes.begin());
  for (std::size_t n = 0; n < mask.voxelCount(); ++n)
    mask[n] = labels[n] == best ? 1 : 0;
  return sizes[static_cast<std::size_t>(best)];
}

void fillHoles(Mask& mask) {
  std::vector<std::int32_t> labels;
  label(
    mask, [](std::uint8_t v) { return v == 0; }, labels);
  // Background components touching the border stay background.
  const auto size = mask.size();
  std::vector<char> border(labels.size() > 0 ? *std::max_element(labels.begin(), labels.end()) + 1 : 1, 0);
  for (std::size_t k = 0; k < size[2]; ++k)
    for (std::size_t j = 0; j < size[1]; ++j)
      for (std::size_t i = 0; i < size[0]; ++i) {
        if (i != 0 && j != 0 && k != 0 && i + 1 != size[0] && j + 1 != size[1] && k + 1 != size[2]) continue;
        border[static_cast<std::size_t>(labels[mask.linearIndex(i, j, k)])] = 1;
      }
  for (std::size_t n = 0; n < mask.voxelCount(); ++n)
    if (labels[n] > 0 && !border[static_cast<std::size_t>(labels[n])]) mask[n] = 1;
}

} // namespace strega::preprocess::detail
