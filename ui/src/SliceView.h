#pragma once
// SliceView: one axial, coronal or sagittal view: the rendered slice (strega::render) shown in a Qt widget with
// the crosshair, orientation letters, a scale bar and mouse/keyboard interaction.

#include "strega/render/RgbaImage.h"
#include "strega/render/SliceFrame.h"

#include <QImage>
#include <QWidget>

#include <memory>

namespace strega::render {
class SliceRenderer;
}

namespace strega::ui {

class ViewerModel;

/// \brief A slice view through the model's cursor.
///
/// Mouse: left click/drag sets the cursor; right drag (or Ctrl + left drag) changes window (horizontal) and level
/// (vertical); middle drag (or Shift + left drag) pans; the wheel scrolls slices, Ctrl + wheel zooms about the
/// pointer; double-click maximises. Keys: Up/PageUp and Down/PageDown scroll, +/- zoom, Home resets the view.
class SliceView : public QWidget {
  Q_OBJECT
public:
  SliceView(ViewerModel* model, render::ViewAxis axis, QWidget* parent = nullptr);
  ~SliceView() override;

  render::ViewAxis axis() const { return m_axis; }
  /// The plane currently shown.
  const render::SliceFrame& frame() const { return m_frame; }
  /// The last rendered slice (one pixel per slice pixel, before zoom).
  const QImage& sliceImage() const { return m_image; }

  /// Widget position of a world point's projection on this view, and the world point under a widget position.
  QPointF worldToWidget(const Vec3& pointMm) const;
  Vec3 widgetToWorld(const QPointF& position) const;
  /// Screen pixels per millimetre at the current zoom.
  double pixelsPerMm() const;

  void resetView();
  void centreOnCursor();
  /// Zoom by `factor` keeping the point under `anchor` (widget coordinates) fixed.
  void zoomBy(double factor, const QPointF& anchor);
  void setCrosshairVisible(bool visible);
  /// Re-render the slice now (normally done lazily when painting); for benchmarks and tests.
  void renderSlice();

Q_SIGNALS:
  void maximiseRequested();

protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;

private:
  enum class Drag { None, Cursor, Pan, WindowLevel };

  void rebuildLayers();
  void updateFrame();
  double fitScale() const;
  double scale() const { return fitScale() * m_zoom; }
  QPointF pixelToWidget(double a, double b) const;
  QPointF widgetToPixel(const QPointF& position) const;
  void paintAnnotations(QPainter& painter);

  ViewerModel* m_model;
  render::ViewAxis m_axis;
  std::unique_ptr<render::SliceRenderer> m_renderer;
  render::SliceFrame m_frame;
  render::RgbaImage m_pixels;
  QImage m_image;
  bool m_dirty = true;
  bool m_crosshair = true;
  double m_zoom = 1.0;
  QPointF m_pan{0, 0};
  Drag m_drag = Drag::None;
  QPointF m_dragStart;
  QPointF m_panStart;
  double m_windowStart = 1.0;
  double m_levelStart = 0.0;
  int m_wheelRemainder = 0;
};

} // namespace strega::ui
