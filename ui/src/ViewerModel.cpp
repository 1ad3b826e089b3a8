#include "ViewerModel.h"

#include <algorithm>

namespace strega::ui {

QString displayName(OverlayRole role) {
  switch (role) {
  case OverlayRole::Residual: return QObject::tr("Residual (anomaly score)");
  case OverlayRole::AnomalyMask: return QObject::tr("Anomaly mask");
  case OverlayRole::BrainMask: return QObject::tr("Brain mask");
  case OverlayRole::Tissue: return QObject::tr("Tissue classes");
  case OverlayRole::Reference: return QObject::tr("Reference segmentation");
  }
  return {};
}

QString settingsKey(OverlayRole role) {
  switch (role) {
  case OverlayRole::Residual: return QStringLiteral("residual");
  case OverlayRole::AnomalyMask: return QStringLiteral("anomalyMask");
  case OverlayRole::BrainMask: return QStringLiteral("brainMask");
  case OverlayRole::Tissue: return QStringLiteral("tissue");
  case OverlayRole::Reference: return QStringLiteral("reference");
  }
  return {};
}

ViewerModel::ViewerModel(QObject* parent) : QObject(parent) {}

void ViewerModel::setCase(std::shared_ptr<const LoadedCase> loaded, std::vector<Overlay> overlays) {
  m_case = std::move(loaded);
  m_overlays = std::move(overlays);
  if (hasImage()) {
    m_geometry = render::SliceGeometry(m_case->image->geometry());
    m_cursor = m_geometry.centreMm();
    m_windowLevel = render::autoWindowLevel(*m_case->image);
  } else {
    m_geometry = {};
    m_cursor = {0, 0, 0};
  }
  Q_EMIT caseChanged();
  Q_EMIT windowLevelChanged();
  Q_EMIT cursorChanged();
}

void ViewerModel::clear() { setCase(nullptr, {}); }

void ViewerModel::setCursor(const Vec3& pointMm, bool snap) {
  if (!hasImage()) return;
  Vec3 p = snap ? m_geometry.snap(pointMm) : pointMm;
  if (p == m_cursor) return;
  m_cursor = p;
  Q_EMIT cursorChanged();
}

void ViewerModel::stepSlice(render::ViewAxis axis, int steps) {
  if (!hasImage() || steps == 0) return;
  const render::SliceRange& range = m_geometry.range(axis);
  const Vec3 normal = render::SliceGeometry::normalOf(axis);
  const double depth = dot(m_cursor, normal);
  const int index = std::clamp(range.indexOf(depth) + steps, 0, range.count - 1);
  Vec3 p = m_cursor;
  for (int a = 0; a < 3; ++a)
    if (normal[a] != 0.0) p[a] = range.depthOf(index);
  setCursor(p, false);
}

int ViewerModel::sliceIndex(render::ViewAxis axis) const {
  return m_geometry.range(axis).indexOf(dot(m_cursor, render::SliceGeometry::normalOf(axis)));
}

void ViewerModel::setWindowLevel(const render::WindowLevel& windowLevel) {
  render::WindowLevel wl = windowLevel;
  wl.window = std::max(wl.window, 1e-6);
  if (wl.window == m_windowLevel.window && wl.level == m_windowLevel.level) return;
  m_windowLevel = wl;
  Q_EMIT windowLevelChanged();
}

void ViewerModel::setConvention(render::DisplayConvention convention) {
  if (convention == m_convention) return;
  m_convention = convention;
  Q_EMIT conventionChanged();
}

int ViewerModel::overlayIndex(OverlayRole role) const {
  for (std::size_t i = 0; i < m_overlays.size(); ++i)
    if (m_overlays[i].role == role) return static_cast<int>(i);
  return -1;
}

void ViewerModel::setHeatStyle(int index, const render::HeatStyle& style) {
  m_overlays.at(static_cast<std::size_t>(index)).heat = style;
  Q_EMIT overlayStyleChanged(index);
}

void ViewerModel::setLabelStyle(int index, const render::LabelStyle& style) {
  m_overlays.at(static_cast<std::size_t>(index)).label = style;
  Q_EMIT overlayStyleChanged(index);
}

void ViewerModel::setOverlayVisible(int index, bool visible) {
  Overlay& overlay = m_overlays.at(static_cast<std::size_t>(index));
  if (overlay.isHeat())
    overlay.heat.visible = visible;
  else
    overlay.label.visible = visible;
  Q_EMIT overlayStyleChanged(index);
}

} // namespace strega::ui
