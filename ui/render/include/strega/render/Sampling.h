#pragma once
/// \file
/// \brief Reading voxels at world points (nearest voxel), for the cursor read-out.

#include "strega/core/Volume.h"

#include <array>
#include <optional>

namespace strega::render {

/// Index of the voxel whose centre is nearest to a world point (LPS, mm), or nothing when it lies outside.
std::optional<std::array<long long, 3>> nearestVoxel(const ImageGeometry& geometry, const Vec3& pointMm);

/// Value of the nearest voxel at a world point (LPS, mm), or nothing outside the volume.
template <class T> std::optional<T> valueAt(const Volume<T>& volume, const Vec3& pointMm) {
  const auto index = nearestVoxel(volume.geometry(), pointMm);
  if (!index) return std::nullopt;
  return volume.at(static_cast<std::size_t>((*index)[0]), static_cast<std::size_t>((*index)[1]),
                   static_cast<std::size_t>((*index)[2]));
}

} // namespace strega::render
