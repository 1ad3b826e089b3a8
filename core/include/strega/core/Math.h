#pragma once
/// \file
/// \brief Small fixed-size vector and matrix types for 3D image geometry (millimetres, LPS).

#include <array>
#include <cstddef>

namespace strega {

/// \brief A 3-vector of doubles: a physical point or direction in LPS millimetres, or a continuous index.
using Vec3 = std::array<double, 3>;

/// \brief Voxel counts along i, j, k.
using Size3 = std::array<std::size_t, 3>;

/// \brief A 3x3 matrix stored row-major: m[row * 3 + column].
using Mat3 = std::array<double, 9>;

/// The 3x3 identity matrix.
Mat3 identityMatrix();
/// a * b.
Mat3 multiply(const Mat3& a, const Mat3& b);
/// m * v.
Vec3 multiply(const Mat3& m, const Vec3& v);
Mat3 transpose(const Mat3& m);
double determinant(const Mat3& m);
/// Inverse of m; throws strega::Error when m is singular (|det| < 1e-12).
Mat3 inverse(const Mat3& m);
/// Column c of m as a vector.
Vec3 column(const Mat3& m, int c);
Vec3 add(const Vec3& a, const Vec3& b);
Vec3 subtract(const Vec3& a, const Vec3& b);
Vec3 scale(const Vec3& v, double s);
double dot(const Vec3& a, const Vec3& b);
Vec3 cross(const Vec3& a, const Vec3& b);
double norm(const Vec3& v);
/// v / |v|; throws strega::Error for a zero vector.
Vec3 normalized(const Vec3& v);
/// Largest absolute element-wise difference.
double maxAbsDifference(const Vec3& a, const Vec3& b);
double maxAbsDifference(const Mat3& a, const Mat3& b);

} // namespace strega
