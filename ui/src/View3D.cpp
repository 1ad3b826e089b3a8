#include "View3D.h"

#include "ViewerModel.h"

#include "strega/render/SurfaceScene.h"
#include "strega/render/WindowLevel.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QTimer>
#include <QWheelEvent>
#include <QtConcurrent/QtConcurrentRun>

#include <cmath>

namespace strega::ui {

struct View3D::Meshes {
  int generation = 0;
  std::shared_ptr<const render::SurfaceMesh> brain;
  std::vector<std::pair<int, std::shared_ptr<const render::SurfaceMesh>>> overlays; // (overlay index, mesh)
};

View3D::View3D(ViewerModel* model, QWidget* parent)
  : QWidget(parent), m_model(model), m_scene(std::make_unique<render::SurfaceScene>()) {
  setObjectName(QStringLiteral("view3D"));
  setFocusPolicy(Qt::StrongFocus);
  setMinimumSize(120, 120);
  setAttribute(Qt::WA_OpaquePaintEvent);
  std::string why;
  m_available = render::SurfaceScene::available(&why);
  m_unavailableReason = QString::fromStdString(why);
  connect(&m_watcher, &QFutureWatcher<std::shared_ptr<Meshes>>::finished, this, [this] {
    const auto meshes = m_watcher.result();
    if (meshes && meshes->generation == m_generation) applyMeshes(meshes);
  });
  connect(model, &ViewerModel::caseChanged, this, &View3D::startBuild);
  connect(model, &ViewerModel::cursorChanged, this, [this] {
    if (!m_model->hasImage()) return;
    m_scene->setCursor(m_model->cursor());
    m_dirty = true;
    update();
  });
  connect(model, &ViewerModel::overlayStyleChanged, this, [this] {
    applyAppearance();
    update();
  });
}

View3D::~View3D() { m_watcher.waitForFinished(); }

void View3D::startBuild() {
  ++m_generation;
  m_scene->clear();
  m_overlayMeshes.clear();
  m_brainMesh = -1;
  m_dirty = true;
  m_ready = !m_model->hasImage() || !m_available;
  update();
  if (m_ready) {
    Q_EMIT surfacesBuilt();
    return;
  }
  // Start a moment later, so that the slice views draw first (this work competes with them for the CPU).
  QTimer::singleShot(100, this, [this, generation = m_generation] {
    if (generation == m_generation) launchBuild();
  });
}

void View3D::launchBuild() {
  const auto loaded = m_model->loadedCase();
  if (!loaded || !loaded->image) return;
  std::vector<std::pair<int, std::shared_ptr<const Mask>>> masks;
  for (std::size_t i = 0; i < m_model->overlays().size(); ++i) {
    const Overlay& o = m_model->overlays()[i];
    if (o.role == OverlayRole::AnomalyMask || o.role == OverlayRole::Reference)
      masks.emplace_back(static_cast<int>(i), o.labels);
  }
  const int generation = m_generation;
  m_watcher.setFuture(QtConcurrent::run([loaded, masks, generation] {
    auto meshes = std::make_shared<Meshes>();
    meshes->generation = generation;
    if (loaded->brainMask) {
      meshes->brain = render::SurfaceMesh::fromMask(*loaded->brainMask);
    } else {
      // The head (or, for skull-stripped inputs, the brain): a low iso-value between background and tissue.
      const auto all = render::percentileRange(*loaded->image, 1.0, 1.0, false);
      const auto tissue = render::percentileRange(*loaded->image, 99.0, 99.0, true);
      if (all && tissue)
        meshes->brain =
          render::SurfaceMesh::fromImage(*loaded->image, all->first + 0.15 * (tissue->first - all->first));
    }
    for (const auto& [index, mask] : masks)
      meshes->overlays.emplace_back(index, render::SurfaceMesh::fromMask(*mask));
    return meshes;
  }));
}

void View3D::applyMeshes(const std::shared_ptr<Meshes>& meshes) {
  if (meshes->brain) m_brainMesh = m_scene->addMesh(meshes->brain, {230, 205, 190}, 0.3);
  for (const auto& [index, mesh] : meshes->overlays)
    m_overlayMeshes.emplace_back(index, m_scene->addMesh(mesh, {255, 0, 0}, 1.0));
  applyAppearance();
  m_scene->setCursor(m_model->cursor());
  m_scene->resetCamera();
  m_ready = true;
  m_dirty = true;
  update();
  Q_EMIT surfacesBuilt();
}

void View3D::applyAppearance() {
  for (const auto& [index, mesh] : m_overlayMeshes) {
    if (index >= static_cast<int>(m_model->overlays().size())) continue;
    const Overlay& o = m_model->overlays()[static_cast<std::size_t>(index)];
    const render::Rgb colour = o.label.labelColours.size() > 1 ? o.label.colourOf(1) : o.label.colour;
    m_scene->setMeshAppearance(mesh, o.label.visible, colour, o.role == OverlayRole::AnomalyMask ? 1.0 : 0.7);
  }
  m_dirty = true;
}

void View3D::resetCamera() {
  m_scene->resetCamera();
  m_dirty = true;
  update();
}

void View3D::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), QColor(20, 20, 30));
  painter.setPen(QColor(150, 150, 150));
  if (!m_model->hasImage()) {
    painter.drawText(rect(), Qt::AlignCenter, tr("3D"));
    return;
  }
  if (!m_available) {
    painter.drawText(rect().adjusted(10, 10, -10, -10), Qt::AlignCenter | Qt::TextWordWrap,
                     tr("3D view unavailable: %1").arg(m_unavailableReason));
    return;
  }
  if (!m_ready) {
    painter.drawText(rect(), Qt::AlignCenter, tr("Building surfaces..."));
    return;
  }
  if (m_dirty || m_picture.size() != size()) {
    // A report (written by a screening or batch worker) may be rendering its 3D pictures right now.
    const std::lock_guard lock(render::SurfaceScene::renderLock());
    const render::RgbaImage rendered = m_scene->render(width(), height());
    m_picture = QImage(reinterpret_cast<const uchar*>(rendered.pixels.data()), rendered.width, rendered.height,
                       rendered.width * 4, QImage::Format_RGB32)
                  .copy();
    m_dirty = false;
  }
  painter.drawImage(0, 0, m_picture);
  painter.setPen(QColor(255, 235, 150));
  painter.drawText(rect().adjusted(6, 6, -6, -6), Qt::AlignLeft | Qt::AlignTop, tr("3D"));
}

void View3D::resizeEvent(QResizeEvent*) { m_dirty = true; }

void View3D::mousePressEvent(QMouseEvent* event) {
  setFocus(Qt::MouseFocusReason);
  m_lastMouse = event->position().toPoint();
}

void View3D::mouseMoveEvent(QMouseEvent* event) {
  if (!(event->buttons() & Qt::LeftButton) || !m_ready) return;
  const QPoint delta = event->position().toPoint() - m_lastMouse;
  m_lastMouse = event->position().toPoint();
  m_scene->rotate(-delta.x() * 0.5, delta.y() * 0.5);
  m_dirty = true;
  update();
}

void View3D::mouseDoubleClickEvent(QMouseEvent* event) {
  if (event->button() == Qt::LeftButton) Q_EMIT maximiseRequested();
}

void View3D::wheelEvent(QWheelEvent* event) {
  if (!m_ready) return;
  m_scene->zoom(std::pow(1.1, event->angleDelta().y() / 120.0));
  m_dirty = true;
  update();
  event->accept();
}

void View3D::keyPressEvent(QKeyEvent* event) {
  if (event->key() == Qt::Key_Home) {
    resetCamera();
    event->accept();
    return;
  }
  QWidget::keyPressEvent(event);
}

} // namespace strega::ui
