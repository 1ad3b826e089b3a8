// ui_bench: how fast the viewer redraws a slice while scrolling, and how long a 181-slice DICOM series takes
// from "open" to its first slice on screen. Every figure is printed next to a reference measured in the same run.
//
// Usage: ui_bench [--dicom FOLDER] [--runs N] [--skip-dicom]
//
// 1. Scrolling (Colin27 181x217x181 with a sphere mask and a residual blob, every overlay visible):
//    - render: strega::render::SliceRenderer::render() for every slice of each view in order (VTK reslice of the
//      image and each overlay, window/level, compositing), per slice;
//    - references: the same render at half resolution, and a memcpy of one slice's RGBA bytes;
//    - widget: SliceView at 800x800, one step of the model's cursor plus a synchronous repaint (render, QPainter
//      scaling to the widget, crosshair, labels, scale bar) - what a wheel step costs.
// 2. DICOM open: Colin27 written as an axial MR series of 181 files by tests/io/tools/make_dicom_series.py (Debian's
//    /usr/bin/python3 with pydicom and nibabel), cached under <build>/bench-data/. Times MainWindow::open() until
//    loadFinished and the axial view's first repaint, against io::readImage() of the same folder alone.
// Without a display the Qt "offscreen" platform is used (the 3D view is then off).
#include "SliceView.h"
#include "ViewerModel.h"

#include "strega/io/ImageReader.h"
#include "strega/render/SliceRenderer.h"
#include "strega/ui/Application.h"
#include "strega/ui/MainWindow.h"

#include <QApplication>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace strega;
using Clock = std::chrono::steady_clock;

namespace {

const fs::path kColin27 = "/usr/share/mricron/templates/ch2.nii.gz";

double msSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

struct Stats {
  double median = 0, p95 = 0, max = 0;
};

Stats stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  if (v.empty()) return {};
  return {v[v.size() / 2], v[std::min(v.size() - 1, v.size() * 95 / 100)], v.back()};
}

/// Colin27 with a sphere mask and a Gaussian residual blob (as a run output would give).
struct Scene {
  std::shared_ptr<const ImageF> image;
  std::shared_ptr<const Mask> mask;
  std::shared_ptr<const ImageF> residual;
};

Scene makeScene() {
  Scene s;
  s.image = std::make_shared<const ImageF>(io::readImage(kColin27).image);
  const ImageGeometry& g = s.image->geometry();
  Mask mask(g);
  ImageF residual(g, 0.0f);
  const Vec3 centre{-30, 10, 20};
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        const double r = norm(subtract(g.indexToPhysical({double(i), double(j), double(k)}), centre));
        mask.at(i, j, k) = r <= 8.0;
        residual.at(i, j, k) = static_cast<float>(std::exp(-r * r / 72.0));
      }
  s.mask = std::make_shared<const Mask>(std::move(mask));
  s.residual = std::make_shared<const ImageF>(std::move(residual));
  return s;
}

void benchScrolling(const Scene& scene) {
  std::printf("== Slice rendering while scrolling (Colin27 181x217x181, residual + mask overlays) ==\n");
  render::SliceRenderer renderer;
  renderer.setImage(scene.image);
  render::HeatStyle heat;
  heat.threshold = 0.3;
  renderer.addHeatOverlay(scene.residual, heat);
  renderer.addLabelOverlay(scene.mask, render::LabelStyle{});
  const render::SliceGeometry geometry(scene.image->geometry());
  const render::WindowLevel wl = render::autoWindowLevel(*scene.image);
  std::vector<double> allFull;
  for (render::ViewAxis axis : {render::ViewAxis::Axial, render::ViewAxis::Coronal, render::ViewAxis::Sagittal}) {
    const render::SliceRange& range = geometry.range(axis);
    const Vec3 normal = render::SliceGeometry::normalOf(axis);
    std::vector<double> full, half, copy;
    render::RgbaImage out, outHalf;
    std::vector<std::uint32_t> copyTarget;
    for (int index = 0; index < range.count; ++index) {
      Vec3 cursor = geometry.centreMm();
      for (int a = 0; a < 3; ++a)
        if (normal[a] != 0) cursor[a] = range.depthOf(index);
      const render::SliceFrame frame = geometry.frame(axis, cursor, render::DisplayConvention::Radiological);
      auto start = Clock::now();
      renderer.render(frame, wl, out);
      full.push_back(msSince(start));

      render::SliceFrame halfFrame = frame;
      halfFrame.pixelSizeMm *= 2.0;
      halfFrame.width = (frame.width + 1) / 2;
      halfFrame.height = (frame.height + 1) / 2;
      start = Clock::now();
      renderer.render(halfFrame, wl, outHalf);
      half.push_back(msSince(start));

      copyTarget.resize(out.pixels.size());
      start = Clock::now();
      std::memcpy(copyTarget.data(), out.pixels.data(), out.pixels.size() * 4);
      copy.push_back(msSince(start));
    }
    const Stats f = stats(full), h = stats(half), c = stats(copy);
    allFull.insert(allFull.end(), full.begin(), full.end());
    const render::SliceFrame frame = geometry.frame(axis, geometry.centreMm(), render::DisplayConvention::Radiological);
    std::printf("%-8s %3d slices of %dx%d px: render median %.3f ms (p95 %.3f, max %.3f) | half size %.3f ms "
                "(ratio %.2f) | memcpy %.4f ms (ratio %.0f)\n",
                render::toString(axis), range.count, frame.width, frame.height, f.median, f.p95, f.max, h.median,
                f.median / h.median, c.median, f.median / std::max(c.median, 1e-6));
  }
  const Stats all = stats(allFull);
  std::printf("render, all views: median %.3f ms, p95 %.3f ms, max %.3f ms -> %s (budget 30 ms per slice)\n",
              all.median, all.p95, all.max, all.max <= 30.0 ? "PASS" : "FAIL");
}

void benchWidget(const Scene& scene) {
  ui::ViewerModel model;
  auto loaded = std::make_shared<ui::LoadedCase>();
  loaded->image = scene.image;
  std::vector<ui::Overlay> overlays(2);
  overlays[0].role = ui::OverlayRole::Residual;
  overlays[0].values = scene.residual;
  overlays[0].heat.threshold = 0.3;
  overlays[1].role = ui::OverlayRole::AnomalyMask;
  overlays[1].labels = scene.mask;
  model.setCase(loaded, overlays);
  std::printf("== Slice view widget: one scroll step = cursor step + synchronous repaint, 800x800 px (%s) ==\n",
              qPrintable(QGuiApplication::platformName()));
  std::vector<double> allSteps;
  for (render::ViewAxis axis : {render::ViewAxis::Axial, render::ViewAxis::Coronal, render::ViewAxis::Sagittal}) {
    ui::SliceView view(&model, axis);
    view.resize(800, 800);
    view.show();
    if (!QTest::qWaitForWindowExposed(&view)) std::printf("(view not exposed: repaints may be skipped)\n");
    view.repaint();
    std::vector<double> steps, repaintOnly;
    const int count = model.sliceGeometry().range(axis).count;
    for (int i = 0; i < count - 1; ++i) {
      const int direction = i < count / 2 ? 1 : -1; // up then back down, as when scrolling
      auto start = Clock::now();
      model.stepSlice(axis, direction);
      view.repaint();
      steps.push_back(msSince(start));
      start = Clock::now();
      view.repaint(); // reference: the same repaint without a new slice (paint + scaling only)
      repaintOnly.push_back(msSince(start));
    }
    const Stats s = stats(steps), r = stats(repaintOnly);
    allSteps.insert(allSteps.end(), steps.begin(), steps.end());
    std::printf("%-8s scroll step median %.3f ms (p95 %.3f, max %.3f) | repaint without re-render %.3f ms\n",
                render::toString(axis), s.median, s.p95, s.max, r.median);
  }
  const Stats all = stats(allSteps);
  std::printf("scroll step, all views: median %.3f ms, p95 %.3f ms, max %.3f ms -> %s (budget 30 ms)\n", all.median,
              all.p95, all.max, all.p95 <= 30.0 ? "PASS" : "FAIL");
}

fs::path makeDicomSeries() {
  const fs::path folder = fs::path(STREGA_BINARY_DIR) / "bench-data" / "colin27-dicom-axial";
  if (fs::exists(folder / ".complete")) return folder;
  fs::remove_all(folder);
  fs::create_directories(folder.parent_path());
  const std::string command = std::string("/usr/bin/python3 ") + STREGA_SOURCE_DIR +
                              "/tests/io/tools/make_dicom_series.py " + kColin27.string() + " " + folder.string() +
                              " > /dev/null";
  std::printf("writing the 181-slice series with make_dicom_series.py ...\n");
  std::fflush(stdout);
  if (std::system(command.c_str()) != 0) return {};
  std::fclose(std::fopen((folder / ".complete").c_str(), "w"));
  return folder;
}

void benchDicomOpen(const fs::path& folder, int runs) {
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(folder))
    files += entry.path().filename().string()[0] != '.';
  std::printf("== Opening a DICOM series until its first slice shows (%zu files in %s) ==\n", files, folder.c_str());
  std::vector<double> reference, open;
  for (int r = 0; r < runs; ++r) {
    auto start = Clock::now();
    const auto loaded = io::readImage(folder);
    reference.push_back(msSince(start));
    if (r == 0)
      std::printf("series: %zux%zux%zu\n", loaded.image.size()[0], loaded.image.size()[1], loaded.image.size()[2]);
  }
  for (int r = 0; r < runs; ++r) {
    ui::MainWindow window;
    window.resize(1400, 900);
    window.show();
    if (!QTest::qWaitForWindowExposed(&window)) std::printf("(window not exposed)\n");
    ui::SliceView* axial = window.sliceView(render::ViewAxis::Axial);
    QSignalSpy finished(&window, &ui::MainWindow::loadFinished);
    const auto start = Clock::now();
    window.open(QString::fromStdString(folder.string()));
    if (finished.isEmpty() && !finished.wait(60000)) {
      std::printf("open timed out\n");
      return;
    }
    if (!finished.first().at(0).toBool()) {
      std::printf("open failed: %s\n", qPrintable(finished.first().at(1).toString()));
      return;
    }
    axial->repaint();
    open.push_back(msSince(start));
    window.close();
  }
  const Stats ref = stats(reference), gui = stats(open);
  std::printf("io::readImage alone: median %.0f ms | open -> first slice on screen: first run %.0f ms, median %.0f ms, "
              "max %.0f ms (ratio to readImage %.2f) -> %s (budget 2000 ms)\n",
              ref.median, open.front(), gui.median, gui.max, gui.median / ref.median,
              gui.max <= 2000.0 ? "PASS" : "FAIL");
}

} // namespace

int main(int argc, char** argv) {
  if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
    qputenv("QT_QPA_PLATFORM", "offscreen");
  QTemporaryDir config; // leave the user's settings alone
  qputenv("XDG_CONFIG_HOME", config.path().toLocal8Bit());
  QApplication app(argc, argv);
  ui::setApplicationIdentity();
  fs::path dicom;
  int runs = 5;
  bool skipDicom = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--dicom" && i + 1 < argc)
      dicom = argv[++i];
    else if (arg == "--runs" && i + 1 < argc)
      runs = std::max(1, std::atoi(argv[++i]));
    else if (arg == "--skip-dicom")
      skipDicom = true;
    else {
      std::fprintf(stderr, "usage: ui_bench [--dicom FOLDER] [--runs N] [--skip-dicom]\n");
      return 2;
    }
  }
  const Scene scene = makeScene();
  benchScrolling(scene);
  benchWidget(scene);
  if (!skipDicom) {
    if (dicom.empty()) dicom = makeDicomSeries();
    if (dicom.empty())
      std::printf("DICOM open: skipped (could not write the series; needs /usr/bin/python3 with pydicom, nibabel)\n");
    else
      benchDicomOpen(dicom, runs);
  }
  return 0;
}
