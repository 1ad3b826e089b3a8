#include "strega/core/ImageGeometry.h"

#include "strega/core/Error.h"

#include <cmath>

namespace strega {

Mat3 ImageGeometry::indexToPhysicalMatrix() const {
  Mat3 m = direction;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) m[r * 3 + c] *= spacingMm[c];
  return m;
}

Vec3 ImageGeometry::indexToPhysical(const Vec3& continuousIndex) const {
  return add(originMm, multiply(indexToPhysicalMatrix(), continuousIndex));
}

Vec3 ImageGeometry::physicalToIndex(const Vec3& pointMm) const {
  return multiply(inverse(indexToPhysicalMatrix()), subtract(pointMm, originMm));
}

bool ImageGeometry::sameGrid(const ImageGeometry& other, double toleranceMm) const {
  return size == other.size && maxAbsDifference(spacingMm, other.spacingMm) <= toleranceMm &&
         maxAbsDifference(originMm, other.originMm) <= toleranceMm &&
         maxAbsDifference(direction, other.direction) <= toleranceMm;
}

void ImageGeometry::validate() const {
  for (int a = 0; a < 3; ++a) {
    if (size[a] == 0) throw Error(ErrorKind::InvalidInput, "the image has a zero dimension");
    if (!std::isfinite(spacingMm[a]) || !(spacingMm[a] > 0.0))
      throw Error(ErrorKind::InvalidInput, "the image has a zero, negative or non-finite voxel spacing");
    if (!std::isfinite(originMm[a])) throw Error(ErrorKind::InvalidInput, "the image origin is not finite");
  }
  const double det = determinant(direction);
  if (!std::isfinite(det) || std::abs(std::abs(det) - 1.0) > 1e-3)
    throw Error(ErrorKind::InvalidInput, "the image orientation is singular or not orthonormal",
                "det(direction) = " + std::to_string(det));
}

std::string ImageGeometry::orientationCode() const {
  static const char positive[3] = {'L', 'P', 'S'};
  static const char negative[3] = {'R', 'A', 'I'};
  std::string code;
  for (int c = 0; c < 3; ++c) {
    const Vec3 axis = column(direction, c);
    int best = 0;
    for (int r = 1; r < 3; ++r)
      if (std::abs(axis[r]) > std::abs(axis[best])) best = r;
    code += axis[best] >= 0 ? positive[best] : negative[best];
  }
  return code;
}

} // namespace strega
