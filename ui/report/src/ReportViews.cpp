#include "ReportViews.h"

#include "strega/core/Error.h"
#include "strega/render/OverlayStyle.h"
#include "strega/render/SurfaceMesh.h"
#include "strega/render/SurfaceScene.h"
#include "strega/render/WindowLevel.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <mutex>

namespace strega::report::detail {

namespace {

/// A shared_ptr that does not own: SliceRenderer takes shared layers, the report only borrows the caller's
/// volumes for the duration of one call.
template <class T> std::shared_ptr<const T> borrow(const T& value) {
  return std::shared_ptr<const T>(std::shared_ptr<const T>(), &value);
}

/// Anatomical letter of a unit world direction (LPS: +x Left, +y Posterior, +z Superior).
const char* letterOf(const Vec3& direction) {
  int axis = 0;
  for (int a = 1; a < 3; ++a)
    if (std::abs(direction[a]) > std::abs(direction[axis])) axis = a;
  static constexpr const char* kPositive[3] = {"L", "P", "S"};
  static constexpr const char* kNegative[3] = {"R", "A", "I"};
  return direction[axis] > 0 ? kPositive[axis] : kNegative[axis];
}

RgbImage toRgb(const render::RgbaImage& picture) {
  RgbImage out(picture.width, picture.height);
  for (int y = 0; y < picture.height; ++y)
    for (int x = 0; x < picture.width; ++x) {
      const render::Rgb c = render::unpackRgb(picture.at(x, y));
      out.set(x, y, {c.r, c.g, c.b});
    }
  return out;
}

/// Ticks along the borders pointing at pixel column `a` and row `b`; they stop short of the point itself so that
/// the finding under it stays visible.
void drawTicks(RgbImage& image, int a, int b) {
  static constexpr RgbImage::Color kYellow{255, 220, 0};
  const int length = std::max(3, std::min(image.width, image.height) / 16);
  for (int t = 0; t < length; ++t)
    for (int thick = -1; thick <= 0; ++thick) {
      image.set(a + thick, t, kYellow);
      image.set(a + thick, image.height - 1 - t, kYellow);
      image.set(t, b + thick, kYellow);
      image.set(image.width - 1 - t, b + thick, kYellow);
    }
}

} // namespace

struct SlicePainter::Impl {
  render::SliceGeometry geometry;
  render::SliceRenderer renderer;
  render::WindowLevel windowLevel;
};

SlicePainter::SlicePainter(const ReportContent& content, int maxPixels) : m_impl(std::make_unique<Impl>()) {
  const ImageF& image = *content.image;
  m_impl->geometry = render::SliceGeometry(image.geometry(), std::max(16, maxPixels));
  m_impl->renderer.setImage(borrow(image));
  // Window from the brain when there is one: the scalp and fat of a T1 head are brighter than the brain and would
  // otherwise compress its contrast.
  const auto range = content.brainMask && content.brainMask->geometry().sameGrid(image.geometry())
                       ? render::percentileRange(image, 1.0, 99.5, true, content.brainMask)
                       : std::nullopt;
  m_impl->windowLevel =
    range ? render::WindowLevel::fromRange(range->first, range->second) : render::autoWindowLevel(image);
  if (content.anomalyMask && !content.anomalyMask->empty()) {
    // A translucent fill keeps the tissue under the finding readable; the opaque outline shows its extent.
    render::LabelStyle fill;
    fill.opacity = 0.4;
    fill.colour = {255, 30, 30};
    m_impl->renderer.addLabelOverlay(borrow(*content.anomalyMask), fill);
    render::LabelStyle outline = fill;
    outline.mode = render::MaskMode::Outline;
    outline.opacity = 1.0;
    m_impl->renderer.addLabelOverlay(borrow(*content.anomalyMask), outline);
  }
}

SlicePainter::~SlicePainter() = default;

Vec3 SlicePainter::centreMm() const { return m_impl->geometry.centreMm(); }

SliceView SlicePainter::paint(render::ViewAxis axis, const Vec3& pointMm, bool markPoint) {
  const Vec3 snapped = m_impl->geometry.snap(pointMm);
  const render::SliceFrame frame = m_impl->geometry.frame(axis, snapped, render::DisplayConvention::Radiological);
  render::RgbaImage rgba;
  m_impl->renderer.render(frame, m_impl->windowLevel, rgba);

  SliceView view;
  view.axis = axis;
  view.picture = toRgb(rgba);
  if (markPoint) {
    const auto pixel = frame.worldToPixel(pointMm);
    drawTicks(view.picture, static_cast<int>(std::lround(pixel[0])), static_cast<int>(std::lround(pixel[1])));
  }
  view.edgeLetters = {letterOf(scale(frame.downLps, -1.0)), letterOf(frame.rightLps), letterOf(frame.downLps),
                      letterOf(scale(frame.rightLps, -1.0))};
  static constexpr const char* kAxisName[3] = {"x", "y", "z"};
  int n = 0;
  for (int a = 1; a < 3; ++a)
    if (std::abs(frame.normalLps[a]) > std::abs(frame.normalLps[n])) n = a;
  char depth[64];
  std::snprintf(depth, sizeof depth, "%s = %.1f mm", kAxisName[n], snapped[n]);
  view.depthText = depth;
  return view;
}

namespace {

/// The iso-value for a head surface when no brain mask is given: a quarter of the way from the dark background to
/// the bright foreground, which lands on the skin of an MRI head and on the edge of synthetic phantoms.
double headIsoValue(const ImageF& image) {
  const auto range = render::percentileRange(image, 2.0, 98.0, false);
  if (!range) return 0.5;
  return range->first + 0.25 * (range->second - range->first);
}

bool uniform(const render::RgbaImage& picture) {
  if (picture.empty()) return true;
  const std::uint32_t first = picture.pixels.front();
  return std::all_of(picture.pixels.begin(), picture.pixels.end(), [first](std::uint32_t p) { return p == first; });
}

} // namespace

Views3d render3dViews(const ReportContent& content, const ReportOptions& options) {
  Views3d result;
  if (!options.render3d) {
    result.note = "3D view not requested";
    return result;
  }
  // Debian's VTK renders through GLX: creating a render window without an X server aborts inside VTK, so the
  // display is checked first, before any VTK window object exists.
  if (!render::SurfaceScene::available()) {
    result.note = "3D view not available: no display";
    return result;
  }
  const auto context = content.brainMask ? render::SurfaceMesh::fromMask(*content.brainMask)
                                         : render::SurfaceMesh::fromImage(*content.image, headIsoValue(*content.image));
  const auto anomaly = content.anomalyMask ? render::SurfaceMesh::fromMask(*content.anomalyMask)
                                           : std::shared_ptr<const render::SurfaceMesh>();
  if (context->empty() && (!anomaly || anomaly->empty())) {
    result.note = "3D view not available: no surface to show";
    return result;
  }

  // VTK's rendering classes are not thread-safe: reports written by parallel batch workers render one at a time,
  // and never while the viewer's 3D view renders (the GUI runs the pipeline, and so this, on worker threads).
  const std::lock_guard lock(render::SurfaceScene::renderLock());
  render::SurfaceScene scene;
  const bool haveFindings = anomaly && !anomaly->empty();
  scene.addMesh(context, {225, 205, 190}, haveFindings ? 0.25 : 0.6);
  if (haveFindings) scene.addMesh(anomaly, {255, 40, 30}, 1.0);
  const std::string what = std::string(content.brainMask ? "brain" : "head") +
                           (haveFindings ? " surface translucent, findings red" : " surface; no findings");
  scene.resetCamera(); // from the front (anterior), superior up
  scene.zoom(1.5);     // VTK frames the bounding sphere; the brain then filled only a third of the picture
  const int w = std::max(64, options.view3dWidth);
  const int h = std::max(64, options.view3dHeight);
  render::RgbaImage front = scene.render(w, h);
  scene.rotate(90.0, 0.0); // about superior: the camera moves from anterior to the patient's left
  render::RgbaImage left = scene.render(w, h);
  if (uniform(front) || uniform(left)) {
    result.note = "3D view not available: offscreen rendering produced an empty picture";
    return result;
  }
  result.views.push_back({"From the front (anterior): the patient's right on the left; " + what, toRgb(front)});
  result.views.push_back({"From the patient's left: anterior on the left; " + what, toRgb(left)});
  return result;
}

} // namespace strega::report::detail
