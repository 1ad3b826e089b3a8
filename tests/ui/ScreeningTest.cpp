// The Screening panel end to end: Colin27 with a synthetic T1-dark lesion in the white matter is screened through
// the GUI (the pipeline and model of `strega-cli run`), the outputs appear as overlays and findings, Cancel returns
// to idle within 1 s, a bad model file ends in an error dialog, and the scripted --run path saves a screenshot.
#include "BatchPanel.h"
#include "ScreeningPanel.h"
#include "SliceView.h"
#include "UiTestSupport.h"
#include "View3D.h"
#include "ViewLayout.h"
#include "ViewerModel.h"

#include "strega/render/Sampling.h"
#include "strega/ui/Application.h"
#include "strega/ui/MainWindow.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTableWidget>
#include <QTest>

#include <algorithm>
#include <cstdio>
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
using strega::testing::visibleErrorDialog;
using strega::testing::Window;

namespace {

/// The synthetic lesion: a 24 mm sphere (7.2 mL) of intensity 0 (T1-dark) in the right cerebral white matter of
/// Colin27, LPS mm. The shipped model flags about half of it (3.8 mL, centroid 4 mm from the centre); a 15 mm
/// sphere (1.8 mL) is below what it finds reliably.
const Vec3 kLesionMm{-25.0, 10.0, 25.0};
constexpr double kLesionRadiusMm = 12.0;

/// Set the panel's output folder as a user would (typing, then leaving the field).
void setOutputRoot(MainWindow& window, const fs::path& root) {
  QLineEdit* edit = window.screeningPanel()->outputEdit();
  edit->setText(QString::fromStdString(root.string()));
  Q_EMIT edit->editingFinished();
}

/// Record a measured figure for the report (stdout and test-artifacts/ui/measurements.txt).
void recordMeasurement(const std::string& line) {
  std::printf("[measure] %s\n", line.c_str());
  std::FILE* f = std::fopen((artifactDir() / "measurements.txt").c_str(), "a");
  if (f) {
    std::fprintf(f, "%s\n", line.c_str());
    std::fclose(f);
  }
}

} // namespace

class ScreeningFixture : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    s_dir = new ScratchDir;
    io::LoadedImage colin = io::readImage(strega::testing::kColin27);
    ImageF& image = colin.image;
    const ImageGeometry& g = image.geometry();
    for (std::size_t k = 0; k < g.size[2]; ++k)
      for (std::size_t j = 0; j < g.size[1]; ++j)
        for (std::size_t i = 0; i < g.size[0]; ++i)
          if (norm(subtract(g.indexToPhysical({double(i), double(j), double(k)}), kLesionMm)) <= kLesionRadiusMm)
            image.at(i, j, k) = 0.0f;
    io::writeImage(image, s_dir->path() / "colin27-lesion.nii.gz");
  }
  static void TearDownTestSuite() {
    delete s_dir;
    s_dir = nullptr;
  }
  static fs::path lesionImage() { return s_dir->path() / "colin27-lesion.nii.gz"; }
  static fs::path outputRoot() { return s_dir->path() / "outputs"; }
  static ScratchDir* s_dir;
};
ScratchDir* ScreeningFixture::s_dir = nullptr;

TEST_F(ScreeningFixture, RunThroughGui_ShowsMaskAtTheLesionAndFindings) {
  Window w;
  ASSERT_TRUE(openAndWait(w.window, lesionImage()));
  setOutputRoot(w.window, outputRoot());
  ScreeningPanel* panel = w.window.screeningPanel();
  ASSERT_TRUE(panel->runButton()->isEnabled());
  EXPECT_FALSE(panel->modelEdit()->placeholderText().isEmpty()); // the default model is named

  QSignalSpy finished(&w.window, &MainWindow::runFinished);
  QElapsedTimer clock;
  clock.start();
  QTest::mouseClick(panel->runButton(), Qt::LeftButton);
  ASSERT_TRUE(w.window.isRunning());
  EXPECT_FALSE(panel->runButton()->isEnabled());
  EXPECT_TRUE(panel->cancelButton()->isVisible());
  // The progress bar names the stage that runs.
  QString stageSeen;
  ASSERT_TRUE(QTest::qWaitFor(
    [&] {
      if (panel->progressBar()->value() > 0) stageSeen = panel->progressBar()->format();
      return !finished.isEmpty();
    },
    600000));
  const double seconds = clock.elapsed() / 1000.0;
  recordMeasurement("gui run of colin27-lesion (click Run to overlays shown): " + std::to_string(seconds) + " s");
  ASSERT_TRUE(finished.first().at(0).toBool()) << finished.first().at(1).toString().toStdString();
  EXPECT_FALSE(stageSeen.isEmpty());
  EXPECT_FALSE(w.window.isRunning());
  EXPECT_TRUE(panel->runButton()->isEnabled());

  // Every output is an overlay; the files are in <root>/<case>_strega/.
  ViewerModel* model = w.window.model();
  for (OverlayRole role :
       {OverlayRole::AnomalyMask, OverlayRole::Residual, OverlayRole::BrainMask, OverlayRole::Tissue})
    EXPECT_GE(model->overlayIndex(role), 0) << displayName(role).toStdString();
  const fs::path out = outputRoot() / "colin27-lesion_strega";
  for (const char* file :
       {"mask.nii.gz", "residual.nii.gz", "brain_mask.nii.gz", "tissue.nii.gz", "report.json", "report.html"})
    EXPECT_TRUE(fs::is_regular_file(out / file)) << file;
  EXPECT_TRUE(panel->statusLabel()->text().contains(QString::fromStdString(out.string())));

  // The mask covers a good part of the lesion.
  const int maskIndex = model->overlayIndex(OverlayRole::AnomalyMask);
  const Mask& mask = *model->overlays()[static_cast<std::size_t>(maskIndex)].labels;
  std::size_t inside = 0, flagged = 0;
  const ImageGeometry& mg = mask.geometry();
  for (std::size_t k = 0; k < mg.size[2]; ++k)
    for (std::size_t j = 0; j < mg.size[1]; ++j)
      for (std::size_t i = 0; i < mg.size[0]; ++i)
        if (norm(subtract(mg.indexToPhysical({double(i), double(j), double(k)}), kLesionMm)) <= kLesionRadiusMm) {
          ++inside;
          flagged += mask.at(i, j, k) != 0;
        }
  EXPECT_GT(static_cast<double>(flagged), 0.2 * static_cast<double>(inside)) << flagged << " of " << inside;

  // Findings table: volume, region, peak score; clicking the finding nearest the lesion centres the views on it.
  auto* table = w.window.findChild<QTableWidget*>(QStringLiteral("findingsTable"));
  ASSERT_NE(table, nullptr);
  ASSERT_GT(table->rowCount(), 0);
  EXPECT_TRUE(w.window.findChild<QDockWidget*>(QStringLiteral("findingsDock"))->isVisible());
  const auto& findings = model->loadedCase()->findings;
  ASSERT_EQ(static_cast<std::size_t>(table->rowCount()), findings.size());
  int nearest = 0;
  for (int row = 0; row < table->rowCount(); ++row)
    if (norm(subtract(*findings[row].centroidMm, kLesionMm)) < norm(subtract(*findings[nearest].centroidMm, kLesionMm)))
      nearest = row;
  EXPECT_LT(norm(subtract(*findings[nearest].centroidMm, kLesionMm)), 10.0);
  EXPECT_FALSE(table->item(nearest, 2)->text().isEmpty());
  table->scrollToItem(table->item(nearest, 1));
  QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, table->visualItemRect(table->item(nearest, 1)).center());
  EXPECT_LT(norm(subtract(model->cursor(), *findings[nearest].centroidMm)), 1.0);
  SliceView* axial = w.window.sliceView(ViewAxis::Axial);
  const QPointF centred = axial->worldToWidget(model->cursor());
  EXPECT_NEAR(centred.x(), axial->width() / 2.0, 1.0);
  EXPECT_NEAR(centred.y(), axial->height() / 2.0, 1.0);

  // Now on the lesion itself: screenshot, not blank, and the mask colour at the lesion in the axial view.
  model->setCursor(kLesionMm);
  model->requestCentreOnCursor();
  EXPECT_TRUE(QTest::qWaitFor([&] { return w.window.view3D()->surfacesReady(); }, 120000));
  const QImage shot = w.window.viewLayout()->grab().toImage();
  shot.save(artifact("screening-layout.png"));
  const QImage window = w.window.grab().toImage();
  window.save(artifact("screening-window.png"));
  EXPECT_GT(strega::testing::greyStdDev(window), 20.0);
  EXPECT_GT(strega::testing::greyStdDev(shot), 20.0);
  // Probes 2-3 mm off the centre (clear of the crosshair lines) where the mask is set must be red.
  int probes = 0, red = 0;
  for (double dx : {-3.0, -2.0, 2.0, 3.0})
    for (double dy : {-3.0, -2.0, 2.0, 3.0}) {
      const Vec3 p = add(kLesionMm, {dx, dy, 0.0});
      const auto v = render::valueAt(mask, p);
      if (!v || *v == 0) continue;
      ++probes;
      const QPoint at = axial->mapTo(w.window.viewLayout(), axial->worldToWidget(p).toPoint());
      if (strega::testing::isReddish(shot.pixel(at))) ++red;
    }
  ASSERT_GT(probes, 4);
  EXPECT_EQ(red, probes);

  // Export: the mask as NIfTI, the HTML report; no DICOM SEG for a NIfTI input.
  ScratchDir exports;
  EXPECT_TRUE(w.window.exportMask(QString::fromStdString((exports / "mask.nii.gz").string())));
  EXPECT_EQ(io::readImage(exports / "mask.nii.gz").image.geometry().size, mask.geometry().size);
  EXPECT_TRUE(w.window.exportHtmlReport(QString::fromStdString((exports / "report.html").string())));
  EXPECT_EQ(fs::file_size(exports / "report.html"), fs::file_size(out / "report.html"));
  w.window.setInteractive(false); // the refusal goes to stderr instead of a dialog
  EXPECT_FALSE(w.window.exportDicomSeg(QString::fromStdString((exports / "seg.dcm").string())));
  EXPECT_FALSE(fs::exists(exports / "seg.dcm"));
}

TEST(Export, DicomSeriesRunOutput_ExportsDicomSeg) {
  const char* python = "/usr/bin/python3";
  if (std::system((std::string(python) + " -c 'import pydicom, nibabel' 2>/dev/null").c_str()) != 0)
    GTEST_SKIP() << "Debian's python3 with pydicom and nibabel is needed to write the DICOM series";
  ScratchDir dir;
  const std::string tool = std::string(STREGA_SOURCE_DIR) + "/tests/io/tools/make_dicom_series.py";
  ASSERT_EQ(std::system((std::string(python) + " " + tool + " " + strega::testing::kColin27.string() + " " +
                         (dir / "series").string() + " --slices 16 > /dev/null")
                          .c_str()),
            0);
  // A run output of that series: a sphere mask on the series' own grid and a report naming the folder.
  const io::LoadedImage series = io::readImage(dir / "series");
  ASSERT_TRUE(series.dicomSeries.has_value());
  const ImageGeometry& grid = series.image.geometry();
  const Vec3 centre = grid.indexToPhysical({grid.size[0] / 2.0, grid.size[1] / 2.0, grid.size[2] / 2.0});
  fs::create_directories(dir / "run");
  io::writeMask(strega::testing::sphereMask(grid, centre, 6.0), dir / "run" / "mask.nii.gz");
  std::ofstream(dir / "run" / "report.json") << nlohmann::json{{"input", (dir / "series").string()}}.dump();

  Window w;
  ASSERT_TRUE(openAndWait(w.window, dir / "run"));
  ASSERT_TRUE(w.window.model()->loadedCase()->dicomSeries.has_value());
  const fs::path seg = dir / "out" / "anomaly-seg.dcm";
  fs::create_directories(seg.parent_path());
  ASSERT_TRUE(w.window.exportDicomSeg(QString::fromStdString(seg.string())));
  std::ifstream in(seg, std::ios::binary);
  std::string head(132, '\0');
  in.read(head.data(), 132);
  EXPECT_EQ(head.substr(128, 4), "DICM");
  EXPECT_GT(fs::file_size(seg), 1000u);
}

TEST(Settings, ScreeningAndBatchSettings_PersistBetweenWindows) {
  QSettings().clear();
  {
    MainWindow first;
    ScreeningPanel* panel = first.screeningPanel();
    panel->deviceBox()->setCurrentIndex(panel->deviceBox()->findData(QStringLiteral("cpu")));
    panel->thresholdModeBox()->setCurrentIndex(1);
    panel->thresholdBox()->setValue(0.35);
    panel->minAreaBox()->setValue(100.0);
    const pipeline::RunOptions defaults;
    EXPECT_DOUBLE_EQ(panel->openingRadiusBox()->value(), defaults.postprocess.openingRadiusMm);
    EXPECT_EQ(panel->fillHolesBox()->isChecked(), defaults.postprocess.fillHoles);
    panel->openingRadiusBox()->setValue(0.0);
    panel->fillHolesBox()->setChecked(false);
    panel->registrationBox()->setCurrentIndex(1);
    panel->modelEdit()->setText(QStringLiteral("/models/other.pt"));
    Q_EMIT panel->modelEdit()->editingFinished();
    panel->outputEdit()->setText(QStringLiteral("/data/outputs"));
    Q_EMIT panel->outputEdit()->editingFinished();
    BatchPanel* batch = first.batchPanel();
    batch->inputEdit()->setText(QStringLiteral("/data/cases"));
    Q_EMIT batch->inputEdit()->editingFinished();
    batch->jobsBox()->setValue(std::min(2, batch->jobsBox()->maximum()));
    batch->resumeBox()->setChecked(false);
    first.viewLayout()->setMaximised(2);
  }
  MainWindow second;
  ScreeningPanel* panel = second.screeningPanel();
  EXPECT_EQ(panel->deviceBox()->currentData().toString(), QStringLiteral("cpu"));
  EXPECT_EQ(panel->thresholdModeBox()->currentIndex(), 1);
  EXPECT_DOUBLE_EQ(panel->thresholdBox()->value(), 0.35);
  EXPECT_DOUBLE_EQ(panel->minAreaBox()->value(), 100.0);
  EXPECT_DOUBLE_EQ(panel->openingRadiusBox()->value(), 0.0);
  EXPECT_FALSE(panel->fillHolesBox()->isChecked());
  EXPECT_EQ(panel->registrationBox()->currentIndex(), 1);
  EXPECT_EQ(panel->modelEdit()->text(), QStringLiteral("/models/other.pt"));
  EXPECT_EQ(panel->outputEdit()->text(), QStringLiteral("/data/outputs"));
  EXPECT_EQ(second.batchPanel()->inputEdit()->text(), QStringLiteral("/data/cases"));
  EXPECT_EQ(second.batchPanel()->jobsBox()->value(), std::min(2, second.batchPanel()->jobsBox()->maximum()));
  EXPECT_FALSE(second.batchPanel()->resumeBox()->isChecked());
  EXPECT_EQ(second.viewLayout()->maximised(), 2);
  // The options handed to the pipeline follow the fields.
  const pipeline::RunOptions options = panel->runOptions();
  EXPECT_EQ(options.inference.device, "cpu");
  ASSERT_TRUE(options.postprocess.fixedThreshold.has_value());
  EXPECT_DOUBLE_EQ(*options.postprocess.fixedThreshold, 0.35);
  EXPECT_DOUBLE_EQ(options.postprocess.minAreaMm2, 100.0);
  EXPECT_DOUBLE_EQ(options.postprocess.openingRadiusMm, 0.0);
  EXPECT_FALSE(options.postprocess.fillHoles);
  EXPECT_EQ(options.preprocess.registrationMode, preprocess::RegistrationMode::Skip);
  EXPECT_EQ(options.modelPath, fs::path("/models/other.pt"));
  QSettings().clear();
}

TEST(Settings, ShortcutsDialog_ListsTheScreeningActions) {
  QSettings().clear();
  MainWindow window;
  QStringList texts;
  for (QAction* a : window.shortcutActions())
    texts << a->text().remove(QLatin1Char('&')) + QLatin1Char('=') + a->shortcut().toString();
  EXPECT_TRUE(texts.contains(QStringLiteral("Run Screening=F5"))) << texts.join(", ").toStdString();
  EXPECT_TRUE(texts.contains(QStringLiteral("Cancel Run=Shift+F5")));
  EXPECT_TRUE(texts.contains(QStringLiteral("Export Anomaly Mask as DICOM SEG...=Ctrl+Shift+E")));
  EXPECT_TRUE(texts.contains(QStringLiteral("Export HTML Report...=Ctrl+Shift+H")));
  EXPECT_TRUE(texts.contains(QStringLiteral("Batch=Ctrl+Shift+B")));
  EXPECT_TRUE(texts.contains(QStringLiteral("Screening=Ctrl+Shift+R")));
}

TEST_F(ScreeningFixture, ViewerRendersWhileARunWritesItsReport_BothComplete) {
  // The worker renders report.html's 3D pictures with VTK while the GUI thread keeps re-rendering the 3D view.
  Window w;
  ASSERT_TRUE(openAndWait(w.window, lesionImage()));
  ASSERT_TRUE(QTest::qWaitFor([&] { return w.window.view3D()->surfacesReady(); }, 120000));
  setOutputRoot(w.window, outputRoot() / "concurrent");
  QSignalSpy finished(&w.window, &MainWindow::runFinished);
  ASSERT_TRUE(w.window.runScreening());
  int rendersWhileWriting = 0;
  QProgressBar* progress = w.window.screeningPanel()->progressBar();
  while (finished.isEmpty()) {
    w.window.view3D()->resetCamera();
    w.window.view3D()->repaint();
    if (progress->format().startsWith(QStringLiteral("write"))) ++rendersWhileWriting;
    QTest::qWait(5);
  }
  EXPECT_TRUE(finished.first().at(0).toBool()) << finished.first().at(1).toString().toStdString();
  EXPECT_GT(rendersWhileWriting, 0);
  const fs::path html = outputRoot() / "concurrent" / "colin27-lesion_strega" / "report.html";
  ASSERT_TRUE(fs::is_regular_file(html));
  std::ifstream in(html);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("From the front (anterior)"), std::string::npos); // the 3D pictures were drawn
}

TEST_F(ScreeningFixture, CancelDuringRun_IdleWithinOneSecond) {
  Window w;
  ASSERT_TRUE(openAndWait(w.window, lesionImage()));
  setOutputRoot(w.window, outputRoot() / "cancelled");
  ScreeningPanel* panel = w.window.screeningPanel();
  // Cancel at three moments: early (pre-processing: registration, ITK filters), in the middle and late (model,
  // post-processing).
  for (double at : {0.03, 0.08, 0.15, 0.25, 0.35, 0.45, 0.6, 0.75, 0.85}) {
    QSignalSpy finished(&w.window, &MainWindow::runFinished);
    ASSERT_TRUE(w.window.runScreening());
    ASSERT_TRUE(
      QTest::qWaitFor([&] { return panel->progressBar()->value() >= at * 1000 || !finished.isEmpty(); }, 600000));
    ASSERT_TRUE(finished.isEmpty()) << "the run ended before it could be cancelled";
    const QString stage = panel->progressBar()->format();
    QElapsedTimer clock;
    clock.start();
    QTest::mouseClick(panel->cancelButton(), Qt::LeftButton);
    ASSERT_TRUE(QTest::qWaitFor([&] { return !finished.isEmpty(); }, 30000));
    const qint64 ms = clock.elapsed();
    recordMeasurement("cancel at " + stage.toStdString() + ": idle after " + std::to_string(ms) + " ms");
    EXPECT_LT(ms, 1000) << stage.toStdString();
    EXPECT_FALSE(finished.first().at(0).toBool());
    EXPECT_TRUE(finished.first().at(1).toString().isEmpty()); // cancelled is not an error
    EXPECT_FALSE(w.window.isRunning());
    EXPECT_TRUE(panel->runButton()->isEnabled());
    EXPECT_EQ(visibleErrorDialog(), nullptr);
    // A cancelled run leaves no mask.
    EXPECT_FALSE(fs::exists(outputRoot() / "cancelled" / "colin27-lesion_strega" / "mask.nii.gz"));
  }
  w.window.grab().save(artifact("screening-cancelled.png"));
}

TEST_F(ScreeningFixture, BadModelFile_ShowsErrorDialogAndStaysUsable) {
  ScratchDir dir;
  std::ofstream(dir / "broken.pt") << "this is not a model";
  Window w;
  ASSERT_TRUE(openAndWait(w.window, lesionImage()));
  setOutputRoot(w.window, dir.path());
  ScreeningPanel* panel = w.window.screeningPanel();
  panel->modelEdit()->setText(QString::fromStdString((dir / "broken.pt").string()));
  Q_EMIT panel->modelEdit()->editingFinished();
  QSignalSpy finished(&w.window, &MainWindow::runFinished);
  ASSERT_TRUE(w.window.runScreening());
  ASSERT_TRUE(finished.wait(120000));
  EXPECT_FALSE(finished.first().at(0).toBool());
  const QString message = finished.first().at(1).toString();
  EXPECT_FALSE(message.isEmpty());
  QMessageBox* box = nullptr;
  ASSERT_TRUE(QTest::qWaitFor([&] { return (box = visibleErrorDialog()) != nullptr; }, 10000));
  EXPECT_EQ(box->text(), message);
  EXPECT_FALSE(box->detailedText().isEmpty()); // behind "Show Details..."
  box->grab().save(artifact("screening-error-dialog.png"));
  box->accept();
  EXPECT_FALSE(w.window.isRunning());
  EXPECT_TRUE(panel->runButton()->isEnabled());
  EXPECT_TRUE(w.window.model()->hasImage());
  EXPECT_TRUE(panel->statusLabel()->text().contains(message));
}

TEST_F(ScreeningFixture, ScriptedSession_RunScreenshotQuit) {
  Window w;
  CommandLineOptions options;
  options.input = QString::fromStdString(lesionImage().string());
  options.run = true;
  options.outputRoot = QString::fromStdString((outputRoot() / "scripted").string());
  options.screenshot = artifact("scripted-run.png");
  fs::remove(options.screenshot.toStdString());
  ScriptedSession session(w.window, options);
  QSignalSpy finished(&session, &ScriptedSession::finished);
  session.start();
  ASSERT_TRUE(finished.wait(600000));
  EXPECT_EQ(finished.first().at(0).toInt(), 0);
  const QImage shot(options.screenshot);
  ASSERT_FALSE(shot.isNull());
  EXPECT_GT(strega::testing::greyStdDev(shot), 20.0);
  EXPECT_GE(w.window.model()->overlayIndex(OverlayRole::AnomalyMask), 0);
  EXPECT_TRUE(fs::is_regular_file(outputRoot() / "scripted" / "colin27-lesion_strega" / "mask.nii.gz"));
}

TEST(Screening, ParseCommandLine_RunAndOutput) {
  auto parsed = parseCommandLine({QStringLiteral("strega"), QStringLiteral("scan.nii.gz"), QStringLiteral("--run"),
                                  QStringLiteral("--output"), QStringLiteral("/tmp/o"), QStringLiteral("--quit")});
  ASSERT_TRUE(std::holds_alternative<CommandLineOptions>(parsed));
  const auto& options = std::get<CommandLineOptions>(parsed);
  EXPECT_TRUE(options.run);
  EXPECT_EQ(options.outputRoot, QStringLiteral("/tmp/o"));
  EXPECT_EQ(std::get<int>(parseCommandLine({QStringLiteral("strega"), QStringLiteral("--run")})), 2); // no INPUT
}

TEST_F(ScreeningFixture, BatchPanel_MissingInputFolder_ErrorDialogAndStillUsable) {
  ScratchDir dir;
  Window w;
  BatchPanel* panel = w.window.batchPanel();
  panel->inputEdit()->setText(QString::fromStdString((dir / "no-such-folder").string()));
  panel->outputEdit()->setText(QString::fromStdString((dir / "out").string()));
  EXPECT_FALSE(panel->start());
  QMessageBox* box = nullptr;
  ASSERT_TRUE(QTest::qWaitFor([&] { return (box = visibleErrorDialog()) != nullptr; }, 5000));
  EXPECT_TRUE(box->text().contains(QStringLiteral("no-such-folder"))) << box->text().toStdString();
  box->accept();
  ASSERT_TRUE(QTest::qWaitFor([] { return visibleErrorDialog() == nullptr; }, 5000));
  EXPECT_FALSE(panel->isRunning());
  EXPECT_TRUE(panel->startButton()->isEnabled());
}

TEST_F(ScreeningFixture, BatchPanel_RunsCasesShowsStatusResumesCancelsAndOpensAFinishedCase) {
  ScratchDir dir;
  const fs::path in = dir / "cases", out = dir / "batch-out";
  fs::create_directories(in);
  fs::copy_file(lesionImage(), in / "caseA.nii.gz");
  std::ofstream(in / "caseB.nii.gz", std::ios::binary) << "not a NIfTI file";
  Window w;
  BatchPanel* panel = w.window.batchPanel();
  ASSERT_NE(panel, nullptr);
  auto* dock = w.window.findChild<QDockWidget*>(QStringLiteral("batchDock"));
  ASSERT_NE(dock, nullptr);
  dock->show();
  panel->inputEdit()->setText(QString::fromStdString(in.string()));
  panel->outputEdit()->setText(QString::fromStdString(out.string()));
  panel->resumeBox()->setChecked(false);
  panel->jobsBox()->setValue(1);
  QTableWidget* table = panel->table();
  auto status = [&](int row) { return table->item(row, 1)->text(); };

  // 1. Both cases: one done, one failed with its reason; the batch goes on past the failure.
  {
    QSignalSpy finished(panel, &BatchPanel::finished);
    QTest::mouseClick(panel->startButton(), Qt::LeftButton);
    ASSERT_TRUE(panel->isRunning());
    ASSERT_EQ(table->rowCount(), 2);
    QStringList seen;
    ASSERT_TRUE(QTest::qWaitFor(
      [&] {
        if (!seen.contains(status(0))) seen << status(0);
        return !finished.isEmpty();
      },
      600000));
    EXPECT_TRUE(finished.first().at(0).toBool()) << finished.first().at(1).toString().toStdString();
    EXPECT_TRUE(std::any_of(seen.begin(), seen.end(), [](const QString& s) { return s.startsWith("running"); }))
      << seen.join(QStringLiteral(" | ")).toStdString();
    EXPECT_EQ(status(0), QStringLiteral("done"));
    EXPECT_GT(table->item(0, 2)->text().toInt(), 0);
    EXPECT_EQ(status(1), QStringLiteral("failed"));
    EXPECT_FALSE(table->item(1, 6)->text().isEmpty());
    EXPECT_TRUE(fs::is_regular_file(out / "caseA" / "mask.nii.gz"));
    EXPECT_TRUE(fs::is_regular_file(out / "caseA" / "report.html"));
    EXPECT_TRUE(fs::is_regular_file(out / "summary.csv"));
    dock->grab().save(artifact("batch-panel.png"));
  }

  // 2. Double-clicking the finished case opens its output folder in the viewer.
  {
    QSignalSpy loaded(&w.window, &MainWindow::loadFinished);
    const QRect cell = table->visualItemRect(table->item(0, 0));
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, cell.center());
    QTest::mouseDClick(table->viewport(), Qt::LeftButton, {}, cell.center());
    ASSERT_TRUE(loaded.wait(120000) || !loaded.isEmpty());
    EXPECT_TRUE(loaded.first().at(0).toBool());
    EXPECT_EQ(w.window.model()->loadedCase()->source, out / "caseA");
    EXPECT_GE(w.window.model()->overlayIndex(OverlayRole::AnomalyMask), 0);
    EXPECT_TRUE(QTest::qWaitFor([&] { return w.window.view3D()->surfacesReady(); }, 120000));
    w.window.grab().save(artifact("batch-opened-case.png"));
  }

  // 3. Resume: the finished case is up to date and skipped.
  {
    panel->resumeBox()->setChecked(true);
    QSignalSpy finished(panel, &BatchPanel::finished);
    ASSERT_TRUE(panel->start());
    ASSERT_TRUE(finished.wait(120000));
    EXPECT_EQ(status(0), QStringLiteral("skipped"));
    EXPECT_EQ(status(1), QStringLiteral("failed"));
  }

  // 4. Cancel while the first case runs: the rows say cancelled and the panel is idle again.
  {
    panel->resumeBox()->setChecked(false);
    QSignalSpy finished(panel, &BatchPanel::finished);
    ASSERT_TRUE(panel->start());
    ASSERT_TRUE(QTest::qWaitFor([&] { return status(0).startsWith(QStringLiteral("running: preprocess")); }, 120000));
    QElapsedTimer clock;
    clock.start();
    QTest::mouseClick(panel->cancelButton(), Qt::LeftButton);
    ASSERT_TRUE(QTest::qWaitFor([&] { return !finished.isEmpty(); }, 30000));
    recordMeasurement("batch cancel: idle after " + std::to_string(clock.elapsed()) + " ms");
    EXPECT_FALSE(finished.first().at(0).toBool());
    EXPECT_FALSE(panel->isRunning());
    EXPECT_TRUE(panel->startButton()->isEnabled());
    EXPECT_EQ(status(0), QStringLiteral("cancelled"));
    dock->grab().save(artifact("batch-cancelled.png"));
  }
}
