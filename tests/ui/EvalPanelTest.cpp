// The Evaluation panel: synthetic truth and prediction folders with known overlaps are scored through the GUI (the
// pipeline calls of `strega-cli eval`); the table, the summary line and the plot show the exact values, the
// results are written and read back, a case opens with its prediction and truth, and a missing folder ends in an
// error dialog with the window still usable.
#include "EvalPanel.h"
#include "UiTestSupport.h"
#include "ViewerModel.h"

#include "strega/core/LabelMap.h"
#include "strega/io/ImageWriter.h"
#include "strega/pipeline/Evaluation.h"
#include "strega/ui/CaseLoader.h"
#include "strega/ui/MainWindow.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDockWidget>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QTableWidget>
#include <QTest>

#include <fstream>

using namespace strega;
using namespace strega::ui;
namespace fs = std::filesystem;
using strega::testing::artifact;
using strega::testing::artifactDir;
using strega::testing::ScratchDir;
using strega::testing::visibleErrorDialog;
using strega::testing::Window;

namespace {

QString qs(const fs::path& p) { return QString::fromStdString(p.string()); }

/// The 32³ grid of the synthetic cases: 2 mm voxels (8 mm³), so 125 voxels make 1 mL.
ImageGeometry evalGrid() {
  ImageGeometry g;
  g.size = {32, 32, 32};
  g.spacingMm = {2.0, 2.0, 2.0};
  g.originMm = {-32.0, -32.0, -32.0};
  return g;
}

/// A mask set to 1 over the index box [lo, hi] (inclusive).
Mask box(Size3 lo, Size3 hi) {
  Mask m(evalGrid(), 0);
  for (std::size_t k = lo[2]; k <= hi[2]; ++k)
    for (std::size_t j = lo[1]; j <= hi[1]; ++j)
      for (std::size_t i = lo[0]; i <= hi[0]; ++i)
        m.at(i, j, k) = 1;
  return m;
}

int rowOf(QTableWidget* table, const QString& caseName) {
  for (int r = 0; r < table->rowCount(); ++r)
    if (table->item(r, 0) && table->item(r, 0)->text() == caseName) return r;
  return -1;
}

/// The text of a cell by row case name and column header.
std::string cell(QTableWidget* table, const QString& caseName, const QString& header) {
  const int row = rowOf(table, caseName);
  for (int c = 0; c < table->columnCount(); ++c)
    if (table->horizontalHeaderItem(c)->text() == header)
      return row >= 0 && table->item(row, c) ? table->item(row, c)->text().toStdString() : "<no row>";
  return "<no column>";
}

bool contains(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

void setField(QLineEdit* edit, const fs::path& path) {
  edit->setText(qs(path));
  Q_EMIT edit->editingFinished();
}

/// Run the panel's evaluation and wait for it; the finished() arguments.
QList<QVariant> runAndWait(EvalPanel* panel) {
  QSignalSpy finished(panel, &EvalPanel::finished);
  if (!panel->start()) return finished.isEmpty() ? QList<QVariant>{false, QStringLiteral("not started")} : finished[0];
  if (!finished.wait(60000)) return {false, QStringLiteral("timed out")};
  return finished[0];
}

/// Pixels of the prediction's bar colour in eval.png (BarChart series 0: 31, 119, 180).
int bluePixels(const QImage& image) {
  int n = 0;
  for (int y = 0; y < image.height(); ++y)
    for (int x = 0; x < image.width(); ++x)
      if (image.pixel(x, y) == qRgb(31, 119, 180)) ++n;
  return n;
}

// Dice of the cases, exactly: A's prediction is its 10³ cube shifted by 2 voxels (800 of 1000 shared: 0.8); B's is
// its cube; C's is its 4³ cube doubled along k (2·64 / (64 + 128) = 2/3); D is healthy with a 1 mL false positive;
// E has no prediction. Mean over A, B, C 0.8222, population SD 0.1370.
const char* const kSummary = "4 cases scored (3 with a lesion, 1 healthy), 1 missing, 0 failed; Dice 0.822 ± 0.137, "
                             "false positives on healthy cases 1.00 mL";

} // namespace

class EvalFixture : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    s_dir = new ScratchDir;
    const fs::path truth = truthDir(), pred = predDir();
    fs::create_directories(truth);
    const Mask cube = box({8, 8, 8}, {17, 17, 17});
    io::writeMask(cube, truth / "caseA_seg.nii.gz");
    io::writeMask(cube, truth / "caseB_seg.nii.gz");
    io::writeMask(box({8, 8, 8}, {11, 11, 11}), truth / "caseC_seg.nii.gz");
    io::writeMask(Mask(evalGrid(), 0), truth / "caseD_seg.nii.gz");
    io::writeMask(cube, truth / "caseE_seg.nii.gz");
    // A T2 image beside case A only: the baseline and the viewer find it; the others have none.
    ImageF t2(evalGrid(), 100.0f);
    for (std::size_t n = 0; n < t2.voxelCount(); ++n)
      if (cube[n]) t2[n] = 1000.0f;
    io::writeImage(t2, truth / "caseA_t2.nii.gz");
    for (const char* c : {"caseA", "caseB", "caseC", "caseD"})
      fs::create_directories(pred / c);
    io::writeMask(box({10, 8, 8}, {19, 17, 17}), pred / "caseA/mask.nii.gz");
    io::writeMask(cube, pred / "caseB/mask.nii.gz");
    io::writeMask(box({8, 8, 8}, {11, 11, 15}), pred / "caseC/mask.nii.gz");
    io::writeMask(box({20, 20, 20}, {24, 24, 24}), pred / "caseD/mask.nii.gz");
  }
  static void TearDownTestSuite() {
    delete s_dir;
    s_dir = nullptr;
  }
  static fs::path truthDir() { return s_dir->path() / "truth"; }
  static fs::path predDir() { return s_dir->path() / "pred"; }
  static fs::path scratch() { return s_dir->path(); }
  static ScratchDir* s_dir;
};
ScratchDir* EvalFixture::s_dir = nullptr;

TEST_F(EvalFixture, RunThroughGui_TableSummaryPlotAndFilesShowTheExactDice) {
  Window w;
  auto* dock = w.window.findChild<QDockWidget*>(QStringLiteral("evalDock"));
  ASSERT_NE(dock, nullptr);
  EXPECT_FALSE(dock->isVisible());
  QTest::keyClick(&w.window, Qt::Key_D, Qt::ControlModifier | Qt::ShiftModifier);
  ASSERT_TRUE(QTest::qWaitFor([dock] { return dock->isVisible(); }, 2000)) << "Ctrl+Shift+D shows the panel";
  dock->raise();

  EvalPanel* panel = w.window.evalPanel();
  const fs::path out = scratch() / "gui-eval";
  setField(panel->predictionsEdit(), predDir());
  setField(panel->truthEdit(), truthDir());
  setField(panel->outputEdit(), out);
  panel->baselineBox()->setChecked(true);
  const QList<QVariant> result = runAndWait(panel);
  ASSERT_TRUE(result[0].toBool()) << result[1].toString().toStdString();
  EXPECT_EQ(visibleErrorDialog(), nullptr);

  QTableWidget* table = panel->table();
  ASSERT_EQ(table->rowCount(), 5);
  EXPECT_EQ(cell(table, "caseA", "Dice"), "0.800");
  EXPECT_EQ(cell(table, "caseA", "Sensitivity"), "0.800");
  EXPECT_EQ(cell(table, "caseA", "Precision"), "0.800");
  EXPECT_EQ(cell(table, "caseA", "True (mL)"), "8.00");
  EXPECT_EQ(cell(table, "caseA", "Predicted (mL)"), "8.00");
  EXPECT_EQ(cell(table, "caseA", "Baseline Dice"), "1.000");
  EXPECT_EQ(cell(table, "caseB", "Dice"), "1.000");
  EXPECT_EQ(cell(table, "caseB", "HD95 (mm)"), "0.0");
  EXPECT_EQ(cell(table, "caseB", "Baseline Dice"), "");
  EXPECT_TRUE(contains(cell(table, "caseB", "Reason"), "no t2, flair or t1 image")) << cell(table, "caseB", "Reason");
  EXPECT_EQ(cell(table, "caseC", "Dice"), "0.667");
  EXPECT_EQ(cell(table, "caseC", "Sensitivity"), "1.000");
  EXPECT_EQ(cell(table, "caseC", "Precision"), "0.500");
  EXPECT_EQ(cell(table, "caseD", "Dice"), "0.000");
  EXPECT_EQ(cell(table, "caseD", "Predicted (mL)"), "1.00");
  EXPECT_EQ(cell(table, "caseD", "HD95 (mm)"), "∞");
  EXPECT_EQ(cell(table, "caseE", "Status"), "missing");
  EXPECT_EQ(cell(table, "caseE", "Dice"), "");
  EXPECT_TRUE(contains(cell(table, "caseE", "Reason"), "no prediction")) << cell(table, "caseE", "Reason");
  EXPECT_FALSE(table->isColumnHidden(8)) << "the baseline column shows when the baseline was scored";
  EXPECT_EQ(panel->summaryLabel()->text().toStdString(),
            std::string(kSummary) + "; threshold baseline Dice 1.000 ± 0.000");

  // The CLI's files, and the plot is eval.png's picture with the prediction's bars in it.
  for (const char* f : {"eval.csv", "eval.json", "eval.md", "eval.png"})
    EXPECT_TRUE(fs::exists(out / f)) << f;
  const QImage plot = panel->plotView()->image();
  ASSERT_FALSE(plot.isNull());
  const QImage png(qs(out / "eval.png"));
  EXPECT_EQ(plot.convertToFormat(QImage::Format_RGB32), png.convertToFormat(QImage::Format_RGB32));
  EXPECT_GT(bluePixels(plot), 1000);
  const QImage shownPlot = panel->plotView()->grab().toImage();
  EXPECT_GT(strega::testing::greyStdDev(shownPlot), 10.0) << "the plot widget is not blank";

  // Double-click case A: its T2 opens with the prediction (anomaly mask) and the truth (reference).
  QSignalSpy loaded(&w.window, &MainWindow::loadFinished);
  const int rowA = rowOf(table, "caseA");
  const QRect rectA = table->visualRect(table->model()->index(rowA, 0));
  QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, rectA.center());
  QTest::mouseDClick(table->viewport(), Qt::LeftButton, {}, rectA.center());
  ASSERT_TRUE(loaded.wait(30000) || !loaded.isEmpty());
  ASSERT_TRUE(loaded[0][0].toBool()) << loaded[0][1].toString().toStdString();
  EXPECT_GE(w.window.model()->overlayIndex(OverlayRole::AnomalyMask), 0);
  EXPECT_GE(w.window.model()->overlayIndex(OverlayRole::Reference), 0);
  EXPECT_TRUE(w.window.windowTitle().contains("caseA_t2")) << w.window.windowTitle().toStdString();
  QTest::qWait(200);
  w.window.grab().save(artifact("eval-panel-window.png"));
  dock->grab().save(artifact("eval-panel.png"));

  // Case B has no image anywhere: nothing opens, the status says why.
  loaded.clear();
  const QRect rectB = table->visualRect(table->model()->index(rowOf(table, "caseB"), 0));
  QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, rectB.center());
  QTest::mouseDClick(table->viewport(), Qt::LeftButton, {}, rectB.center());
  QTest::qWait(300);
  EXPECT_TRUE(loaded.isEmpty());
  EXPECT_TRUE(panel->statusLabel()->text().contains("No image of caseB")) << panel->statusLabel()->text().toStdString();
}

TEST_F(EvalFixture, OpenResults_ShowsTheWrittenEvaluationWithoutScoringAgain) {
  // Written by the pipeline as strega-cli eval does, on a copy of the predictions that is then removed: what the
  // panel shows can only come from eval.json.
  const fs::path pred = scratch() / "pred-copy", out = scratch() / "cli-eval";
  fs::copy(predDir(), pred, fs::copy_options::recursive);
  pipeline::EvalOptions options;
  options.predDir = pred;
  options.truthDir = truthDir();
  pipeline::writeEvalReport(pipeline::evaluate(options), out);
  fs::remove_all(pred);

  Window w;
  EvalPanel* panel = w.window.evalPanel();
  QSignalSpy finished(panel, &EvalPanel::finished);
  ASSERT_TRUE(panel->openResults(qs(out)));
  ASSERT_EQ(finished.size(), 1);
  EXPECT_TRUE(finished[0][0].toBool());
  QTableWidget* table = panel->table();
  ASSERT_EQ(table->rowCount(), 5);
  EXPECT_EQ(cell(table, "caseA", "Dice"), "0.800");
  EXPECT_EQ(cell(table, "caseC", "Dice"), "0.667");
  EXPECT_EQ(cell(table, "caseD", "HD95 (mm)"), "∞");
  EXPECT_EQ(cell(table, "caseE", "Status"), "missing");
  EXPECT_TRUE(table->isColumnHidden(8)) << "no baseline was scored";
  EXPECT_EQ(panel->summaryLabel()->text().toStdString(), kSummary);
  const QImage png(qs(out / "eval.png"));
  EXPECT_EQ(panel->plotView()->image().convertToFormat(QImage::Format_RGB32),
            png.convertToFormat(QImage::Format_RGB32));
  EXPECT_EQ(QSettings().value(QStringLiteral("evaluation/results")).toString(), qs(out));
}

TEST_F(EvalFixture, MissingTruthFolder_ErrorDialogAndTheWindowStaysUsable) {
  Window w;
  EvalPanel* panel = w.window.evalPanel();
  setField(panel->predictionsEdit(), predDir());
  setField(panel->truthEdit(), scratch() / "no-such-truth");
  const QList<QVariant> result = runAndWait(panel);
  EXPECT_FALSE(result[0].toBool());
  EXPECT_TRUE(result[1].toString().contains("does not exist")) << result[1].toString().toStdString();
  QMessageBox* box = nullptr;
  ASSERT_TRUE(QTest::qWaitFor([&] { return (box = visibleErrorDialog()) != nullptr; }, 5000));
  EXPECT_TRUE(box->text().contains("no-such-truth")) << box->text().toStdString();
  box->grab().save(artifact("eval-error-dialog.png"));
  box->accept();
  ASSERT_TRUE(QTest::qWaitFor([] { return visibleErrorDialog() == nullptr; }, 5000));
  EXPECT_FALSE(panel->isRunning());
  EXPECT_TRUE(panel->runButton()->isEnabled());

  // A folder without eval.json: the same kind of dialog.
  EXPECT_FALSE(panel->openResults(qs(scratch() / "no-results")));
  ASSERT_TRUE(QTest::qWaitFor([&] { return (box = visibleErrorDialog()) != nullptr; }, 5000));
  box->accept();
  ASSERT_TRUE(QTest::qWaitFor([] { return visibleErrorDialog() == nullptr; }, 5000));

  // Still usable: the right folder scores.
  setField(panel->truthEdit(), truthDir());
  const QList<QVariant> again = runAndWait(panel);
  EXPECT_TRUE(again[0].toBool()) << again[1].toString().toStdString();
  EXPECT_EQ(panel->summaryLabel()->text().toStdString(), kSummary);
  EXPECT_EQ(visibleErrorDialog(), nullptr);
}

TEST_F(EvalFixture, CancelRightAfterStart_EndsCancelledAndIdle) {
  // 40 cases: reading them all takes far longer than the GUI thread needs to ask the worker to stop.
  const fs::path truth = scratch() / "many-truth", pred = scratch() / "many-pred";
  fs::create_directories(truth);
  for (int i = 0; i < 40; ++i) {
    const std::string name = "case" + std::to_string(i);
    fs::copy_file(truthDir() / "caseB_seg.nii.gz", truth / (name + "_seg.nii.gz"));
    fs::create_directories(pred / name);
    fs::copy_file(predDir() / "caseB/mask.nii.gz", pred / name / "mask.nii.gz");
  }
  Window w;
  EvalPanel* panel = w.window.evalPanel();
  setField(panel->predictionsEdit(), pred);
  setField(panel->truthEdit(), truth);
  QSignalSpy finished(panel, &EvalPanel::finished);
  ASSERT_TRUE(panel->start());
  EXPECT_TRUE(panel->isRunning());
  EXPECT_FALSE(panel->runButton()->isEnabled());
  panel->cancel();
  ASSERT_TRUE(finished.wait(30000) || !finished.isEmpty());
  EXPECT_FALSE(finished[0][0].toBool());
  EXPECT_TRUE(finished[0][1].toString().isEmpty()) << "cancelled is not an error";
  EXPECT_EQ(panel->statusLabel()->text().toStdString(), "Cancelled.");
  EXPECT_FALSE(panel->isRunning());
  EXPECT_TRUE(panel->runButton()->isEnabled());
  EXPECT_EQ(visibleErrorDialog(), nullptr);
}

TEST_F(EvalFixture, CaseToOpen_RunOutputFolderImageBesideTruthOrNothing) {
  pipeline::EvalRow row;
  row.caseName = "caseA";
  row.truthPath = truthDir() / "caseA_seg.nii.gz";
  row.predictionPath = predDir() / "caseA/mask.nii.gz";
  auto request = caseToOpen(row, "t2");
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(request->path, truthDir() / "caseA_t2.nii.gz");
  EXPECT_EQ(request->anomalyMask, row.predictionPath);
  EXPECT_EQ(request->reference, row.truthPath);

  // A run output folder (report.json naming an existing input) is opened whole.
  const fs::path run = scratch() / "run-out/caseB";
  fs::create_directories(run);
  io::writeMask(box({8, 8, 8}, {17, 17, 17}), run / "mask.nii.gz");
  std::ofstream(run / "report.json") << nlohmann::json{{"input", (truthDir() / "caseA_t2.nii.gz").string()}}.dump();
  row.caseName = "caseB";
  row.truthPath = truthDir() / "caseB_seg.nii.gz";
  row.predictionPath = run / "mask.nii.gz";
  request = caseToOpen(row, "t2");
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(request->path, run);
  EXPECT_TRUE(request->anomalyMask.empty());
  EXPECT_EQ(request->reference, row.truthPath);

  row.predictionPath = predDir() / "caseB/mask.nii.gz";
  EXPECT_FALSE(caseToOpen(row, "t2").has_value()) << "no image beside caseB's truth";
}

TEST(EvalSettings, FoldersAndBaseline_PersistAndTheShortcutIsListed) {
  QSettings().clear();
  {
    MainWindow first;
    EvalPanel* panel = first.evalPanel();
    setField(panel->predictionsEdit(), "/data/pred");
    setField(panel->truthEdit(), "/data/truth");
    setField(panel->outputEdit(), "/data/eval");
    panel->baselineBox()->setChecked(true);
    panel->modalityBox()->setCurrentIndex(panel->modalityBox()->findData(QStringLiteral("flair")));
  }
  MainWindow second;
  EvalPanel* panel = second.evalPanel();
  EXPECT_EQ(panel->predictionsEdit()->text(), QStringLiteral("/data/pred"));
  EXPECT_EQ(panel->truthEdit()->text(), QStringLiteral("/data/truth"));
  EXPECT_EQ(panel->outputEdit()->text(), QStringLiteral("/data/eval"));
  EXPECT_TRUE(panel->baselineBox()->isChecked());
  EXPECT_EQ(panel->modalityBox()->currentData().toString(), QStringLiteral("flair"));
  QStringList texts;
  for (QAction* a : second.shortcutActions())
    texts << a->text().remove(QLatin1Char('&')) + QLatin1Char('=') + a->shortcut().toString();
  EXPECT_TRUE(texts.contains(QStringLiteral("Evaluation=Ctrl+Shift+D"))) << texts.join(", ").toStdString();
  QSettings().clear();
}
