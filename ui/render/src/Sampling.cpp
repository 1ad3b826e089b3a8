#include "strega/render/Sampling.h"

#include <cmath>

namespace strega::render {

std::optional<std::array<long long, 3>> nearestVoxel(const ImageGeometry& geometry, const Vec3& pointMm) {
  if (geometry.voxelCount() == 0) return std::nullopt;
  const Vec3 index = geometry.physicalToIndex(pointMm);
  std::array<long long, 3> nearest{};
  for (int a = 0; a < 3; ++a) {
    nearest[a] = std::llround(index[a]);
    if (nearest[a] < 0 || nearest[a] >= static_cast<long long>(geometry.size[a])) return std::nullopt;
  }
  return nearest;
}

} // namespace strega::render
