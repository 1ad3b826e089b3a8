#pragma once
/// \file
/// \brief ImageGeometry: the grid of a 3D image in LPS physical space (millimetres).

#include "strega/core/Math.h"

#include <cstddef>
#include <string>

namespace strega {

/// \brief Size, spacing, origin and direction of a 3D voxel grid, in the ITK/DICOM convention.
///
/// Physical space is LPS (x grows to the patient's Left, y to Posterior, z to Superior), in millimetres.
/// point = origin + direction * diag(spacing) * index. Columns of `direction` are the unit vectors of the i, j
/// and k axes in LPS (row-major storage: direction[row * 3 + column]). Index (0,0,0) is the centre of the first
/// voxel.
struct ImageGeometry {
  Size3 size{0, 0, 0};
  Vec3 spacingMm{1.0, 1.0, 1.0};
  Vec3 originMm{0.0, 0.0, 0.0};
  Mat3 direction = identityMatrix();

  std::size_t voxelCount() const { return size[0] * size[1] * size[2]; }
  double voxelVolumeMm3() const { return spacingMm[0] * spacingMm[1] * spacingMm[2]; }
  /// Physical point (LPS, mm) of a continuous index.
  Vec3 indexToPhysical(const Vec3& continuousIndex) const;
  /// Continuous index of a physical point (LPS, mm).
  Vec3 physicalToIndex(const Vec3& pointMm) const;
  /// direction * diag(spacing): maps an index step to a physical displacement.
  Mat3 indexToPhysicalMatrix() const;
  /// True when both grids have the same size and their spacing, origin and direction agree within tolerance.
  bool sameGrid(const ImageGeometry& other, double toleranceMm = 1e-4) const;
  /// Throws strega::Error unless sizes are positive, spacings positive and finite, direction orthonormal-ish
  /// and invertible.
  void validate() const;
  /// Letters of the anatomical directions the i, j and k axes point towards, by their dominant component:
  /// identity direction gives "LPS"; a NIfTI-style RAS-stored image gives "RAS".
  std::string orientationCode() const;
};

} // namespace strega
