#pragma once
/// \file
/// \brief AtlasTransform: the mapping from the atlas (working) space to a native image's physical space.

#include "strega/core/ImageGeometry.h"
#include "strega/core/Volume.h"

#include <array>
#include <optional>

namespace strega::preprocess {

/// \brief An affine map of LPS millimetres: y = matrix * x + translationMm.
struct Affine3 {
  Mat3 matrix = identityMatrix();
  Vec3 translationMm{0.0, 0.0, 0.0};

  Vec3 apply(const Vec3& pointMm) const;
  /// The inverse map; throws strega::Error for a singular matrix.
  Affine3 inverse() const;
  /// this ∘ inner: first `inner`, then this.
  Affine3 compose(const Affine3& inner) const;
  /// Volume ratio (determinant of the matrix).
  double determinant() const;
};

/// \brief A dense displacement field in atlas space: d(x) in LPS millimetres, sampled on a regular grid
/// (usually the atlas grid at 2 mm) and interpolated trilinearly; zero outside the grid. The grid is fixed at
/// construction (only the component values may be changed).
class DisplacementField {
public:
  DisplacementField() = default;
  /// A zero field on `grid`.
  explicit DisplacementField(const ImageGeometry& grid);

  const ImageGeometry& geometry() const { return m_components[0].geometry(); }
  /// Component `axis` (0 = x, 1 = y, 2 = z, LPS) of the displacement at each grid node, in mm.
  Volume<float>& component(int axis) { return m_components[static_cast<std::size_t>(axis)]; }
  const Volume<float>& component(int axis) const { return m_components[static_cast<std::size_t>(axis)]; }
  bool empty() const { return m_components[0].empty(); }

  /// Displacement at a physical point (trilinear; zero outside the grid).
  Vec3 at(const Vec3& pointMm) const;
  /// Largest displacement length over the grid nodes, in mm.
  double maxMagnitudeMm() const;

private:
  std::array<Volume<float>, 3> m_components;
  Mat3 m_physicalToIndex = identityMatrix();
};

/// \brief Maps atlas points to native points: native = affine(x + deformation(x)), both LPS mm.
///
/// This is ITK's registration convention with the atlas as the fixed image: the transform takes a point of the
/// fixed (atlas) grid to where it lies in the moving (native) image, which is what resampling the native image
/// onto the atlas grid needs. The optional deformation is applied first, in atlas space, as an ITK
/// CompositeTransform of [affine, displacement field] would. Going back (native to atlas) inverts the affine
/// exactly and the deformation by fixed-point iteration (accurate to 0.01 mm for the smooth fields used here).
struct AtlasTransform {
  Affine3 affine;
  std::optional<DisplacementField> deformation;

  Vec3 atlasToNative(const Vec3& atlasPointMm) const;
  Vec3 nativeToAtlas(const Vec3& nativePointMm) const;
  /// The affine part alone (what plain affine propagation uses).
  AtlasTransform affineOnly() const { return AtlasTransform{affine, std::nullopt}; }
};

} // namespace strega::preprocess
