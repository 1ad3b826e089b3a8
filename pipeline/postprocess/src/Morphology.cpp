#include "strega/postprocess/Morphology.h"

#include "strega/postprocess/Threshold.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

namespace strega::postprocess {
namespace {

struct Offset {
  std::ptrdiff_t di, dj, dk;
};

std::vector<Offset> ballOffsets(const std::array<double, 3>& spacing, double radiusMm) {
  std::array<std::ptrdiff_t, 3> reach{};
  for (int a = 0; a < 3; ++a)
    reach[a] = static_cast<std::ptrdiff_t>(std::floor(radiusMm / spacing[a] + 1e-9));
  std::vector<Offset> offsets;
  for (std::ptrdiff_t k = -reach[2]; k <= reach[2]; ++k)
    for (std::ptrdiff_t j = -reach[1]; j <= reach[1]; ++j)
      for (std::ptrdiff_t i = -reach[0]; i <= reach[0]; ++i) {
        const double x = i * spacing[0], y = j * spacing[1], z = k * spacing[2];
        if (x * x + y * y + z * z <= radiusMm * radiusMm * (1.0 + 1e-9)) offsets.push_back({i, j, k});
      }
  return offsets;
}

} // namespace

std::size_t fillHolesPerSlice(Mask& mask, ProgressScope* progress) {
  const auto& s = mask.size();
  const std::size_t sliceSize = s[0] * s[1];
  std::vector<std::uint8_t> outside(sliceSize);
  std::vector<std::size_t> stack;
  std::size_t added = 0;
  for (std::size_t k = 0; k < s[2]; ++k) {
    if (progress) progress->update(double(k) / s[2]);
    std::uint8_t* slice = mask.data() + k * sliceSize;
    if (std::none_of(slice, slice + sliceSize, [](std::uint8_t v) { return v != 0; })) continue;
    std::fill(outside.begin(), outside.end(), std::uint8_t{0});
    stack.clear();
    auto seed = [&](std::size_t p) {
      if (!slice[p] && !outside[p]) {
        outside[p] = 1;
        stack.push_back(p);
      }
    };
    for (std::size_t i = 0; i < s[0]; ++i) {
      seed(i);
      seed((s[1] - 1) * s[0] + i);
    }
    for (std::size_t j = 0; j < s[1]; ++j) {
      seed(j * s[0]);
      seed(j * s[0] + s[0] - 1);
    }
    while (!stack.empty()) {
      const std::size_t p = stack.back();
      stack.pop_back();
      const std::size_t i = p % s[0], j = p / s[0];
      if (i > 0) seed(p - 1);
      if (i + 1 < s[0]) seed(p + 1);
      if (j > 0) seed(p - s[0]);
      if (j + 1 < s[1]) seed(p + s[0]);
    }
    for (std::size_t p = 0; p < sliceSize; ++p)
      if (!slice[p] && !outside[p]) {
        slice[p] = 1;
        ++added;
      }
  }
  return added;
}

std::size_t openWithBall(Mask& mask, double radiusMm, ProgressScope* progress) {
  if (!(radiusMm > 0.0)) return 0;
  const auto offsets = ballOffsets(mask.geometry().spacingMm, radiusMm);
  if (offsets.size() <= 1) return 0;
  const auto& s = mask.size();
  const auto n0 = static_cast<std::ptrdiff_t>(s[0]), n1 = static_cast<std::ptrdiff_t>(s[1]),
             n2 = static_cast<std::ptrdiff_t>(s[2]);
  // Erosion: a voxel stays if the whole ball around it lies in the mask. Only mask voxels are visited (findings are a
  // small part of the volume).
  std::vector<std::size_t> eroded;
  for (std::ptrdiff_t k = 0; k < n2; ++k) {
    if (progress) progress->update(0.5 * double(k) / double(n2));
    for (std::ptrdiff_t j = 0; j < n1; ++j)
      for (std::ptrdiff_t i = 0; i < n0; ++i) {
        const std::size_t n = static_cast<std::size_t>((k * n1 + j) * n0 + i);
        if (!mask[n]) continue;
        const bool inside = std::all_of(offsets.begin(), offsets.end(), [&](const Offset& o) {
          const std::ptrdiff_t a = i + o.di, b = j + o.dj, c = k + o.dk;
          return a >= 0 && a < n0 && b >= 0 && b < n1 && c >= 0 && c < n2 &&
                 mask[static_cast<std::size_t>((c * n1 + b) * n0 + a)];
        });
        if (inside) eroded.push_back(n);
      }
  }
  // Dilation of the eroded voxels by the same ball; it stays inside the original mask.
  Mask opened(mask.geometry(), 0);
  for (std::size_t e = 0; e < eroded.size(); ++e) {
    if (progress && e % 65536 == 0) progress->update(0.5 + 0.5 * double(e) / double(eroded.size()));
    const auto n = static_cast<std::ptrdiff_t>(eroded[e]);
    const std::ptrdiff_t i = n % n0, j = (n / n0) % n1, k = n / (n0 * n1);
    for (const Offset& o : offsets)
      opened[static_cast<std::size_t>(((k + o.dk) * n1 + (j + o.dj)) * n0 + (i + o.di))] = 1;
  }
  return applyGate(mask, opened); // the opening lies inside the mask: what it does not cover goes
}

} // namespace strega::postprocess
