#pragma once
/// \file
/// \brief SliceFrame: the world-aligned plane one slice view shows, and the slice grid along its normal.

#include "strega/core/ImageGeometry.h"
#include "strega/core/Math.h"

#include <array>

namespace strega::render {

/// \brief The three orthogonal slice views. Planes are aligned with the world (LPS) axes, not the voxel axes,
/// so that oblique volumes display upright and all views agree on every point.
enum class ViewAxis { Axial, Coronal, Sagittal };

/// "Axial", "Coronal", "Sagittal".
const char* toString(ViewAxis axis);

/// \brief Left-right convention of axial and coronal views. Radiological: the patient's right on the screen's
/// left (as if facing the patient). Neurological: the patient's right on the screen's right.
enum class DisplayConvention { Radiological, Neurological };

/// \brief Positions of the slices along one view's normal (world mm): depth(index) = firstMm + index * stepMm.
///
/// For a volume whose axes are aligned with the world, the positions are exactly its voxel centres along that
/// axis, so scrolling visits every voxel plane once.
struct SliceRange {
  double firstMm = 0.0;
  double stepMm = 1.0;
  int count = 1;

  double depthOf(int index) const { return firstMm + index * stepMm; }
  /// Nearest slice index of a depth (mm along the normal), clamped to [0, count - 1].
  int indexOf(double depthMm) const;
};

/// \brief Maps the pixels of one slice view to world points (LPS, mm).
///
/// Pixel (a, b) (a = column to the right, b = row downwards, centres at integers) is the world point
/// originMm + a * pixelSizeMm * rightLps + b * pixelSizeMm * downLps. rightLps, downLps and normalLps are unit
/// world axes (signed), normalLps = the axis the slice is taken across; originMm already lies at the slice depth.
struct SliceFrame {
  ViewAxis axis = ViewAxis::Axial;
  Vec3 rightLps{1, 0, 0};
  Vec3 downLps{0, 1, 0};
  Vec3 normalLps{0, 0, 1};
  Vec3 originMm{0, 0, 0};
  double pixelSizeMm = 1.0;
  int width = 1;
  int height = 1;

  /// World point (LPS, mm) of a continuous pixel position.
  Vec3 pixelToWorld(double a, double b) const;
  /// Continuous pixel position (a, b) of the projection of a world point onto this plane.
  std::array<double, 2> worldToPixel(const Vec3& pointMm) const;
  /// Depth of the plane along normalLps (mm).
  double depthMm() const { return dot(originMm, normalLps); }
};

/// \brief The slice geometry of one reference volume: the in-plane extent and slice grid of each view.
///
/// Built from the base image's geometry (its voxel-centre bounding box in world space). Pixel size is the
/// smallest voxel spacing, so anisotropic volumes keep their true aspect ratio; no side exceeds maxPixels.
class SliceGeometry {
public:
  SliceGeometry() = default;
  explicit SliceGeometry(const ImageGeometry& reference, int maxPixels = 1024);

  /// Plane of `axis` through the cursor (LPS, mm), in the given left-right convention.
  SliceFrame frame(ViewAxis axis, const Vec3& cursorMm, DisplayConvention convention) const;
  /// Slice positions along the normal of `axis`.
  const SliceRange& range(ViewAxis axis) const { return m_ranges[static_cast<int>(axis)]; }
  /// The point moved to the nearest slice position along each of the three world axes.
  Vec3 snap(const Vec3& pointMm) const;
  /// The centre of the volume (LPS, mm), snapped to the slice grid.
  Vec3 centreMm() const;
  /// World bounding box of the voxel centres: minimum and maximum corner (LPS, mm).
  const Vec3& boundsMinMm() const { return m_min; }
  const Vec3& boundsMaxMm() const { return m_max; }
  double pixelSizeMm() const { return m_pixelMm; }

  /// Unit world direction along which slices of `axis` are stacked (+S for axial, +P coronal, +L sagittal).
  static Vec3 normalOf(ViewAxis axis);

private:
  Vec3 m_min{0, 0, 0};
  Vec3 m_max{0, 0, 0};
  double m_pixelMm = 1.0;
  std::array<SliceRange, 3> m_ranges{}; // indexed by ViewAxis
};

} // namespace strega::render
