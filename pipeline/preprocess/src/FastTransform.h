#pragma once
// Internal: an AtlasTransform with its matrices precomputed for evaluating millions of points.

#include "Sampling.h"
#include "strega/preprocess/AtlasTransform.h"

namespace strega::preprocess::detail {

class FastTransform {
public:
  explicit FastTransform(const AtlasTransform& t)
    : m_affine(t.affine), m_inverse(t.affine.inverse()), m_field(t.deformation ? &*t.deformation : nullptr),
      m_fieldIndex(t.deformation ? t.deformation->geometry() : ImageGeometry{}) {}

  bool hasDeformation() const { return m_field != nullptr; }
  double maxDisplacementMm() const { return m_field ? m_maxDisp : 0.0; }
  void computeMaxDisplacement() {
    if (m_field) m_maxDisp = m_field->maxMagnitudeMm();
  }

  Vec3 displacement(const Vec3& atlasPoint) const {
    if (!m_field) return {0.0, 0.0, 0.0};
    const Vec3 idx = m_fieldIndex(atlasPoint);
    return {sampleLinear(m_field->component(0), idx, 0.0f), sampleLinear(m_field->component(1), idx, 0.0f),
            sampleLinear(m_field->component(2), idx, 0.0f)};
  }
  Vec3 forward(const Vec3& atlasPoint) const {
    if (!m_field) return m_affine.apply(atlasPoint);
    return m_affine.apply(add(atlasPoint, displacement(atlasPoint)));
  }
  /// Affine-only inverse (the starting point of the full inverse).
  Vec3 inverseAffine(const Vec3& nativePoint) const { return m_inverse.apply(nativePoint); }
  /// Tabulate the inverse displacement u(b) (x = b + u(b) solves x + d(x) = b) on the field's grid, so that bulk
  /// inversion needs one lookup and one correction step per point instead of a full fixed-point iteration.
  void prepareInverse() {
    if (!m_field || !m_inverseField.empty()) return;
    m_inverseField = DisplacementField(m_field->geometry());
    const IndexToPhysical toPoint(m_field->geometry());
    const auto& s = m_field->geometry().size;
    for (std::size_t k = 0; k < s[2]; ++k)
      for (std::size_t j = 0; j < s[1]; ++j)
        for (std::size_t i = 0; i < s[0]; ++i) {
          const Vec3 b = toPoint(double(i), double(j), double(k));
          const Vec3 x = iterate(b, b);
          for (int a = 0; a < 3; ++a)
            m_inverseField.component(a).at(i, j, k) = static_cast<float>(x[a] - b[a]);
        }
  }

  /// Full inverse from the affine-only inverse `base`.
  Vec3 inverseFrom(const Vec3& base) const {
    if (!m_field) return base;
    if (!m_inverseField.empty()) {
      const Vec3 idx = m_fieldIndex(base);
      const Vec3 start{base[0] + sampleLinear(m_inverseField.component(0), idx, 0.0f),
                       base[1] + sampleLinear(m_inverseField.component(1), idx, 0.0f),
                       base[2] + sampleLinear(m_inverseField.component(2), idx, 0.0f)};
      return iterate(base, start, 2);
    }
    return iterate(base, base);
  }

private:
  Vec3 iterate(const Vec3& base, Vec3 x, int maxIterations = 30) const {
    for (int it = 0; it < maxIterations; ++it) {
      const Vec3 d = displacement(x);
      const Vec3 next{base[0] - d[0], base[1] - d[1], base[2] - d[2]};
      const double change = maxAbsDifference(next, x);
      x = next;
      if (change < 1e-3) break;
    }
    return x;
  }

  Affine3 m_affine, m_inverse;
  const DisplacementField* m_field;
  PhysicalToIndex m_fieldIndex;
  double m_maxDisp = 0.0;
  DisplacementField m_inverseField;
};

} // namespace strega::preprocess::detail
