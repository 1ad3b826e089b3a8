#include "strega/render/SliceFrame.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace strega::render {

const char* toString(ViewAxis axis) {
  switch (axis) {
  case ViewAxis::Axial: return "Axial";
  case ViewAxis::Coronal: return "Coronal";
  case ViewAxis::Sagittal: return "Sagittal";
  }
  return "?";
}

namespace {
/// World axis (0 = x/L, 1 = y/P, 2 = z/S) across which slices of a view are taken.
int normalIndex(ViewAxis axis) {
  switch (axis) {
  case ViewAxis::Axial: return 2;
  case ViewAxis::Coronal: return 1;
  case ViewAxis::Sagittal: return 0;
  }
  return 2;
}

Vec3 unit(int index, double sign) {
  Vec3 v{0, 0, 0};
  v[index] = sign;
  return v;
}
} // namespace

int SliceRange::indexOf(double depthMm) const {
  if (count <= 1 || !(stepMm > 0.0)) return 0;
  const double position = std::round((depthMm - firstMm) / stepMm);
  return static_cast<int>(std::clamp(position, 0.0, static_cast<double>(count - 1)));
}

Vec3 SliceFrame::pixelToWorld(double a, double b) const {
  return add(originMm, add(scale(rightLps, a * pixelSizeMm), scale(downLps, b * pixelSizeMm)));
}

std::array<double, 2> SliceFrame::worldToPixel(const Vec3& pointMm) const {
  const Vec3 offset = subtract(pointMm, originMm);
  return {dot(offset, rightLps) / pixelSizeMm, dot(offset, downLps) / pixelSizeMm};
}

Vec3 SliceGeometry::normalOf(ViewAxis axis) { return unit(normalIndex(axis), 1.0); }

SliceGeometry::SliceGeometry(const ImageGeometry& reference, int maxPixels) {
  reference.validate();
  // World bounding box of the voxel centres (the eight corner voxels).
  m_min = {std::numeric_limits<double>::max(), std::numeric_limits<double>::max(), std::numeric_limits<double>::max()};
  m_max = {std::numeric_limits<double>::lowest(), std::numeric_limits<double>::lowest(),
           std::numeric_limits<double>::lowest()};
  for (int corner = 0; corner < 8; ++corner) {
    Vec3 index{};
    for (int a = 0; a < 3; ++a)
      index[a] = (corner >> a & 1) ? static_cast<double>(reference.size[a] - 1) : 0.0;
    const Vec3 p = reference.indexToPhysical(index);
    for (int w = 0; w < 3; ++w) {
      m_min[w] = std::min(m_min[w], p[w]);
      m_max[w] = std::max(m_max[w], p[w]);
    }
  }

  m_pixelMm = std::min({reference.spacingMm[0], reference.spacingMm[1], reference.spacingMm[2]});
  double largestExtent = 0.0;
  for (int w = 0; w < 3; ++w)
    largestExtent = std::max(largestExtent, m_max[w] - m_min[w]);
  if (maxPixels > 1 && largestExtent / m_pixelMm + 1.0 > maxPixels) m_pixelMm = largestExtent / (maxPixels - 1);

  // Slice step along each world axis: the spacing of the voxel axis that points most nearly along it, so that
  // an axis-aligned volume is visited voxel plane by voxel plane.
  for (ViewAxis axis : {ViewAxis::Axial, ViewAxis::Coronal, ViewAxis::Sagittal}) {
    const int w = normalIndex(axis);
    int best = 0;
    for (int k = 1; k < 3; ++k)
      if (std::abs(reference.direction[w * 3 + k]) > std::abs(reference.direction[w * 3 + best])) best = k;
    SliceRange& range = m_ranges[static_cast<int>(axis)];
    range.stepMm = reference.spacingMm[best];
    range.firstMm = m_min[w];
    range.count = static_cast<int>(std::floor((m_max[w] - m_min[w]) / range.stepMm + 0.5)) + 1;
    range.count = std::max(range.count, 1);
  }
}

SliceFrame SliceGeometry::frame(ViewAxis axis, const Vec3& cursorMm, DisplayConvention convention) const {
  SliceFrame f;
  f.axis = axis;
  f.pixelSizeMm = m_pixelMm;
  const double leftRight = convention == DisplayConvention::Radiological ? 1.0 : -1.0;
  int rightIndex = 0;
  int downIndex = 1;
  double rightSign = leftRight;
  double downSign = 1.0;
  switch (axis) {
  case ViewAxis::Axial: rightIndex = 0, rightSign = leftRight, downIndex = 1, downSign = 1.0; break;    // A up
  case ViewAxis::Coronal: rightIndex = 0, rightSign = leftRight, downIndex = 2, downSign = -1.0; break; // S up
  case ViewAxis::Sagittal: rightIndex = 1, rightSign = 1.0, downIndex = 2, downSign = -1.0; break;      // A left
  }
  const int n = normalIndex(axis);
  f.rightLps = unit(rightIndex, rightSign);
  f.downLps = unit(downIndex, downSign);
  f.normalLps = unit(n, 1.0);
  f.originMm[rightIndex] = rightSign > 0 ? m_min[rightIndex] : m_max[rightIndex];
  f.originMm[downIndex] = downSign > 0 ? m_min[downIndex] : m_max[downIndex];
  f.originMm[n] = cursorMm[n];
  f.width = static_cast<int>(std::floor((m_max[rightIndex] - m_min[rightIndex]) / m_pixelMm + 0.5)) + 1;
  f.height = static_cast<int>(std::floor((m_max[downIndex] - m_min[downIndex]) / m_pixelMm + 0.5)) + 1;
  return f;
}

Vec3 SliceGeometry::snap(const Vec3& pointMm) const {
  Vec3 snapped = pointMm;
  for (ViewAxis axis : {ViewAxis::Axial, ViewAxis::Coronal, ViewAxis::Sagittal}) {
    const SliceRange& r = range(axis);
    const int w = normalIndex(axis);
    snapped[w] = r.depthOf(r.indexOf(pointMm[w]));
  }
  return snapped;
}

Vec3 SliceGeometry::centreMm() const { return snap(scale(add(m_min, m_max), 0.5)); }

} // namespace strega::render
