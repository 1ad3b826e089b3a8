#pragma once
// ScreeningRunner: runs the StRegA pipeline on one case in the background (the same calls as `strega-cli run`:
// resolveCase, loadModel, runCase, writeCaseOutputs with the HTML report) and reports back on the GUI thread.

#include "QtProgressSink.h"

#include "strega/core/CancelToken.h"
#include "strega/pipeline/CaseRunner.h"
#include "strega/ui/CaseLoader.h"

#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QObject>
#include <QString>

#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>

namespace strega::model {
class CceVae;
}

namespace strega::ui {

/// \brief What to screen: the image file or folder as the pipeline resolves it (resolveCase()), and the DICOM
/// series to take from a folder.
struct ScreeningRequest {
  std::filesystem::path input;      ///< NIfTI/NRRD/MHA file, DICOM folder or BraTS case folder
  std::string seriesUid;            ///< DICOM folder with several series: the one shown
  std::filesystem::path outputRoot; ///< outputs go to defaultOutputFolder(case, outputRoot)
};

/// What the viewer screens for the case it shows (a run output screens its input again).
ScreeningRequest screeningRequestFor(const LoadedCase& shown);

/// The default output folder of a case: `<folder of the input>/<case id>_strega`, or `<root>/<case id>_strega`
/// when an output root is chosen.
std::filesystem::path defaultOutputFolder(const pipeline::CaseInput& input, const std::filesystem::path& root = {});

/// \brief How a run ended: a result (with the folder its outputs were written to), an error, or cancelled.
struct ScreeningOutcome {
  std::shared_ptr<pipeline::CaseResult> result;
  std::filesystem::path outputFolder;
  std::exception_ptr error;
  bool cancelled = false;
  double seconds = 0.0; ///< wall time from start() to the end of the worker
};

/// The viewer's case for a finished run: the image and every output of `result` as overlays (all on the input's
/// grid), its findings and threshold; `shown` gives the title and image information. Toolkit-free.
LoadedCase caseFromRun(const LoadedCase& shown, const pipeline::CaseResult& result,
                       const std::filesystem::path& outputFolder);

/// \brief Runs one case at a time on a worker thread. The model is loaded once per model file and kept for the
/// next run. Progress arrives as progressed() on the GUI thread; cancel() reaches the pipeline's slice loops and
/// ITK filters through the CancelToken, and finished() follows with cancelled set.
class ScreeningRunner : public QObject {
  Q_OBJECT
public:
  explicit ScreeningRunner(QObject* parent = nullptr);
  ~ScreeningRunner() override;

  /// Start a run; false (nothing started) while one is running.
  bool start(const ScreeningRequest& request, const pipeline::RunOptions& options);
  void cancel();
  bool isRunning() const { return m_running; }
  bool isCancelling() const { return m_running && m_cancel.isCancelled(); }
  /// Wait for the worker (used on shutdown).
  void waitForFinished();

Q_SIGNALS:
  void progressed(double fraction, const QString& stage);
  void finished(const strega::ui::ScreeningOutcome& outcome);

private:
  /// The model of `path`, loaded on first use (worker thread).
  model::CceVae& modelFor(const std::filesystem::path& path);

  QtProgressSink m_sink;
  QFutureWatcher<ScreeningOutcome> m_watcher;
  CancelToken m_cancel;
  bool m_running = false;
  std::mutex m_modelMutex;
  std::shared_ptr<model::CceVae> m_model;
  std::filesystem::path m_modelPath;
};

} // namespace strega::ui
