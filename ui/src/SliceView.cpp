#include "SliceView.h"

#include "ViewerModel.h"

#include "strega/render/SliceRenderer.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace strega::ui {

namespace {
/// Anatomical letter of a signed world axis (LPS): +x L, -x R, +y P, -y A, +z S, -z I.
QString letterOf(const Vec3& direction) {
  int axis = 0;
  for (int a = 1; a < 3; ++a)
    if (std::abs(direction[a]) > std::abs(direction[axis])) axis = a;
  static const char* positive[3] = {"L", "P", "S"};
  static const char* negative[3] = {"R", "A", "I"};
  return QString::fromLatin1(direction[axis] >= 0 ? positive[axis] : negative[axis]);
}

/// A round length (1, 2 or 5 x 10^n mm) close to `target` mm.
double niceLength(double target) {
  const double exponent = std::pow(10.0, std::floor(std::log10(std::max(target, 1e-6))));
  for (double m : {5.0, 2.0, 1.0})
    if (m * exponent <= target) return m * exponent;
  return exponent;
}

const QColor kCrosshairColour(70, 190, 255, 220);
const QColor kTextColour(255, 235, 150);
} // namespace

SliceView::SliceView(ViewerModel* model, render::ViewAxis axis, QWidget* parent)
  : QWidget(parent), m_model(model), m_axis(axis), m_renderer(std::make_unique<render::SliceRenderer>()) {
  setObjectName(QStringLiteral("sliceView") + QString::fromLatin1(render::toString(axis)));
  setFocusPolicy(Qt::StrongFocus);
  setMouseTracking(false);
  setMinimumSize(120, 120);
  setAttribute(Qt::WA_OpaquePaintEvent);
  connect(model, &ViewerModel::caseChanged, this, [this] {
    rebuildLayers();
    resetView();
  });
  connect(model, &ViewerModel::cursorChanged, this, [this] {
    updateFrame();
    update();
  });
  connect(model, &ViewerModel::windowLevelChanged, this, [this] {
    m_dirty = true;
    update();
  });
  connect(model, &ViewerModel::conventionChanged, this, [this] {
    updateFrame();
    m_dirty = true;
    update();
  });
  connect(model, &ViewerModel::overlayStyleChanged, this, [this](int index) {
    const Overlay& overlay = m_model->overlays().at(static_cast<std::size_t>(index));
    if (overlay.isHeat())
      m_renderer->setHeatStyle(index, overlay.heat);
    else
      m_renderer->setLabelStyle(index, overlay.label);
    m_dirty = true;
    update();
  });
  connect(model, &ViewerModel::centreOnCursorRequested, this, &SliceView::centreOnCursor);
  rebuildLayers();
}

SliceView::~SliceView() = default;

void SliceView::rebuildLayers() {
  m_renderer->setImage(m_model->hasImage() ? m_model->loadedCase()->image : nullptr);
  for (const Overlay& overlay : m_model->overlays()) {
    if (overlay.isHeat())
      m_renderer->addHeatOverlay(overlay.values, overlay.heat);
    else
      m_renderer->addLabelOverlay(overlay.labels, overlay.label);
  }
  updateFrame();
  m_dirty = true;
  update();
}

void SliceView::updateFrame() {
  if (!m_model->hasImage()) return;
  const render::SliceFrame next = m_model->sliceGeometry().frame(m_axis, m_model->cursor(), m_model->convention());
  if (next.originMm != m_frame.originMm || next.width != m_frame.width || next.height != m_frame.height ||
      next.rightLps != m_frame.rightLps)
    m_dirty = true;
  m_frame = next;
}

void SliceView::renderSlice() {
  m_dirty = false;
  if (!m_model->hasImage()) {
    m_image = QImage();
    return;
  }
  m_renderer->render(m_frame, m_model->windowLevel(), m_pixels);
  // Wrap the pixels without copying; m_pixels stays alive and unchanged until the next render.
  m_image = QImage(reinterpret_cast<const uchar*>(m_pixels.pixels.data()), m_pixels.width, m_pixels.height,
                   m_pixels.width * 4, QImage::Format_RGB32);
}

double SliceView::fitScale() const {
  if (m_frame.width <= 0 || m_frame.height <= 0) return 1.0;
  return std::max(1e-3, std::min(width() / double(m_frame.width), height() / double(m_frame.height)));
}

QPointF SliceView::pixelToWidget(double a, double b) const {
  const double s = scale();
  return QPointF(width() / 2.0 + m_pan.x() + (a - (m_frame.width - 1) / 2.0) * s,
                 height() / 2.0 + m_pan.y() + (b - (m_frame.height - 1) / 2.0) * s);
}

QPointF SliceView::widgetToPixel(const QPointF& position) const {
  const double s = scale();
  return QPointF((position.x() - width() / 2.0 - m_pan.x()) / s + (m_frame.width - 1) / 2.0,
                 (position.y() - height() / 2.0 - m_pan.y()) / s + (m_frame.height - 1) / 2.0);
}

QPointF SliceView::worldToWidget(const Vec3& pointMm) const {
  const auto ab = m_frame.worldToPixel(pointMm);
  return pixelToWidget(ab[0], ab[1]);
}

Vec3 SliceView::widgetToWorld(const QPointF& position) const {
  const QPointF ab = widgetToPixel(position);
  return m_frame.pixelToWorld(ab.x(), ab.y());
}

double SliceView::pixelsPerMm() const { return scale() / m_frame.pixelSizeMm; }

void SliceView::resetView() {
  m_zoom = 1.0;
  m_pan = QPointF(0, 0);
  update();
}

void SliceView::centreOnCursor() {
  if (!m_model->hasImage()) return;
  const auto ab = m_frame.worldToPixel(m_model->cursor());
  const double s = scale();
  m_pan = QPointF(-(ab[0] - (m_frame.width - 1) / 2.0) * s, -(ab[1] - (m_frame.height - 1) / 2.0) * s);
  update();
}

void SliceView::zoomBy(double factor, const QPointF& anchor) {
  const QPointF ab = widgetToPixel(anchor);
  m_zoom = std::clamp(m_zoom * factor, 0.1, 64.0);
  const double s = scale();
  m_pan = QPointF(anchor.x() - width() / 2.0 - (ab.x() - (m_frame.width - 1) / 2.0) * s,
                  anchor.y() - height() / 2.0 - (ab.y() - (m_frame.height - 1) / 2.0) * s);
  update();
}

void SliceView::setCrosshairVisible(bool visible) {
  m_crosshair = visible;
  update();
}

void SliceView::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), Qt::black);
  if (!m_model->hasImage()) {
    painter.setPen(QColor(150, 150, 150));
    painter.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap,
                     tr("%1\n\nOpen an image (File > Open) or drop a file or folder here")
                       .arg(QString::fromLatin1(render::toString(m_axis))));
    return;
  }
  if (m_dirty) renderSlice();
  const double s = scale();
  const QRectF target(pixelToWidget(-0.5, -0.5), QSizeF(m_frame.width * s, m_frame.height * s));
  // Nearest-neighbour when magnified (voxels stay crisp squares), smooth when shrunk.
  painter.setRenderHint(QPainter::SmoothPixmapTransform, s < 1.0);
  painter.drawImage(target, m_image);
  paintAnnotations(painter);
}

void SliceView::paintAnnotations(QPainter& painter) {
  painter.setRenderHint(QPainter::Antialiasing, false);
  if (m_crosshair) {
    const QPointF c = worldToWidget(m_model->cursor());
    constexpr double gap = 6.0;
    painter.setPen(QPen(kCrosshairColour, 1));
    painter.drawLine(QPointF(0, c.y()), QPointF(c.x() - gap, c.y()));
    painter.drawLine(QPointF(c.x() + gap, c.y()), QPointF(width(), c.y()));
    painter.drawLine(QPointF(c.x(), 0), QPointF(c.x(), c.y() - gap));
    painter.drawLine(QPointF(c.x(), c.y() + gap), QPointF(c.x(), height()));
  }

  QFont font = painter.font();
  font.setBold(true);
  painter.setFont(font);
  painter.setPen(kTextColour);
  const QFontMetrics metrics(font);
  const int margin = 6;
  const QString left = letterOf(strega::scale(m_frame.rightLps, -1.0));
  const QString right = letterOf(m_frame.rightLps);
  const QString top = letterOf(strega::scale(m_frame.downLps, -1.0));
  const QString bottom = letterOf(m_frame.downLps);
  painter.drawText(QRect(margin, 0, 40, height()), Qt::AlignLeft | Qt::AlignVCenter, left);
  painter.drawText(QRect(width() - 40 - margin, 0, 40, height()), Qt::AlignRight | Qt::AlignVCenter, right);
  painter.drawText(QRect(0, margin, width(), 40), Qt::AlignHCenter | Qt::AlignTop, top);
  painter.drawText(QRect(0, height() - 40 - margin, width(), 40), Qt::AlignHCenter | Qt::AlignBottom, bottom);

  font.setBold(false);
  painter.setFont(font);
  const int index = m_model->sliceIndex(m_axis);
  const int count = m_model->sliceGeometry().range(m_axis).count;
  painter.drawText(QRect(margin, margin, width() - 2 * margin, 40), Qt::AlignLeft | Qt::AlignTop,
                   tr("%1  %2 / %3").arg(QString::fromLatin1(render::toString(m_axis))).arg(index + 1).arg(count));
  const auto& wl = m_model->windowLevel();
  painter.drawText(QRect(margin, margin, width() - 2 * margin, 40), Qt::AlignRight | Qt::AlignTop,
                   tr("W %1  L %2").arg(wl.window, 0, 'g', 4).arg(wl.level, 0, 'g', 4));

  // Scale bar: a round length near a fifth of the view width, bottom left.
  const double pxPerMm = pixelsPerMm();
  if (pxPerMm > 0) {
    const double lengthMm = niceLength(width() / 5.0 / pxPerMm);
    const double lengthPx = lengthMm * pxPerMm;
    const double y = height() - margin - metrics.height() - 4;
    const double x0 = margin + 4;
    painter.setPen(QPen(kTextColour, 2));
    painter.drawLine(QPointF(x0, y), QPointF(x0 + lengthPx, y));
    painter.drawLine(QPointF(x0, y - 4), QPointF(x0, y + 4));
    painter.drawLine(QPointF(x0 + lengthPx, y - 4), QPointF(x0 + lengthPx, y + 4));
    painter.drawText(QPointF(x0, y + metrics.ascent() + 4), tr("%1 mm").arg(lengthMm));
  }
}

void SliceView::mousePressEvent(QMouseEvent* event) {
  setFocus(Qt::MouseFocusReason);
  if (!m_model->hasImage()) return;
  m_dragStart = event->position();
  const Qt::KeyboardModifiers mods = event->modifiers();
  if (event->button() == Qt::MiddleButton || (event->button() == Qt::LeftButton && (mods & Qt::ShiftModifier))) {
    m_drag = Drag::Pan;
    m_panStart = m_pan;
  } else if (event->button() == Qt::RightButton ||
             (event->button() == Qt::LeftButton && (mods & Qt::ControlModifier))) {
    m_drag = Drag::WindowLevel;
    m_windowStart = m_model->windowLevel().window;
    m_levelStart = m_model->windowLevel().level;
  } else if (event->button() == Qt::LeftButton) {
    m_drag = Drag::Cursor;
    m_model->setCursor(widgetToWorld(event->position()));
  }
}

void SliceView::mouseMoveEvent(QMouseEvent* event) {
  const QPointF delta = event->position() - m_dragStart;
  switch (m_drag) {
  case Drag::Cursor: m_model->setCursor(widgetToWorld(event->position())); break;
  case Drag::Pan:
    m_pan = m_panStart + delta;
    update();
    break;
  case Drag::WindowLevel: {
    // Right: wider window (less contrast); down: higher level (darker). Proportional to the starting window.
    const double window = m_windowStart * std::exp(delta.x() * 0.005);
    const double level = m_levelStart + delta.y() * m_windowStart * 0.005;
    m_model->setWindowLevel({window, level});
    break;
  }
  case Drag::None: break;
  }
}

void SliceView::mouseReleaseEvent(QMouseEvent*) { m_drag = Drag::None; }

void SliceView::mouseDoubleClickEvent(QMouseEvent* event) {
  if (event->button() == Qt::LeftButton) Q_EMIT maximiseRequested();
}

void SliceView::wheelEvent(QWheelEvent* event) {
  if (!m_model->hasImage()) return;
  m_wheelRemainder += event->angleDelta().y();
  const int steps = m_wheelRemainder / 120;
  m_wheelRemainder -= steps * 120;
  if (steps == 0) return;
  if (event->modifiers() & Qt::ControlModifier)
    zoomBy(std::pow(1.15, steps), event->position());
  else
    m_model->stepSlice(m_axis, steps);
  event->accept();
}

void SliceView::keyPressEvent(QKeyEvent* event) {
  switch (event->key()) {
  case Qt::Key_Up:
  case Qt::Key_PageUp: m_model->stepSlice(m_axis, 1); break;
  case Qt::Key_Down:
  case Qt::Key_PageDown: m_model->stepSlice(m_axis, -1); break;
  case Qt::Key_Plus:
  case Qt::Key_Equal: zoomBy(1.25, QPointF(width() / 2.0, height() / 2.0)); break;
  case Qt::Key_Minus: zoomBy(0.8, QPointF(width() / 2.0, height() / 2.0)); break;
  case Qt::Key_Home: resetView(); break;
  default: QWidget::keyPressEvent(event); return;
  }
  event->accept();
}

} // namespace strega::ui
