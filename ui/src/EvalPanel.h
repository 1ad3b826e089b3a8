#pragma once
// EvalPanel: the Evaluation dock: predicted masks scored against ground truth by pipeline::evaluate (what
// `strega-cli eval` runs) in the background, or the eval.json of an earlier run read back; a per-case table, the
// summary line and the Dice plot of eval.png, and opening a case's image with its prediction and truth.

#include "AppSettings.h"
#include "BackgroundJob.h"
#include "QtProgressSink.h"

#include "strega/pipeline/Evaluation.h"
#include "strega/ui/CaseLoader.h"

#include <QImage>
#include <QWidget>

#include <exception>
#include <memory>
#include <optional>
#include <string>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTableWidget;

namespace strega::ui {

/// \brief How an evaluation ended: the report and its plot (eval.png's picture), the error that stopped it, or
/// cancelled.
struct EvalOutcome {
  std::shared_ptr<const pipeline::EvalReport> report;
  QImage plot;
  std::exception_ptr error;
  bool cancelled = false;
};

/// What the viewer opens for an evaluated case, or nothing when its image cannot be found: the `strega-cli run`
/// output folder holding the prediction (the image it names, with every overlay of the run), else the case's
/// t2/flair/t1 image beside its ground truth (findModalityImage(), `modality` first) with the prediction as the
/// anomaly mask. The ground truth comes as the reference overlay either way. Toolkit-free.
std::optional<LoadRequest> caseToOpen(const pipeline::EvalRow& row, const std::string& modality);

/// \brief A picture scaled to the widget, keeping its aspect ratio (the Dice plot).
class PlotView : public QWidget {
public:
  explicit PlotView(QWidget* parent = nullptr);
  void setImage(const QImage& image);
  const QImage& image() const { return m_image; }
  QSize sizeHint() const override;

protected:
  void paintEvent(QPaintEvent* event) override;

private:
  QImage m_image;
};

/// \brief The Evaluation panel. Run scores the predictions folder (what `strega-cli run` / `batch` wrote) against
/// the ground-truth folder (BraTS layout or flat), optionally with the threshold baseline, with the options of
/// `strega-cli eval`, and writes eval.csv/json/md/png when an output folder is chosen (writeEvalReport, as the
/// CLI). Open Results shows an eval.json written earlier without scoring again. The table lists every truth case
/// (unscored ones with their reason); the summary line is the CLI's (evalSummaryLine); the plot is eval.png's
/// (renderDicePlot). Double-clicking a row asks to open the case (openRequested()) when its image is found.
/// Errors (a missing folder, no case) come out as errorOccurred() and in the status line; the panel stays usable.
class EvalPanel : public QWidget {
  Q_OBJECT
public:
  explicit EvalPanel(AppSettings* settings, QWidget* parent = nullptr);
  ~EvalPanel() override;

  /// Start the evaluation of the fields. False, with the reason in the status line and errorOccurred(), when a
  /// field is empty or an evaluation runs already; folder problems are found by the worker and end the same way.
  bool start();
  /// Stop after the case being scored (evaluate() polls the token once per case); finished(false, "") follows.
  void cancel();
  bool isRunning() const { return m_running; }
  /// Wait for the worker (used on shutdown).
  void waitForFinished();
  /// Show the results in `path` (an eval.json or the folder holding one). False, with errorOccurred(), when it
  /// cannot be read or an evaluation runs.
  bool openResults(const QString& path);
  /// Ask for a folder of results and show it.
  void openResultsDialog();
  /// The report shown, or null.
  const pipeline::EvalReport* report() const { return m_report.get(); }

  // Parts, for tests and scripted use.
  QLineEdit* predictionsEdit() const { return m_predictions; }
  QLineEdit* truthEdit() const { return m_truth; }
  QLineEdit* outputEdit() const { return m_output; }
  QCheckBox* baselineBox() const { return m_baseline; }
  QComboBox* modalityBox() const { return m_modality; }
  QDoubleSpinBox* kBox() const { return m_k; }
  QPushButton* runButton() const { return m_run; }
  QPushButton* cancelButton() const { return m_cancel; }
  QPushButton* openButton() const { return m_open; }
  QTableWidget* table() const { return m_table; }
  QLabel* summaryLabel() const { return m_summary; }
  QLabel* statusLabel() const { return m_status; }
  PlotView* plotView() const { return m_plot; }

Q_SIGNALS:
  /// A case was double-clicked and its image found: what to load (see caseToOpen()).
  void openRequested(const strega::ui::LoadRequest& request);
  /// An evaluation ended or results were opened: ok, or the reason (empty when cancelled).
  void finished(bool ok, const QString& message);
  /// Something failed: for a dialog (the window decides how to show it).
  void errorOccurred(const QString& title, const QString& message, const QString& detail);

private:
  enum Column {
    CaseColumn,
    StatusColumn,
    DiceColumn,
    SensitivityColumn,
    PrecisionColumn,
    Hd95Column,
    PredictedColumn,
    TrueColumn,
    BaselineColumn,
    ReasonColumn,
    ColumnCount
  };
  void save();
  void setRunning(bool running);
  void onFinished();
  void showReport(std::shared_ptr<const pipeline::EvalReport> report, const QImage& plot);
  void fail(const QString& title, std::exception_ptr error);
  void openRow(int row);

  AppSettings* m_settings;
  QLineEdit* m_predictions;
  QLineEdit* m_truth;
  QLineEdit* m_output;
  QCheckBox* m_baseline;
  QComboBox* m_modality;
  QDoubleSpinBox* m_k;
  QPushButton* m_run;
  QPushButton* m_cancel;
  QPushButton* m_open;
  QProgressBar* m_progress;
  QTableWidget* m_table;
  PlotView* m_plot;
  QLabel* m_summary;
  QLabel* m_status;
  QtProgressSink m_sink;
  BackgroundJob<EvalOutcome> m_job{this, &EvalPanel::onFinished}; ///< after m_sink, which the work reports to
  std::shared_ptr<const pipeline::EvalReport> m_report;
  QString m_writtenTo; ///< output folder of the running evaluation; empty: not written
  bool m_running = false;
};

} // namespace strega::ui
