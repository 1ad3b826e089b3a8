#pragma once
/// \file
/// \brief SurfaceMesh: a triangle surface in world space (LPS, mm) extracted from a mask or an image.

#include "strega/core/Volume.h"

#include <cstddef>
#include <memory>
#include <vector>

namespace strega::render {

/// \brief An immutable triangle mesh in LPS millimetres, extracted with VTK's flying edges.
///
/// Built off the GUI thread (extraction of a head-sized mask takes a fraction of a second) and shared with a
/// SurfaceScene. Large volumes are averaged down by 2 per axis first so that the mesh stays light enough to
/// rotate with software OpenGL; masks are smoothed slightly before extraction so that voxel steps do not show.
class SurfaceMesh {
public:
  /// Surface around the voxels whose label is >= minLabel. An empty mask gives an empty mesh.
  static std::shared_ptr<const SurfaceMesh> fromMask(const Mask& mask, std::uint8_t minLabel = 1);
  /// Iso-surface of an image at `isoValue` (image units).
  static std::shared_ptr<const SurfaceMesh> fromImage(const ImageF& image, double isoValue);

  ~SurfaceMesh();
  std::size_t triangleCount() const;
  bool empty() const { return triangleCount() == 0; }
  /// The mesh's vertices (LPS, mm).
  std::vector<Vec3> vertices() const;

  struct Impl;
  const Impl& impl() const { return *m_impl; }

private:
  explicit SurfaceMesh(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

} // namespace strega::render
