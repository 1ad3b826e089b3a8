#pragma once
// Internal to strega::report: the pictures of the report (slice views and the 3D view), drawn with strega::render.

#include "strega/core/Png.h"
#include "strega/render/SliceFrame.h"
#include "strega/render/SliceRenderer.h"
#include "strega/report/HtmlReport.h"

#include <array>
#include <memory>
#include <string>
#include <vector>

namespace strega::report::detail {

/// One orthogonal slice, ready to embed: the picture and what its edges and depth mean.
struct SliceView {
  render::ViewAxis axis = render::ViewAxis::Axial;
  RgbImage picture;
  /// Anatomical letters at the picture's top, right, bottom and left edges ("A", "L", "P", "R" for axial).
  std::array<const char*, 4> edgeLetters{};
  /// Position of the plane along its normal: "z = 12.0 mm" style text (LPS).
  std::string depthText;
};

/// Draws world-aligned slices of the report's image with the anomaly mask over it (CPU resampling through
/// strega::render's SliceRenderer: no display needed). Radiological convention.
class SlicePainter {
public:
  SlicePainter(const ReportContent& content, int maxPixels);
  ~SlicePainter();
  SlicePainter(const SlicePainter&) = delete;
  SlicePainter& operator=(const SlicePainter&) = delete;

  /// The slice of `axis` through `pointMm` (LPS, mm), snapped to the image's slice grid. With `markPoint`, short
  /// yellow ticks at the picture's borders point at the row and column of the point (they never cover it).
  SliceView paint(render::ViewAxis axis, const Vec3& pointMm, bool markPoint);
  /// Centre of the image's world bounding box (LPS, mm), snapped to the slice grid: where the mid-planes cross.
  Vec3 centreMm() const;

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

/// A rendered 3D picture with its caption.
struct View3d {
  std::string caption;
  RgbImage picture;
};

/// The 3D views (from the front and from the patient's left), or none with `note` saying why.
struct Views3d {
  std::vector<View3d> views;
  std::string note;
};

/// Renders the context surface (brain mask, else an iso-surface of the image) semi-transparent with the anomaly
/// surfaces opaque, offscreen through VTK. Checks for an X display before any VTK window exists, so it never
/// aborts or hangs without one; a picture that comes back uniform counts as a failure, not as a view.
Views3d render3dViews(const ReportContent& content, const ReportOptions& options);

} // namespace strega::report::detail
