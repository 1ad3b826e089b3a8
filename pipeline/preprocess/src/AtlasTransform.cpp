#include "strega/preprocess/AtlasTransform.h"

#include "Sampling.h"

#include <cmath>

namespace strega::preprocess {

Vec3 Affine3::apply(const Vec3& p) const { return add(multiply(matrix, p), translationMm); }

Affine3 Affine3::inverse() const {
  Affine3 inv;
  inv.matrix = strega::inverse(matrix);
  inv.translationMm = scale(multiply(inv.matrix, translationMm), -1.0);
  return inv;
}

Affine3 Affine3::compose(const Affine3& inner) const {
  Affine3 out;
  out.matrix = multiply(matrix, inner.matrix);
  out.translationMm = add(multiply(matrix, inner.translationMm), translationMm);
  return out;
}

double Affine3::determinant() const { return strega::determinant(matrix); }

DisplacementField::DisplacementField(const ImageGeometry& grid)
  : m_components{Volume<float>(grid), Volume<float>(grid), Volume<float>(grid)},
    m_physicalToIndex(strega::inverse(grid.indexToPhysicalMatrix())) {}

Vec3 DisplacementField::at(const Vec3& pointMm) const {
  if (empty()) return {0.0, 0.0, 0.0};
  const Vec3 idx = multiply(m_physicalToIndex, subtract(pointMm, geometry().originMm));
  return {detail::sampleLinear(m_components[0], idx, 0.0f), detail::sampleLinear(m_components[1], idx, 0.0f),
          detail::sampleLinear(m_components[2], idx, 0.0f)};
}

double DisplacementField::maxMagnitudeMm() const {
  double best = 0.0;
  for (std::size_t n = 0; n < m_components[0].voxelCount(); ++n) {
    const double x = m_components[0][n], y = m_components[1][n], z = m_components[2][n];
    best = std::max(best, x * x + y * y + z * z);
  }
  return std::sqrt(best);
}

Vec3 AtlasTransform::atlasToNative(const Vec3& atlasPointMm) const {
  if (!deformation) return affine.apply(atlasPointMm);
  return affine.apply(add(atlasPointMm, deformation->at(atlasPointMm)));
}

Vec3 AtlasTransform::nativeToAtlas(const Vec3& nativePointMm) const {
  const Vec3 base = affine.inverse().apply(nativePointMm);
  if (!deformation) return base;
  // Solve x + d(x) = base by fixed-point iteration (converges for fields with |grad d| < 1).
  Vec3 x = base;
  for (int it = 0; it < 20; ++it) {
    const Vec3 next = subtract(base, deformation->at(x));
    const double change = maxAbsDifference(next, x);
    x = next;
    if (change < 1e-3) break;
  }
  return x;
}

} // namespace strega::preprocess
