#pragma once
/// \file
/// \brief MainWindow: the StRegA viewer window (open, view, overlays, findings, export).

#include <QMainWindow>
#include <QString>

#include <memory>

class QAction;
class QLabel;

namespace strega::render {
enum class ViewAxis;
}

namespace strega::ui {

class ViewerModel;
class SliceView;
class View3D;
class ViewLayout;
class ScreeningPanel;
class BatchPanel;
class EvalPanel;
struct LoadRequest;
struct ScreeningOutcome;

/// \brief The main window: axial, sagittal, coronal and 3D views in a 2x2 layout (or one maximised), a Layers
/// panel (contrast, overlays and legends), a Screening panel (runs the StRegA pipeline on the shown case), a
/// Findings panel, a Batch panel (a folder of cases), an Evaluation panel (Dice against ground truth), and a status bar
/// with the cursor position (LPS, mm), voxel index and value.
///
/// Opens NIfTI/NRRD/MetaImage files, DICOM folders (series browser when several), BraTS case folders and
/// `strega-cli run` output folders; loading runs on a worker thread, errors end in a dialog and leave the window
/// as it was.
class MainWindow : public QMainWindow {
  Q_OBJECT
public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  /// Open a file or folder. Asynchronous: loadFinished() follows (also after an error or a cancelled choice).
  void open(const QString& path);
  /// Open a case with explicit overlays (LoadRequest::anomalyMask, reference), as the Evaluation panel does for a
  /// scored case. Asynchronous like open().
  void openCase(const LoadRequest& request);
  bool isLoading() const;

  /// Non-interactive (scripted) use: errors go to stderr instead of dialogs, and a folder with several series
  /// opens the first one instead of asking.
  void setInteractive(bool interactive);
  bool isInteractive() const { return m_interactive; }

  /// Screen the shown case with the Screening panel's options in the background (the calls of `strega-cli run`);
  /// runFinished() follows. False, with nothing started, when no image is shown or something is loading or running.
  bool runScreening();
  bool isRunning() const;
  /// Ask a run to stop; runFinished(false, "") follows once the pipeline has stopped.
  void cancelRun();

  /// Save the view area (2x2 grid or the maximised view) as PNG.
  bool saveLayoutScreenshot(const QString& path);
  /// Save the whole window as PNG.
  bool saveWindowScreenshot(const QString& path);
  /// Write the anomaly mask overlay as NIfTI (io::writeMask, on the mask's own grid). False, with a dialog (or
  /// stderr when not interactive), when there is no mask or the file cannot be written.
  bool exportMask(const QString& path);
  /// Write the anomaly mask as a DICOM SEG referencing the shown DICOM series (io::writeDicomSeg). False, with a
  /// dialog, when the image was not read from a DICOM series, there is no mask or the file cannot be written.
  bool exportDicomSeg(const QString& path);
  /// Copy the case's report.html (written with the run outputs) to `path`. False, with a dialog, when the case
  /// has no report.html.
  bool exportHtmlReport(const QString& path);

  // Parts, for tests and scripted use.
  ViewerModel* model() const { return m_model; }
  SliceView* sliceView(render::ViewAxis axis) const;
  View3D* view3D() const { return m_view3D; }
  ViewLayout* viewLayout() const { return m_layout; }
  ScreeningPanel* screeningPanel() const;
  BatchPanel* batchPanel() const;
  EvalPanel* evalPanel() const;
  /// Every action with a shortcut, as listed under Help > Keyboard shortcuts.
  QList<QAction*> shortcutActions() const;

Q_SIGNALS:
  /// A load ended: ok, or the user-facing reason it failed (empty when the user cancelled).
  void loadFinished(bool ok, const QString& message);
  /// A run ended: ok (its outputs are shown), or the user-facing reason it failed (empty when cancelled).
  void runFinished(bool ok, const QString& message);

protected:
  void closeEvent(QCloseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

private:
  struct Private;
  void createActions();
  void updateRecentMenu();
  void updateCursorReadout();
  void updateActions();
  void openFileDialog();
  void openFolderDialog();
  void exportMaskDialog();
  void saveScreenshotDialog();
  void exportDicomSegDialog();
  void exportHtmlReportDialog();
  void finishRun(const ScreeningOutcome& outcome);
  /// A dialog (interactive) or a line on stderr (scripted) for an error.
  void reportError(const QString& title, std::exception_ptr error);
  void reportError(const QString& title, const QString& message, const QString& detail);
  void startScan(const QString& folder);
  void startLoad(const LoadRequest& request);
  void finishLoad();
  void fail(const QString& title, std::exception_ptr error);

  std::unique_ptr<Private> d;
  ViewerModel* m_model;
  SliceView* m_axial;
  SliceView* m_sagittal;
  SliceView* m_coronal;
  View3D* m_view3D;
  ViewLayout* m_layout;
  QLabel* m_cursorLabel;
  bool m_interactive = true;
};

} // namespace strega::ui
