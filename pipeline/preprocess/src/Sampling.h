#pragma once
// Internal: fast index <-> physical mapping and trilinear / nearest sampling of strega volumes.

#include "strega/core/Volume.h"

#include <algorithm>
#include <cmath>

namespace strega::preprocess::detail {

/// Precomputed physical -> continuous index map of a grid.
struct PhysicalToIndex {
  Mat3 m;
  Vec3 origin;
  explicit PhysicalToIndex(const ImageGeometry& g) : m(inverse(g.indexToPhysicalMatrix())), origin(g.originMm) {}
  Vec3 operator()(const Vec3& p) const {
    const Vec3 d{p[0] - origin[0], p[1] - origin[1], p[2] - origin[2]};
    return {m[0] * d[0] + m[1] * d[1] + m[2] * d[2], m[3] * d[0] + m[4] * d[1] + m[5] * d[2],
            m[6] * d[0] + m[7] * d[1] + m[8] * d[2]};
  }
};

/// Precomputed index -> physical map of a grid.
struct IndexToPhysical {
  Mat3 m;
  Vec3 origin;
  explicit IndexToPhysical(const ImageGeometry& g) : m(g.indexToPhysicalMatrix()), origin(g.originMm) {}
  Vec3 operator()(double i, double j, double k) const {
    return {origin[0] + m[0] * i + m[1] * j + m[2] * k, origin[1] + m[3] * i + m[4] * j + m[5] * k,
            origin[2] + m[6] * i + m[7] * j + m[8] * k};
  }
};

/// Trilinear value at a continuous index; `outside` when the point is beyond half a voxel outside the grid.
/// Inside the border half-voxel the nearest edge value is used (so a grid maps onto itself exactly).
template <class T> inline float sampleLinear(const Volume<T>& v, const Vec3& idx, float outside) {
  const auto& s = v.size();
  const double fx = idx[0], fy = idx[1], fz = idx[2];
  if (fx < -0.5 || fy < -0.5 || fz < -0.5 || fx > double(s[0]) - 0.5 || fy > double(s[1]) - 0.5 ||
      fz > double(s[2]) - 0.5)
    return outside;
  const double cx = std::clamp(fx, 0.0, double(s[0] - 1)), cy = std::clamp(fy, 0.0, double(s[1] - 1)),
               cz = std::clamp(fz, 0.0, double(s[2] - 1));
  const std::size_t x0 = static_cast<std::size_t>(cx), y0 = static_cast<std::size_t>(cy),
                    z0 = static_cast<std::size_t>(cz);
  const std::size_t x1 = std::min(x0 + 1, s[0] - 1), y1 = std::min(y0 + 1, s[1] - 1), z1 = std::min(z0 + 1, s[2] - 1);
  const double ax = cx - double(x0), ay = cy - double(y0), az = cz - double(z0);
  const T* d = v.data();
  const std::size_t sx = s[0], sxy = s[0] * s[1];
  auto at = [&](std::size_t x, std::size_t y, std::size_t z) { return double(d[x + sx * y + sxy * z]); };
  const double c00 = at(x0, y0, z0) * (1 - ax) + at(x1, y0, z0) * ax;
  const double c10 = at(x0, y1, z0) * (1 - ax) + at(x1, y1, z0) * ax;
  const double c01 = at(x0, y0, z1) * (1 - ax) + at(x1, y0, z1) * ax;
  const double c11 = at(x0, y1, z1) * (1 - ax) + at(x1, y1, z1) * ax;
  const double c0 = c00 * (1 - ay) + c10 * ay, c1 = c01 * (1 - ay) + c11 * ay;
  return static_cast<float>(c0 * (1 - az) + c1 * az);
}

/// Nearest-neighbour value at a continuous index; `outside` beyond the grid.
template <class T> inline T sampleNearest(const Volume<T>& v, const Vec3& idx, T outside) {
  const long long i = std::llround(idx[0]), j = std::llround(idx[1]), k = std::llround(idx[2]);
  if (!v.contains(i, j, k)) return outside;
  return v.at(static_cast<std::size_t>(i), static_cast<std::size_t>(j), static_cast<std::size_t>(k));
}

} // namespace strega::preprocess::detail
