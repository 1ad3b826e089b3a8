#pragma once
// View3D: the 3D view. Surfaces of the brain (or head) and of the mask overlays, extracted off the GUI thread,
// drawn by strega::render::SurfaceScene offscreen and shown as a picture; left drag rotates, the wheel zooms.

#include <QFutureWatcher>
#include <QImage>
#include <QWidget>

#include <memory>
#include <vector>

namespace strega::render {
class SurfaceScene;
class SurfaceMesh;
} // namespace strega::render

namespace strega::ui {

class ViewerModel;

/// \brief 3D surfaces of the current case with the cursor as a small yellow sphere.
class View3D : public QWidget {
  Q_OBJECT
public:
  explicit View3D(ViewerModel* model, QWidget* parent = nullptr);
  ~View3D() override;

  /// True once the surfaces of the current case are built (or there is nothing to build).
  bool surfacesReady() const { return m_ready; }
  void resetCamera();
  /// The last rendered picture.
  const QImage& picture() const { return m_picture; }

Q_SIGNALS:
  void maximiseRequested();
  void surfacesBuilt();

protected:
  void paintEvent(QPaintEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;

private:
  struct Meshes;
  void startBuild();
  void launchBuild();
  void applyMeshes(const std::shared_ptr<Meshes>& meshes);
  void applyAppearance();

  ViewerModel* m_model;
  std::unique_ptr<render::SurfaceScene> m_scene;
  QFutureWatcher<std::shared_ptr<Meshes>> m_watcher;
  int m_generation = 0;
  bool m_available = false;
  QString m_unavailableReason;
  bool m_ready = true;
  bool m_dirty = true;
  QImage m_picture;
  QPoint m_lastMouse;
  std::vector<std::pair<int, int>> m_overlayMeshes; // (overlay index, mesh id)
  int m_brainMesh = -1;
};

} // namespace strega::ui
