#pragma once
/// \file
/// \brief SurfaceScene: the 3D view's scene (surfaces, cursor, camera) rendered offscreen into an RgbaImage.

#include "strega/core/Math.h"
#include "strega/render/RgbaImage.h"
#include "strega/render/SurfaceMesh.h"

#include <memory>
#include <mutex>
#include <string>

namespace strega::render {

/// \brief A VTK scene drawn in an offscreen OpenGL render window and read back as pixels.
///
/// Debian's VTK integrates with Qt 5 only, so the Qt 6 GUI shows the read-back picture instead of embedding a
/// VTK widget. World space is LPS (mm); the initial camera looks at the patient's face (from anterior) with
/// superior up. Needs an X display (Xvfb is fine): check available() first. Not thread-safe: one thread uses a
/// scene, and renders of different scenes in different threads (the viewer's 3D view, report pictures drawn by
/// pipeline workers) are serialised with renderLock().
class SurfaceScene {
public:
  SurfaceScene();
  ~SurfaceScene();
  SurfaceScene(const SurfaceScene&) = delete;
  SurfaceScene& operator=(const SurfaceScene&) = delete;

  /// The process-wide lock held while a scene renders (VTK's OpenGL rendering is not thread-safe): the viewer holds
  /// it for each render on the GUI thread; workers hold it for a scene's whole life (creation, renders, destruction).
  static std::mutex& renderLock();

  /// Whether offscreen OpenGL rendering can work here (an X display can be opened); else why not.
  static bool available(std::string* whyNot = nullptr);

  /// Remove all surfaces.
  void clear();
  /// Add a surface with a colour and opacity (0..1); returns its id.
  int addMesh(std::shared_ptr<const SurfaceMesh> mesh, Rgb colour, double opacity);
  void setMeshAppearance(int id, bool visible, Rgb colour, double opacity);
  int meshCount() const;

  /// Show a small marker at the cursor (LPS, mm).
  void setCursor(const Vec3& pointMm);
  /// Frame all visible surfaces, looking from anterior, superior up.
  void resetCamera();
  /// Turn the camera around the focal point (degrees: azimuth about the view-up axis, elevation across it).
  void rotate(double azimuthDeg, double elevationDeg);
  /// Zoom in (factor > 1) or out.
  void zoom(double factor);

  /// Render at the given size (pixels) and read the picture back.
  RgbaImage render(int width, int height);

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

/// VTK's version ("9.1.0").
const char* vtkVersionString();

} // namespace strega::render
