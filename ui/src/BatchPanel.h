#pragma once
// BatchPanel: the Batch dock: a folder of cases screened into an output folder by pipeline::runBatch (what
// `strega-cli batch` runs) in the background, one status row per case, Cancel, and opening a finished case.

#include "AppSettings.h"
#include "BackgroundJob.h"
#include "QtProgressSink.h"

#include "strega/pipeline/Batch.h"

#include <QStringList>
#include <QWidget>

#include <exception>
#include <functional>

class QCheckBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace strega::ui {

/// \brief How a batch ended: its summary, or the error that stopped it before any case (e.g. a missing folder).
struct BatchOutcome {
  pipeline::BatchSummary summary;
  std::exception_ptr error;
};

/// \brief The Batch panel. The run options come from `runOptions` (the Screening panel's), so a batch screens
/// each case as the Run action would; jobs and resume are the batch's own (`strega-cli batch -j N --resume`).
/// Rows follow the cases in the order runBatch processes them (findCases()); a row's status follows the progress
/// messages while the case runs and the summary when it ends. Double-clicking a finished case asks to open its
/// output folder (openRequested()).
class BatchPanel : public QWidget {
  Q_OBJECT
public:
  BatchPanel(AppSettings* settings, std::function<pipeline::RunOptions()> runOptions, QWidget* parent = nullptr);
  ~BatchPanel() override;

  /// Start the batch of the fields. False, with the reason in the status line and errorOccurred(),
  /// when the folders are not usable or a batch runs already.
  bool start();
  void cancel();
  bool isRunning() const { return m_running; }
  /// Wait for the worker (used on shutdown).
  void waitForFinished();

  // Parts, for tests and scripted use.
  QLineEdit* inputEdit() const { return m_input; }
  QLineEdit* outputEdit() const { return m_output; }
  QSpinBox* jobsBox() const { return m_jobs; }
  QCheckBox* resumeBox() const { return m_resume; }
  QPushButton* startButton() const { return m_start; }
  QPushButton* cancelButton() const { return m_cancel; }
  QTableWidget* table() const { return m_table; }
  QLabel* statusLabel() const { return m_status; }

Q_SIGNALS:
  /// A finished case was double-clicked: its output folder.
  void openRequested(const QString& folder);
  /// The batch ended (also cancelled or failed); `message` is the summary line or the reason.
  void finished(bool ok, const QString& message);
  /// The batch could not start or stopped before its cases (a missing folder, a full disk): for a dialog (the
  /// window decides how to show it).
  void errorOccurred(const QString& title, const QString& message, const QString& detail);

private:
  enum Column { CaseColumn, StatusColumn, FindingsColumn, VolumeColumn, RegionColumn, SecondsColumn, ReasonColumn };
  void save();
  void onProgress(double fraction, const QString& stage);
  void onFinished();
  void fillRow(int row, const pipeline::BatchRow& result);
  /// Re-read the summary.json that runBatch rewrites after every case, for the rows that ended.
  void refreshFromSummaryFile();
  void setRunning(bool running);

  AppSettings* m_settings;
  std::function<pipeline::RunOptions()> m_runOptions;
  QLineEdit* m_input;
  QLineEdit* m_output;
  QSpinBox* m_jobs;
  QCheckBox* m_resume;
  QPushButton* m_start;
  QPushButton* m_cancel;
  QProgressBar* m_progress;
  QTableWidget* m_table;
  QLabel* m_status;
  QtProgressSink m_sink;
  BackgroundJob<BatchOutcome> m_job{this, &BatchPanel::onFinished}; ///< after m_sink, which the work reports to
  QStringList m_ids;                                                ///< case ids, row order
  QString m_outputDir;                                              ///< of the running or last batch
  bool m_running = false;
};

} // namespace strega::ui
