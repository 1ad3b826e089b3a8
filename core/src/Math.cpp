#include "strega/core/Math.h"

#include "strega/core/Error.h"

#include <algorithm>
#include <cmath>

namespace strega {

Mat3 identityMatrix() { return {1, 0, 0, 0, 1, 0, 0, 0, 1}; }

Mat3 multiply(const Mat3& a, const Mat3& b) {
  Mat3 r{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k) r[i * 3 + j] += a[i * 3 + k] * b[k * 3 + j];
  return r;
}

Vec3 multiply(const Mat3& m, const Vec3& v) {
  return {m[0] * v[0] + m[1] * v[1] + m[2] * v[2], m[3] * v[0] + m[4] * v[1] + m[5] * v[2],
          m[6] * v[0] + m[7] * v[1] + m[8] * v[2]};
}

Mat3 transpose(const Mat3& m) { return {m[0], m[3], m[6], m[1], m[4], m[7], m[2], m[5], m[8]}; }

double determinant(const Mat3& m) {
  return m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) +
         m[2] * (m[3] * m[7] - m[4] * m[6]);
}

Mat3 inverse(const Mat3& m) {
  const double det = determinant(m);
  if (!std::isfinite(det) || std::abs(det) < 1e-12)
    throw Error(ErrorKind::InvalidInput, "the image orientation matrix is singular");
  const double s = 1.0 / det;
  return {(m[4] * m[8] - m[5] * m[7]) * s, (m[2] * m[7] - m[1] * m[8]) * s, (m[1] * m[5] - m[2] * m[4]) * s,
          (m[5] * m[6] - m[3] * m[8]) * s, (m[0] * m[8] - m[2] * m[6]) * s, (m[2] * m[3] - m[0] * m[5]) * s,
          (m[3] * m[7] - m[4] * m[6]) * s, (m[1] * m[6] - m[0] * m[7]) * s, (m[0] * m[4] - m[1] * m[3]) * s};
}

Vec3 column(const Mat3& m, int c) { return {m[c], m[3 + c], m[6 + c]}; }
Vec3 add(const Vec3& a, const Vec3& b) { return {a[0] + b[0], a[1] + b[1], a[2] + b[2]}; }
Vec3 subtract(const Vec3& a, const Vec3& b) { return {a[0] - b[0], a[1] - b[1], a[2] - b[2]}; }
Vec3 scale(const Vec3& v, double s) { return {v[0] * s, v[1] * s, v[2] * s}; }
double dot(const Vec3& a, const Vec3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
Vec3 cross(const Vec3& a, const Vec3& b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
double norm(const Vec3& v) { return std::sqrt(dot(v, v)); }

Vec3 normalized(const Vec3& v) {
  const double n = norm(v);
  if (!(n > 0.0) || !std::isfinite(n)) throw Error(ErrorKind::InvalidInput, "a direction vector has zero length");
  return scale(v, 1.0 / n);
}

double maxAbsDifference(const Vec3& a, const Vec3& b) {
  double d = 0.0;
  for (int i = 0; i < 3; ++i) d = std::max(d, std::abs(a[i] - b[i]));
  return d;
}

double maxAbsDifference(const Mat3& a, const Mat3& b) {
  double d = 0.0;
  for (int i = 0; i < 9; ++i) d = std::max(d, std::abs(a[i] - b[i]));
  return d;
}

} // namespace strega
