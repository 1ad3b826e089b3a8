#pragma once
// Helpers for ui_test: scratch folders, synthetic volumes (including oblique ones), a fake `strega-cli run`
// output folder on Colin27, opening a path in a MainWindow and waiting, and reading screenshots.

#include "strega/core/Volume.h"
#include "strega/io/ImageReader.h"
#include "strega/io/ImageWriter.h"
#include "strega/ui/MainWindow.h"

#include <QApplication>
#include <QImage>
#include <QMessageBox>
#include <QSettings>
#include <QSignalSpy>
#include <QString>
#include <QTest>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace strega::testing {

namespace fs = std::filesystem;

inline const fs::path kColin27 = "/usr/share/mricron/templates/ch2.nii.gz";

/// Screenshots and other files kept after the run: <build>/test-artifacts/ui/.
inline fs::path artifactDir() {
  const fs::path dir = fs::path(STREGA_BINARY_DIR) / "test-artifacts" / "ui";
  fs::create_directories(dir);
  return dir;
}

/// A fresh folder under the test temp dir, removed at destruction.
class ScratchDir {
public:
  ScratchDir() {
    std::random_device rd;
    m_path = fs::path(::testing::TempDir()) / ("strega-ui-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(m_path);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(m_path, ec);
  }
  const fs::path& path() const { return m_path; }
  fs::path operator/(const std::string& name) const { return m_path / name; }

private:
  fs::path m_path;
};

/// Row-major rotation about x then z: R = Rz(zDeg) * Rx(xDeg).
inline Mat3 rotation(double xDeg, double zDeg) {
  const double x = xDeg * M_PI / 180.0;
  const double z = zDeg * M_PI / 180.0;
  const Mat3 rx{1, 0, 0, 0, std::cos(x), -std::sin(x), 0, std::sin(x), std::cos(x)};
  const Mat3 rz{std::cos(z), -std::sin(z), 0, std::sin(z), std::cos(z), 0, 0, 0, 1};
  return multiply(rz, rx);
}

/// A dark oblique volume (rotated 20 degrees about x and 30 about z, anisotropic spacing) with a bright 3x3x3
/// block centred on voxel `centre`; returns the volume and sets `centreMm` to that voxel's LPS point.
inline ImageF obliqueVolumeWithBlock(const Size3& centre, Vec3& centreMm) {
  ImageGeometry g;
  g.size = {40, 36, 30};
  g.spacingMm = {1.2, 0.9, 1.5};
  g.originMm = {10.0, -20.0, 5.0};
  g.direction = rotation(20.0, 30.0);
  ImageF image(g, 10.0f);
  for (std::size_t k = centre[2] - 1; k <= centre[2] + 1; ++k)
    for (std::size_t j = centre[1] - 1; j <= centre[1] + 1; ++j)
      for (std::size_t i = centre[0] - 1; i <= centre[0] + 1; ++i)
        image.at(i, j, k) = 1000.0f;
  centreMm = g.indexToPhysical({double(centre[0]), double(centre[1]), double(centre[2])});
  return image;
}

/// A sphere of radius `radiusMm` around an LPS point, on a given grid.
inline Mask sphereMask(const ImageGeometry& grid, const Vec3& centreMm, double radiusMm) {
  Mask mask(grid);
  for (std::size_t k = 0; k < grid.size[2]; ++k)
    for (std::size_t j = 0; j < grid.size[1]; ++j)
      for (std::size_t i = 0; i < grid.size[0]; ++i) {
        const Vec3 p = grid.indexToPhysical({double(i), double(j), double(k)});
        if (norm(subtract(p, centreMm)) <= radiusMm) mask.at(i, j, k) = 1;
      }
  return mask;
}

/// The lesion of the fake run: a sphere in the right hemisphere of Colin27 (LPS, mm).
inline const Vec3 kLesionCentreMm{-30.0, 10.0, 20.0};
inline constexpr double kLesionRadiusMm = 8.0;

/// A `strega-cli run`-style output folder for Colin27: mask.nii.gz with a sphere (io::writeMask), optionally a
/// residual.nii.gz with a Gaussian blob there (plus brain_mask.nii.gz and tissue.nii.gz), and report.json naming the
/// input and the finding.
inline void writeFakeRunOutput(const fs::path& folder, bool withResidual) {
  fs::create_directories(folder);
  const auto colin = io::readImage(kColin27);
  const ImageGeometry& grid = colin.image.geometry();
  const Mask mask = sphereMask(grid, kLesionCentreMm, kLesionRadiusMm);
  io::writeMask(mask, folder / "mask.nii.gz");
  std::size_t voxels = 0;
  for (auto v : mask.voxels())
    voxels += v;
  if (withResidual) {
    ImageF residual(grid, 0.0f);
    for (std::size_t k = 0; k < grid.size[2]; ++k)
      for (std::size_t j = 0; j < grid.size[1]; ++j)
        for (std::size_t i = 0; i < grid.size[0]; ++i) {
          const Vec3 p = grid.indexToPhysical({double(i), double(j), double(k)});
          const double r = norm(subtract(p, kLesionCentreMm));
          // A blob on a low, non-zero floor inside the head so that percentiles see a background.
          residual.at(i, j, k) =
            static_cast<float>(std::exp(-r * r / (2 * 6.0 * 6.0)) + (colin.image.at(i, j, k) > 20 ? 0.01 : 0.0));
        }
    io::writeImage(residual, folder / "residual.nii.gz");
    // Brain mask from Colin27's own skull-stripped version; crude tissue classes by intensity inside it.
    const auto brain = io::readImage(kColin27.parent_path() / "ch2bet.nii.gz");
    Mask brainMask(grid);
    Mask tissue(grid);
    for (std::size_t i = 0; i < brainMask.voxelCount(); ++i) {
      brainMask[i] = brain.image[i] > 0;
      const float v = colin.image[i];
      tissue[i] = brainMask[i] ? (v < 60 ? 1 : v < 95 ? 2 : 3) : 0;
    }
    io::writeMask(brainMask, folder / "brain_mask.nii.gz");
    io::writeMask(tissue, folder / "tissue.nii.gz");
  }
  nlohmann::json report;
  report["input"] = {{"path", kColin27.string()}};
  report["findings"] = nlohmann::json::array(
    {{{"id", 1},
      {"volume_ml", voxels * grid.voxelVolumeMm3() / 1000.0},
      {"region", "Right cerebral white matter"},
      {"regions",
       {{{"name", "Right cerebral white matter"}, {"percent", 71.5}}, {{"name", "Right Putamen"}, {"percent", 0.3}}}},
      {"peak_score", 0.93},
      {"centroid_mm", {kLesionCentreMm[0], kLesionCentreMm[1], kLesionCentreMm[2]}}}});
  std::ofstream(folder / "report.json") << report.dump(2);
}

/// Open a path in the window and wait until loading ends; true when it succeeded.
inline bool openAndWait(ui::MainWindow& window, const fs::path& path, QString* message = nullptr,
                        int timeoutMs = 120000) {
  QSignalSpy spy(&window, &ui::MainWindow::loadFinished);
  window.open(QString::fromStdString(path.string()));
  if (spy.isEmpty() && !spy.wait(timeoutMs)) return false;
  if (message) *message = spy.first().at(1).toString();
  return spy.first().at(0).toBool();
}

/// Spread of grey levels of a picture (0 for a blank one).
/// A shown main window of a fixed size (1400 x 900), active, with default settings (cleared before it reads them).
struct Window {
  Window() : cleared((QSettings().clear(), true)) {
    window.resize(1400, 900);
    window.show();
    EXPECT_TRUE(QTest::qWaitForWindowExposed(&window));
    window.activateWindow();
    (void)QTest::qWaitForWindowActive(&window, 2000); // window shortcuts need an active window
  }
  ~Window() { window.close(); }
  bool cleared;
  ui::MainWindow window;
};

/// The path of a test artifact (test-artifacts/ui/NAME) as a QString.
inline QString artifact(const char* name) { return QString::fromStdString((artifactDir() / name).string()); }

/// The window's error dialog (object name "errorDialog") when one is showing.
inline QMessageBox* visibleErrorDialog() {
  for (QWidget* w : QApplication::topLevelWidgets())
    if (auto* box = qobject_cast<QMessageBox*>(w);
        box && box->objectName() == QLatin1String("errorDialog") && box->isVisible())
      return box;
  return nullptr;
}

inline double greyStdDev(const QImage& image) {
  double sum = 0, sum2 = 0;
  std::size_t n = 0;
  for (int y = 0; y < image.height(); y += 2)
    for (int x = 0; x < image.width(); x += 2) {
      const double g = qGray(image.pixel(x, y));
      sum += g;
      sum2 += g * g;
      ++n;
    }
  const double mean = sum / n;
  return std::sqrt(std::max(0.0, sum2 / n - mean * mean));
}

inline bool isReddish(QRgb c) { return qRed(c) > qGreen(c) + 50 && qRed(c) > qBlue(c) + 50; }
inline bool isGreyish(QRgb c) { return std::abs(qRed(c) - qGreen(c)) < 12 && std::abs(qRed(c) - qBlue(c)) < 12; }

} // namespace strega::testing
