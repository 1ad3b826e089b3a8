#include "strega/render/SurfaceScene.h"

#include "SurfaceMeshImpl.h"

#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkImageData.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkSmartPointer.h>
#include <vtkSphereSource.h>
#include <vtkUnsignedCharArray.h>
#include <vtkVersionMacros.h>
#include <vtkWindowToImageFilter.h>

#include <X11/Xlib.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

namespace strega::render {

const char* vtkVersionString() { return VTK_VERSION; }

struct SurfaceScene::Impl {
  vtkSmartPointer<vtkRenderWindow> window;
  vtkNew<vtkRenderer> renderer;
  std::vector<vtkSmartPointer<vtkActor>> actors;
  std::vector<std::shared_ptr<const SurfaceMesh>> meshes; // keep the poly data alive
  vtkNew<vtkSphereSource> cursorSource;
  vtkNew<vtkActor> cursorActor;
  bool cameraSet = false;

  Impl() {
    renderer->SetBackground(0.08, 0.08, 0.12);
    renderer->SetUseDepthPeeling(1);
    renderer->SetMaximumNumberOfPeels(6);
    renderer->SetOcclusionRatio(0.05);
    renderer->SetTwoSidedLighting(1);
    cursorSource->SetRadius(2.0);
    cursorSource->SetThetaResolution(16);
    cursorSource->SetPhiResolution(12);
    vtkNew<vtkPolyDataMapper> mapper;
    mapper->SetInputConnection(cursorSource->GetOutputPort());
    cursorActor->SetMapper(mapper);
    cursorActor->GetProperty()->SetColor(1.0, 0.85, 0.0);
    cursorActor->VisibilityOff();
    cursorActor->PickableOff();
    renderer->AddActor(cursorActor);
  }
};

SurfaceScene::SurfaceScene() : m_impl(std::make_unique<Impl>()) {}
SurfaceScene::~SurfaceScene() {
  if (m_impl->window) m_impl->window->Finalize();
}

std::mutex& SurfaceScene::renderLock() {
  static std::mutex lock;
  return lock;
}

bool SurfaceScene::available(std::string* whyNot) {
  // Debian's VTK renders through GLX only (no EGL or OSMesa), so an X display is required.
  static const bool ok = [] {
    const char* display = std::getenv("DISPLAY");
    if (!display || !*display) return false;
    Display* d = XOpenDisplay(nullptr);
    if (!d) return false;
    XCloseDisplay(d);
    return true;
  }();
  if (!ok && whyNot) *whyNot = "3D rendering needs an X display (VTK renders through GLX); none could be opened";
  return ok;
}

void SurfaceScene::clear() {
  for (auto& actor : m_impl->actors)
    m_impl->renderer->RemoveActor(actor);
  m_impl->actors.clear();
  m_impl->meshes.clear();
  m_impl->cursorActor->VisibilityOff();
  m_impl->cameraSet = false;
}

int SurfaceScene::addMesh(std::shared_ptr<const SurfaceMesh> mesh, Rgb colour, double opacity) {
  vtkNew<vtkPolyDataMapper> mapper;
  if (mesh && mesh->impl().polyData) mapper->SetInputData(mesh->impl().polyData);
  mapper->ScalarVisibilityOff();
  auto actor = vtkSmartPointer<vtkActor>::New();
  actor->SetMapper(mapper);
  m_impl->renderer->AddActor(actor);
  m_impl->actors.push_back(actor);
  m_impl->meshes.push_back(std::move(mesh));
  const int id = static_cast<int>(m_impl->actors.size()) - 1;
  setMeshAppearance(id, true, colour, opacity);
  return id;
}

void SurfaceScene::setMeshAppearance(int id, bool visible, Rgb colour, double opacity) {
  vtkActor* actor = m_impl->actors.at(static_cast<std::size_t>(id));
  actor->SetVisibility(visible ? 1 : 0);
  actor->GetProperty()->SetColor(colour.r / 255.0, colour.g / 255.0, colour.b / 255.0);
  actor->GetProperty()->SetOpacity(std::clamp(opacity, 0.0, 1.0));
  actor->GetProperty()->SetSpecular(0.2);
  actor->GetProperty()->SetSpecularPower(20.0);
}

int SurfaceScene::meshCount() const { return static_cast<int>(m_impl->actors.size()); }

void SurfaceScene::setCursor(const Vec3& pointMm) {
  m_impl->cursorSource->SetCenter(pointMm[0], pointMm[1], pointMm[2]);
  m_impl->cursorActor->VisibilityOn();
}

void SurfaceScene::resetCamera() {
  vtkCamera* camera = m_impl->renderer->GetActiveCamera();
  double bounds[6];
  m_impl->renderer->ComputeVisiblePropBounds(bounds);
  if (bounds[0] > bounds[1]) return; // nothing visible
  const double centre[3] = {(bounds[0] + bounds[1]) / 2, (bounds[2] + bounds[3]) / 2, (bounds[4] + bounds[5]) / 2};
  camera->SetFocalPoint(centre);
  camera->SetPosition(centre[0], centre[1] - 1000.0, centre[2]); // anterior is -y in LPS
  camera->SetViewUp(0.0, 0.0, 1.0);                              // superior up
  m_impl->renderer->ResetCamera(bounds);
  m_impl->renderer->ResetCameraClippingRange();
  m_impl->cameraSet = true;
}

void SurfaceScene::rotate(double azimuthDeg, double elevationDeg) {
  vtkCamera* camera = m_impl->renderer->GetActiveCamera();
  camera->Azimuth(azimuthDeg);
  camera->Elevation(elevationDeg);
  camera->OrthogonalizeViewUp();
  m_impl->renderer->ResetCameraClippingRange();
}

void SurfaceScene::zoom(double factor) {
  if (!(factor > 0.0)) return;
  m_impl->renderer->GetActiveCamera()->Dolly(factor);
  m_impl->renderer->ResetCameraClippingRange();
}

RgbaImage SurfaceScene::render(int width, int height) {
  RgbaImage picture;
  if (width <= 0 || height <= 0 || !available()) return picture;
  if (!m_impl->window) {
    m_impl->window = vtkSmartPointer<vtkRenderWindow>::New();
    m_impl->window->SetOffScreenRendering(1);
    m_impl->window->SetAlphaBitPlanes(1);
    m_impl->window->SetMultiSamples(0);
    m_impl->window->AddRenderer(m_impl->renderer);
  }
  if (!m_impl->cameraSet) resetCamera();
  m_impl->window->SetSize(width, height);
  m_impl->renderer->ResetCameraClippingRange();
  m_impl->window->Render();

  vtkNew<vtkWindowToImageFilter> grab;
  grab->SetInput(m_impl->window);
  grab->SetInputBufferTypeToRGB();
  grab->ReadFrontBufferOff();
  grab->ShouldRerenderOff();
  grab->Update();
  vtkImageData* image = grab->GetOutput();
  int dims[3];
  image->GetDimensions(dims);
  const auto* rgb = static_cast<const unsigned char*>(image->GetScalarPointer());
  picture.resize(dims[0], dims[1]);
  for (int y = 0; y < dims[1]; ++y) { // OpenGL rows run bottom-up
    const unsigned char* row = rgb + static_cast<std::size_t>(dims[1] - 1 - y) * dims[0] * 3;
    for (int x = 0; x < dims[0]; ++x)
      picture.pixels[static_cast<std::size_t>(y) * dims[0] + x] = packArgb(row[3 * x], row[3 * x + 1], row[3 * x + 2]);
  }
  return picture;
}

} // namespace strega::render
