// The main window under Xvfb: opening run outputs, images, BraTS cases, DICOM folders and corrupt files; the
// linked crosshair; oblique volumes; overlays in the screenshot; layout, shortcuts, export, command line.
#include "UiTestSupport.h"

#include "Dialogs.h"
#include "LayerPanel.h"
#include "SeriesBrowserDialog.h"
#include "SliceView.h"
#include "View3D.h"
#include "ViewLayout.h"
#include "ViewerModel.h"

#include "strega/core/Version.h"
#include "strega/render/Sampling.h"
#include "strega/render/SurfaceScene.h"
#include "strega/ui/Application.h"
#include "strega/ui/MainWindow.h"

#include <QAction>
#include <QApplication>
#include <QDialog>
#include <QDockWidget>
#include <QLabel>
#include <QMessageBox>
#include <QMimeData>
#include <QRegularExpression>
#include <QSettings>
#include <QTableWidget>
#include <QTest>
#include <QTimer>
#include <QTreeWidget>

#include <cstdlib>
#include <fstream>

using namespace strega;
using namespace strega::ui;
using render::ViewAxis;
namespace fs = std::filesystem;
using strega::testing::artifact;
using strega::testing::artifactDir;
using strega::testing::openAndWait;
using strega::testing::ScratchDir;
using strega::testing::Window;

namespace {

/// Pixel of the view area screenshot at a position of a slice view.
QRgb layoutPixel(const QImage& layoutShot, MainWindow& w, SliceView* view, const QPointF& inView) {
  const QPoint p = view->mapTo(w.viewLayout(), inView.toPoint());
  return layoutShot.pixel(p);
}

/// Wait until a top-level dialog of the given type and object name shows up.
template <class T> T* waitForDialog(const char* objectName, int timeoutMs = 20000) {
  T* found = nullptr;
  (void)QTest::qWaitFor(
    [&] {
      for (QWidget* w : QApplication::topLevelWidgets()) {
        if (auto* d = qobject_cast<T*>(w); d && d->objectName() == QLatin1String(objectName) && d->isVisible()) {
          found = d;
          return true;
        }
      }
      return false;
    },
    timeoutMs);
  return found;
}

} // namespace

class RunOutputFixture : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    s_dir = new ScratchDir;
    strega::testing::writeFakeRunOutput(s_dir->path() / "run", false);
    strega::testing::writeFakeRunOutput(s_dir->path() / "run-residual", true);
  }
  static void TearDownTestSuite() {
    delete s_dir;
    s_dir = nullptr;
  }
  static fs::path runFolder() { return s_dir->path() / "run"; }
  static fs::path runWithResidual() { return s_dir->path() / "run-residual"; }
  static ScratchDir* s_dir;
};
ScratchDir* RunOutputFixture::s_dir = nullptr;

TEST_F(RunOutputFixture, OpenRunOutput_ScreenshotShowsMaskColourAtTheLesion) {
  Window w;
  ASSERT_TRUE(openAndWait(w.window, runFolder()));
  ViewerModel* model = w.window.model();
  ASSERT_TRUE(model->hasImage());
  ASSERT_GE(model->overlayIndex(OverlayRole::AnomalyMask), 0);

  // Picking the finding in the table moves the cursor there and centres the views.
  auto* table = w.window.findChild<QTableWidget*>(QStringLiteral("findingsTable"));
  ASSERT_NE(table, nullptr);
  ASSERT_EQ(table->rowCount(), 1);
  // One region per line, each with its share of the finding.
  EXPECT_EQ(table->item(0, 2)->text(), QStringLiteral("Right cerebral white matter 72 %\nRight Putamen <1 %"));
  EXPECT_EQ(table->item(0, 2)->toolTip(), table->item(0, 2)->text());
  EXPECT_TRUE(w.window.findChild<QDockWidget*>(QStringLiteral("findingsDock"))->isVisible());
  QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, table->visualItemRect(table->item(0, 1)).center());
  EXPECT_LT(norm(subtract(model->cursor(), strega::testing::kLesionCentreMm)), 0.51);
  SliceView* axial = w.window.sliceView(ViewAxis::Axial);
  const QPointF centre = axial->worldToWidget(model->cursor());
  EXPECT_NEAR(centre.x(), axial->width() / 2.0, 1.0); // centred
  EXPECT_NEAR(centre.y(), axial->height() / 2.0, 1.0);

  EXPECT_TRUE(QTest::qWaitFor([&] { return w.window.view3D()->surfacesReady(); }, 60000));
  const QImage shot = w.window.viewLayout()->grab().toImage();
  shot.save(artifact("run-output-layout.png"));
  w.window.grab().save(artifact("run-output-window.png"));
  EXPECT_GT(strega::testing::greyStdDev(shot), 20.0); // not blank

  // 4 mm from the centre along a diagonal (clear of the crosshair): inside the sphere -> red; the mirror point
  // in the other hemisphere -> grey.
  const Vec3 inside = add(strega::testing::kLesionCentreMm, {3.0, 3.0, 0.0});
  const Vec3 mirror{-inside[0], inside[1], inside[2]};
  for (ViewAxis axis : {ViewAxis::Axial, ViewAxis::Coronal, ViewAxis::Sagittal}) {
    SliceView* view = w.window.sliceView(axis);
    const Vec3 probe = axis == ViewAxis::Axial     ? inside
                       : axis == ViewAxis::Coronal ? add(strega::testing::kLesionCentreMm, {3.0, 0.0, 3.0})
                                                   : add(strega::testing::kLesionCentreMm, {0.0, 3.0, 3.0});
    const QRgb at = layoutPixel(shot, w.window, view, view->worldToWidget(probe));
    EXPECT_TRUE(strega::testing::isReddish(at))
      << render::toString(axis) << " " << qRed(at) << "," << qGreen(at) << "," << qBlue(at);
  }
  const QRgb away = layoutPixel(shot, w.window, axial, axial->worldToWidget(mirror));
  EXPECT_TRUE(strega::testing::isGreyish(away)) << qRed(away) << "," << qGreen(away) << "," << qBlue(away);

  // Outline mode keeps the interior clear; hiding the mask removes the colour.
  const int mask = model->overlayIndex(OverlayRole::AnomalyMask);
  auto style = model->overlays()[static_cast<std::size_t>(mask)].label;
  style.mode = render::MaskMode::Outline;
  model->setLabelStyle(mask, style);
  QImage outline = w.window.viewLayout()->grab().toImage();
  outline.save(artifact("run-output-outline.png"));
  EXPECT_TRUE(strega::testing::isGreyish(layoutPixel(outline, w.window, axial, axial->worldToWidget(inside))));
  model->setOverlayVisible(mask, false);
  const QImage hidden = w.window.viewLayout()->grab().toImage();
  EXPECT_TRUE(strega::testing::isGreyish(layoutPixel(hidden, w.window, axial, axial->worldToWidget(inside))));
}

TEST_F(RunOutputFixture, View3D_ShowsTheLesionSurface) {
  Window w;
  ASSERT_TRUE(openAndWait(w.window, runFolder()));
  View3D* view = w.window.view3D();
  if (!render::SurfaceScene::available()) GTEST_SKIP() << "no offscreen OpenGL";
  ASSERT_TRUE(QTest::qWaitFor([&] { return view->surfacesReady(); }, 60000));
  const QImage picture = view->grab().toImage();
  picture.save(artifact("view3d.png"));
  EXPECT_GT(strega::testing::greyStdDev(picture), 10.0);
  int red = 0;
  for (int y = 0; y < picture.height(); ++y)
    for (int x = 0; x < picture.width(); ++x)
      red += strega::testing::isReddish(picture.pixel(x, y));
  EXPECT_GT(red, 50) << "the anomaly surface should show through the translucent head";
}

TEST_F(RunOutputFixture, ResidualOverlay_HeatColoursAboveThresholdOnly) {
  Window w;
  ASSERT_TRUE(openAndWait(w.window, runWithResidual()));
  ViewerModel* model = w.window.model();
  const int residual = model->overlayIndex(OverlayRole::Residual);
  ASSERT_GE(residual, 0);
  model->setOverlayVisible(model->overlayIndex(OverlayRole::AnomalyMask), false);
  auto heat = model->overlays()[static_cast<std::size_t>(residual)].heat;
  heat.threshold = 0.5;
  heat.maximum = 1.0;
  heat.opacity = 1.0;
  model->setHeatStyle(residual, heat);
  model->setCursor(strega::testing::kLesionCentreMm);
  SliceView* axial = w.window.sliceView(ViewAxis::Axial);
  const QImage shot = w.window.viewLayout()->grab().toImage();
  shot.save(artifact("residual-heat.png"));
  // 3 mm off-centre the blob is ~0.88: hot colours (red/yellow, little blue); 20 mm away it is below threshold.
  const QRgb hot =
    layoutPixel(shot, w.window, axial, axial->worldToWidget(add(strega::testing::kLesionCentreMm, {2, 2, 0})));
  EXPECT_GT(qRed(hot), 200);
  EXPECT_LT(qBlue(hot), qRed(hot) - 60);
  const QRgb cold =
    layoutPixel(shot, w.window, axial, axial->worldToWidget(add(strega::testing::kLesionCentreMm, {20, 3, 0})));
  EXPECT_TRUE(strega::testing::isGreyish(cold));
  // The legend (colour bar) is in the Layers panel.
  EXPECT_NE(w.window.findChild<QWidget*>(QStringLiteral("overlay_residual")), nullptr);
}

TEST_F(RunOutputFixture, OverlayShortcuts_ToggleEachOverlay) {
  Window w;
  ASSERT_TRUE(openAndWait(w.window, runWithResidual()));
  ViewerModel* model = w.window.model();
  const std::pair<OverlayRole, Qt::Key> toggles[] = {{OverlayRole::Residual, Qt::Key_H},
                                                     {OverlayRole::AnomalyMask, Qt::Key_M},
                                                     {OverlayRole::BrainMask, Qt::Key_B},
                                                     {OverlayRole::Tissue, Qt::Key_T}};
  for (const auto& [role, key] : toggles) {
    const int index = model->overlayIndex(role);
    ASSERT_GE(index, 0) << settingsKey(role).toStdString();
    const bool before = model->overlays()[static_cast<std::size_t>(index)].visible();
    QTest::keyClick(&w.window, key);
    EXPECT_NE(model->overlays()[static_cast<std::size_t>(index)].visible(), before) << settingsKey(role).toStdString();
  }
  // Now the tissue classes show (hidden by default), brain mask off: the window with its panels and legends.
  model->setCursor(strega::testing::kLesionCentreMm);
  QTest::keyClick(&w.window, Qt::Key_H);
  QTest::keyClick(&w.window, Qt::Key_M);
  QTest::keyClick(&w.window, Qt::Key_O); // mask as outline
  EXPECT_TRUE(QTest::qWaitFor([&] { return w.window.view3D()->surfacesReady(); }, 60000));
  w.window.grab().save(artifact("run-output-all-overlays.png"));
  // The brain mask's appearance is remembered for the next case.
  EXPECT_EQ(QSettings().value(QStringLiteral("overlays/brainMask/visible")).toBool(), false);
}

TEST(MainWindow, NeurologicalConvention_PutsPatientRightOnTheRight) {
  Window w;
  ASSERT_TRUE(openAndWait(w.window, strega::testing::kColin27));
  SliceView* axial = w.window.sliceView(ViewAxis::Axial);
  EXPECT_EQ(axial->frame().rightLps, (Vec3{1, 0, 0}));
  QAction* neurological = nullptr;
  for (QAction* a : w.window.shortcutActions())
    if (a->text().contains(QStringLiteral("Neurological"))) neurological = a;
  ASSERT_NE(neurological, nullptr);
  neurological->trigger();
  EXPECT_EQ(axial->frame().rightLps, (Vec3{-1, 0, 0}));
  EXPECT_EQ(w.window.sliceView(ViewAxis::Coronal)->frame().rightLps, (Vec3{-1, 0, 0}));
  // A point on the patient's right (-x) now lies right of the cursor on screen.
  const Vec3 right = add(w.window.model()->cursor(), {-20.0, 0.0, 0.0});
  EXPECT_GT(axial->worldToWidget(right).x(), axial->worldToWidget(w.window.model()->cursor()).x());
  w.window.viewLayout()->grab().save(artifact("neurological.png"));
  neurological->trigger();
}

TEST_F(RunOutputFixture, ExportMask_WritesTheMaskAsNifti) {
  Window w;
  ASSERT_TRUE(openAndWait(w.window, runFolder()));
  ScratchDir out;
  ASSERT_TRUE(w.window.exportMask(QString::fromStdString((out / "exported.nii.gz").string())));
  const auto reread = io::readImage(out / "exported.nii.gz");
  const auto original = io::readImage(runFolder() / "mask.nii.gz");
  ASSERT_TRUE(reread.image.geometry().sameGrid(original.image.geometry()));
  EXPECT_TRUE(std::equal(reread.image.voxels().begin(), reread.image.voxels().end(), original.image.voxels().begin()));
}

TEST(MainWindow, ClickInAxial_MovesCoronalAndSagittalToTheClickedVoxel) {
  Window w;
  ASSERT_TRUE(openAndWait(w.window, strega::testing::kColin27));
  ViewerModel* model = w.window.model();
  SliceView* axial = w.window.sliceView(ViewAxis::Axial);
  SliceView* coronal = w.window.sliceView(ViewAxis::Coronal);
  SliceView* sagittal = w.window.sliceView(ViewAxis::Sagittal);
  const ImageGeometry& grid = model->loadedCase()->image->geometry();

  const Vec3 target{25.3, -12.2, model->cursor()[2]}; // patient left, anterior, on the current axial slice
  const QPoint click = axial->worldToWidget(target).toPoint();
  QTest::mouseClick(axial, Qt::LeftButton, {}, click);
  QApplication::processEvents();

  // The voxel under the click, computed independently from the image geometry.
  const auto voxel = render::nearestVoxel(grid, axial->widgetToWorld(click));
  ASSERT_TRUE(voxel);
  const Vec3 voxelCentre = grid.indexToPhysical({double((*voxel)[0]), double((*voxel)[1]), double((*voxel)[2])});
  EXPECT_LT(maxAbsDifference(model->cursor(), voxelCentre), 1e-6);
  // Coronal now shows the plane of that voxel's row j, sagittal the plane of its column i.
  EXPECT_NEAR(coronal->frame().depthMm(), voxelCentre[1], 1e-6);
  EXPECT_NEAR(sagittal->frame().depthMm(), voxelCentre[0], 1e-6);
  // Colin27 is stored RAS: j runs anterior->posterior reversed, i right->left reversed.
  EXPECT_EQ(model->sliceIndex(ViewAxis::Coronal), static_cast<int>(grid.size[1] - 1 - (*voxel)[1]));
  EXPECT_EQ(model->sliceIndex(ViewAxis::Sagittal), static_cast<int>(grid.size[0] - 1 - (*voxel)[0]));
  // The crosshair in the other views passes through the same world point.
  EXPECT_NEAR(coronal->worldToWidget(model->cursor()).x(), coronal->worldToWidget(voxelCentre).x(), 1e-6);
  // The status bar shows the voxel and its value.
  auto* label = w.window.findChild<QLabel*>(QStringLiteral("cursorLabel"));
  ASSERT_NE(label, nullptr);
  EXPECT_TRUE(
    label->text().contains(QStringLiteral("voxel (%1, %2, %3)").arg((*voxel)[0]).arg((*voxel)[1]).arg((*voxel)[2])))
    << label->text().toStdString();

  // Scrolling the coronal view moves one voxel plane.
  const int before = model->sliceIndex(ViewAxis::Coronal);
  coronal->setFocus();
  QTest::keyClick(coronal, Qt::Key_PageUp);
  EXPECT_EQ(model->sliceIndex(ViewAxis::Coronal), before + 1);
  QWheelEvent wheel(QPointF(50, 50), coronal->mapToGlobal(QPointF(50, 50)), {}, QPoint(0, -240), Qt::NoButton, {},
                    Qt::NoScrollPhase, false);
  QApplication::sendEvent(coronal, &wheel);
  EXPECT_EQ(model->sliceIndex(ViewAxis::Coronal), before - 1);
  w.window.viewLayout()->grab().save(artifact("crosshair-linked.png"));
}

TEST(MainWindow, WindowLevelDragAndZoom_ChangeContrastAndScale) {
  Window w;
  ASSERT_TRUE(openAndWait(w.window, strega::testing::kColin27));
  SliceView* axial = w.window.sliceView(ViewAxis::Axial);
  const auto before = w.window.model()->windowLevel();
  QTest::mousePress(axial, Qt::RightButton, {}, QPoint(100, 100));
  QMouseEvent move(QEvent::MouseMove, QPointF(160, 140), axial->mapToGlobal(QPointF(160, 140)), Qt::NoButton,
                   Qt::RightButton, {});
  QApplication::sendEvent(axial, &move);
  QTest::mouseRelease(axial, Qt::RightButton, {}, QPoint(160, 140));
  const auto after = w.window.model()->windowLevel();
  EXPECT_GT(after.window, before.window);
  EXPECT_GT(after.level, before.level);
  const double scale = axial->pixelsPerMm();
  axial->zoomBy(2.0, QPointF(axial->width() / 2.0, axial->height() / 2.0));
  EXPECT_NEAR(axial->pixelsPerMm(), 2 * scale, 1e-9);
  axial->resetView();
  EXPECT_NEAR(axial->pixelsPerMm(), scale, 1e-9);
}

TEST(MainWindow, ObliqueVolume_BrightBlockAppearsAtTheCrosshair) {
  ScratchDir dir;
  Vec3 centreMm;
  const ImageF image = strega::testing::obliqueVolumeWithBlock({20, 15, 12}, centreMm);
  io::writeImage(image, dir / "oblique.nii.gz");
  Window w;
  ASSERT_TRUE(openAndWait(w.window, dir / "oblique.nii.gz"));
  ViewerModel* model = w.window.model();
  // The file went through NIfTI's RAS sform and back: geometry is still oblique.
  EXPECT_LT(maxAbsDifference(model->loadedCase()->image->geometry().direction, image.geometry().direction), 1e-4);
  model->setWindowLevel(render::WindowLevel::fromRange(0.0, 1000.0));
  model->setCursor(centreMm, false);
  for (SliceView* v : {w.window.sliceView(ViewAxis::Axial), w.window.sliceView(ViewAxis::Coronal),
                       w.window.sliceView(ViewAxis::Sagittal)})
    v->zoomBy(3.0, v->worldToWidget(centreMm));
  const QImage shot = w.window.viewLayout()->grab().toImage();
  shot.save(artifact("oblique-block.png"));
  for (ViewAxis axis : {ViewAxis::Axial, ViewAxis::Coronal, ViewAxis::Sagittal}) {
    SliceView* view = w.window.sliceView(axis);
    const QPointF at = view->worldToWidget(centreMm);
    // The crosshair leaves a gap at the cursor: the pixel there is the image, white.
    EXPECT_GT(qGray(layoutPixel(shot, w.window, view, at)), 240) << render::toString(axis);
    // 8 mm to the side it is the dark background of the volume.
    EXPECT_LT(qGray(layoutPixel(shot, w.window, view, at + QPointF(8.0 * view->pixelsPerMm(), 4.0))), 30)
      << render::toString(axis);
  }
}

TEST(MainWindow, CorruptFile_ShowsErrorDialogAndStaysUsable) {
  ScratchDir dir;
  {
    std::ofstream out(dir / "corrupt.nii.gz", std::ios::binary);
    const unsigned char gzipMagic[] = {0x1f, 0x8b, 0x08, 0x00};
    out.write(reinterpret_cast<const char*>(gzipMagic), 4);
    for (int i = 0; i < 5000; ++i)
      out.put(static_cast<char>((i * 7919) & 0xFF));
  }
  Window w;
  QString message;
  EXPECT_FALSE(openAndWait(w.window, dir / "corrupt.nii.gz", &message));
  EXPECT_FALSE(message.isEmpty());
  auto* box = waitForDialog<QMessageBox>("errorDialog");
  ASSERT_NE(box, nullptr);
  EXPECT_EQ(box->text(), message);
  EXPECT_TRUE(box->windowTitle().contains(QStringLiteral("corrupt.nii.gz")));
  box->grab().save(artifact("error-dialog.png"));
  box->accept();
  EXPECT_TRUE(QTest::qWaitFor([] { return waitForDialog<QMessageBox>("errorDialog", 0) == nullptr; }, 5000));
  EXPECT_FALSE(w.window.model()->hasImage());
  EXPECT_FALSE(w.window.isLoading());

  // Still usable: a good file opens, then a truncated one fails and leaves the good one displayed.
  ASSERT_TRUE(openAndWait(w.window, strega::testing::kColin27));
  {
    std::ifstream in(strega::testing::kColin27, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(dir / "truncated.nii.gz", std::ios::binary).write(bytes.data(), static_cast<long>(bytes.size() / 3));
  }
  EXPECT_FALSE(openAndWait(w.window, dir / "truncated.nii.gz"));
  if (auto* second = waitForDialog<QMessageBox>("errorDialog")) second->accept();
  EXPECT_TRUE(w.window.model()->hasImage());
  EXPECT_EQ(w.window.model()->loadedCase()->source, strega::testing::kColin27);
}

TEST(MainWindow, BratsFolder_OpensT2WithSegmentationOverlay) {
  ScratchDir dir;
  const auto colin = io::readImage(strega::testing::kColin27);
  io::writeImage(colin.image, dir / "Case7_t2.nii.gz");
  Mask seg = strega::testing::sphereMask(colin.image.geometry(), strega::testing::kLesionCentreMm, 10.0);
  for (auto& v : seg.voxels())
    v = v ? 2 : 0;
  const Mask core = strega::testing::sphereMask(colin.image.geometry(), strega::testing::kLesionCentreMm, 5.0);
  for (std::size_t i = 0; i < seg.voxelCount(); ++i)
    if (core[i]) seg[i] = 4;
  io::writeMask(seg, dir / "Case7_seg.nii.gz");
  Window w;
  ASSERT_TRUE(openAndWait(w.window, dir.path()));
  EXPECT_EQ(w.window.windowTitle(), QStringLiteral("Case7 (t2) - StRegA"));
  const int reference = w.window.model()->overlayIndex(OverlayRole::Reference);
  ASSERT_GE(reference, 0);
  EXPECT_GT(w.window.model()->overlays()[static_cast<std::size_t>(reference)].label.labelColours.size(), 4u);
  w.window.model()->setCursor(strega::testing::kLesionCentreMm);
  w.window.viewLayout()->grab().save(artifact("brats-case.png"));
  EXPECT_FALSE(w.window.findChild<QDockWidget*>(QStringLiteral("findingsDock"))->isVisible());
}

TEST(MainWindow, DicomFolderWithTwoSeries_BrowserListsThemAndOpensTheChosenOne) {
  const char* python = "/usr/bin/python3";
  if (std::system((std::string(python) + " -c 'import pydicom, nibabel' 2>/dev/null").c_str()) != 0)
    GTEST_SKIP() << "Debian's python3 with pydicom and nibabel is needed to write the DICOM series";
  ScratchDir dir;
  const std::string tool = std::string(STREGA_SOURCE_DIR) + "/tests/io/tools/make_dicom_series.py";
  ASSERT_EQ(std::system((std::string(python) + " " + tool + " " + strega::testing::kColin27.string() + " " +
                         (dir / "study/axial").string() + " --slices 16 > /dev/null")
                          .c_str()),
            0);
  ASSERT_EQ(std::system((std::string(python) + " " + tool + " " + strega::testing::kColin27.string() + " " +
                         (dir / "study/oblique").string() + " --slices 12 --oblique > /dev/null")
                          .c_str()),
            0);
  Window w;
  QSignalSpy loaded(&w.window, &MainWindow::loadFinished);
  w.window.open(QString::fromStdString((dir / "study").string()));
  auto* browser = waitForDialog<SeriesBrowserDialog>("seriesBrowser", 60000);
  ASSERT_NE(browser, nullptr);
  QTreeWidget* tree = browser->tree();
  QList<QTreeWidgetItem*> series;
  for (QTreeWidgetItemIterator it(tree); *it; ++it)
    if ((*it)->data(0, Qt::UserRole).isValid()) series.append(*it);
  ASSERT_EQ(series.size(), 2);
  (void)QTest::qWaitFor([&] { return browser->thumbnailCount() == 2; }, 30000);
  EXPECT_EQ(browser->thumbnailCount(), 2);
  browser->grab().save(artifact("series-browser.png"));
  // Choose the 12-slice (oblique) series.
  QTreeWidgetItem* oblique = series[0]->text(2).contains(QStringLiteral("x 12 ")) ? series[0] : series[1];
  tree->setCurrentItem(oblique);
  browser->accept();
  ASSERT_TRUE(loaded.wait(60000) || !loaded.isEmpty());
  ASSERT_TRUE(loaded.first().at(0).toBool()) << loaded.first().at(1).toString().toStdString();
  EXPECT_EQ(w.window.model()->loadedCase()->image->geometry().size[2], 12u);
  w.window.viewLayout()->grab().save(artifact("dicom-oblique-series.png"));
}

TEST(MainWindow, DropFile_OpensIt) {
  Window w;
  QSignalSpy loaded(&w.window, &MainWindow::loadFinished);
  QMimeData mime;
  mime.setUrls({QUrl::fromLocalFile(QString::fromStdString(strega::testing::kColin27.string()))});
  QDragEnterEvent enter(QPoint(200, 200), Qt::CopyAction, &mime, Qt::LeftButton, {});
  QApplication::sendEvent(&w.window, &enter);
  EXPECT_TRUE(enter.isAccepted());
  QDropEvent drop(QPointF(200, 200), Qt::CopyAction, &mime, Qt::LeftButton, {});
  QApplication::sendEvent(&w.window, &drop);
  ASSERT_TRUE(loaded.wait(60000));
  EXPECT_TRUE(loaded.first().at(0).toBool());
  // It is now the first recent file.
  EXPECT_EQ(QSettings().value(QStringLiteral("files/recent")).toStringList().value(0),
            QString::fromStdString(strega::testing::kColin27.string()));
}

TEST(MainWindow, Layout_MaximiseAndBackToGridIsRemembered) {
  {
    Window w;
    ViewLayout* layout = w.window.viewLayout();
    EXPECT_EQ(layout->maximised(), -1);
    QTest::keyClick(&w.window, Qt::Key_4, Qt::ControlModifier); // maximise 3D
    EXPECT_EQ(layout->maximised(), 3);
    EXPECT_FALSE(w.window.sliceView(ViewAxis::Axial)->isVisible());
    EXPECT_TRUE(w.window.view3D()->isVisible());
    QTest::keyClick(&w.window, Qt::Key_1, Qt::ControlModifier); // maximise axial
    EXPECT_EQ(layout->maximised(), 0);
  }
  MainWindow again; // reads the setting written above (Window clears settings, so construct directly)
  EXPECT_EQ(again.viewLayout()->maximised(), 0);
  again.viewLayout()->setMaximised(-1);
}

TEST(MainWindow, ShortcutsDialog_ListsActionsAndViewControls) {
  Window w;
  QAction* help = nullptr;
  for (QAction* a : w.window.shortcutActions())
    if (a->shortcut() == QKeySequence(QKeySequence::HelpContents)) help = a;
  ASSERT_NE(help, nullptr);
  help->trigger();
  auto* dialog = waitForDialog<QDialog>("shortcutsDialog");
  ASSERT_NE(dialog, nullptr);
  auto* table = dialog->findChild<QTableWidget*>();
  ASSERT_NE(table, nullptr);
  QStringList keys;
  for (int r = 0; r < table->rowCount(); ++r)
    keys << table->item(r, 1)->text();
  EXPECT_TRUE(keys.contains(QKeySequence(QKeySequence::Open).toString(QKeySequence::NativeText)));
  EXPECT_TRUE(keys.contains(QStringLiteral("Ctrl+E")));
  EXPECT_GT(table->rowCount(), 15);
  dialog->grab().save(artifact("shortcuts-dialog.png"));
  dialog->close();
  // Every shortcut is unique.
  QStringList all;
  for (QAction* a : w.window.shortcutActions())
    if (!a->shortcut().isEmpty()) all << a->shortcut().toString();
  const auto count = all.size();
  all.removeDuplicates();
  EXPECT_EQ(all.size(), count);
}

TEST(MainWindow, WindowLevelPresets_IncludeAutoBrainAndSavedOnes) {
  Window w;
  ASSERT_TRUE(openAndWait(w.window, strega::testing::kColin27));
  QSettings settings;
  settings.beginWriteArray(QStringLiteral("windowLevelPresets"), 1);
  settings.setArrayIndex(0);
  settings.setValue(QStringLiteral("name"), QStringLiteral("Mine"));
  settings.setValue(QStringLiteral("window"), 50.0);
  settings.setValue(QStringLiteral("level"), 60.0);
  settings.endArray();
  settings.sync();
  auto* panel = w.window.findChild<LayerPanel*>(QStringLiteral("layerPanel"));
  ASSERT_NE(panel, nullptr);
  ASSERT_TRUE(panel->applyPreset(QStringLiteral("Mine")));
  EXPECT_DOUBLE_EQ(w.window.model()->windowLevel().window, 50.0);
  EXPECT_DOUBLE_EQ(w.window.model()->windowLevel().level, 60.0);
  ASSERT_TRUE(panel->applyPreset(QStringLiteral("Brain")));
  EXPECT_NE(w.window.model()->windowLevel().window, 50.0);
  EXPECT_FALSE(panel->applyPreset(QStringLiteral("No such preset")));
}

TEST(Application, AboutText_NamesLibraryVersions) {
  const QString text = aboutText();
  EXPECT_TRUE(text.contains(QStringLiteral("VTK</td><td>9.")));
  EXPECT_TRUE(text.contains(QStringLiteral("Qt</td><td>6.")));
  EXPECT_TRUE(text.contains(QStringLiteral("ITK</td><td>5.")));
  EXPECT_TRUE(text.contains(QStringLiteral("DCMTK</td><td>3.")));
  EXPECT_TRUE(text.contains(QRegularExpression(QStringLiteral("LibTorch</td><td>\\d+\\.\\d+")))) << text.toStdString();
  EXPECT_TRUE(text.contains(QString::fromLatin1(strega::versionString())));
  EXPECT_TRUE(text.contains(QString::fromLatin1(strega::gitCommit())));
  // Whatever `--device auto` would take: CUDA with its device count, else the CPU with its thread count.
  EXPECT_TRUE(text.contains(QStringLiteral("Compute device</td><td>CPU, ")) ||
              text.contains(QStringLiteral("Compute device</td><td>CUDA, ")));
  // libopenblas0-openmp is a build dependency: the About box must see it, or the model runs 20-40x slower.
  EXPECT_TRUE(text.contains(QStringLiteral("BLAS</td><td>OpenBLAS "))) << text.toStdString();
}

TEST(Application, ParseCommandLine_InputScreenshotQuit) {
  auto parsed = parseCommandLine({QStringLiteral("strega"), QStringLiteral("scan.nii.gz"),
                                  QStringLiteral("--screenshot"), QStringLiteral("out.png"), QStringLiteral("--quit")});
  ASSERT_TRUE(std::holds_alternative<CommandLineOptions>(parsed));
  const auto& options = std::get<CommandLineOptions>(parsed);
  EXPECT_EQ(options.input, QStringLiteral("scan.nii.gz"));
  EXPECT_EQ(options.screenshot, QStringLiteral("out.png"));
  EXPECT_TRUE(options.quit);
  EXPECT_EQ(std::get<int>(parseCommandLine({QStringLiteral("strega"), QStringLiteral("--bogus")})), 2);
  EXPECT_EQ(std::get<int>(parseCommandLine({QStringLiteral("strega"), QStringLiteral("a"), QStringLiteral("b")})), 2);
  EXPECT_EQ(std::get<int>(parseCommandLine({QStringLiteral("strega"), QStringLiteral("--run")})),
            2); // --run needs INPUT
}

TEST(Application, ScriptedSession_OpensAndSavesTheScreenshot) {
  Window w;
  CommandLineOptions options;
  options.input = QString::fromStdString(strega::testing::kColin27.string());
  options.screenshot = artifact("scripted-session.png");
  fs::remove(options.screenshot.toStdString());
  ScriptedSession session(w.window, options);
  QSignalSpy finished(&session, &ScriptedSession::finished);
  session.start();
  ASSERT_TRUE(finished.wait(120000));
  EXPECT_EQ(finished.first().at(0).toInt(), 0);
  const QImage shot(options.screenshot);
  ASSERT_FALSE(shot.isNull());
  EXPECT_GT(strega::testing::greyStdDev(shot), 20.0);
}
