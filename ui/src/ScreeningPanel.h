#pragma once
// ScreeningPanel: the Screening side panel: device, model file, threshold (Otsu or fixed), minimum area,
// registration, output folder; Run and Cancel, the progress of the stage that runs, and the last run's summary.

#include "AppSettings.h"

#include "strega/pipeline/CaseRunner.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;

namespace strega::ui {

/// \brief The Screening panel. It turns its controls into pipeline::RunOptions (the options of `strega-cli run`:
/// --device, --model, --threshold, --min-area-mm2, --skip-registration) and keeps them in the settings; the main
/// window starts and cancels the run.
class ScreeningPanel : public QWidget {
  Q_OBJECT
public:
  /// Slices per forward pass of the model in GUI runs (see runOptions()).
  static constexpr int kInteractiveBatchSize = 8;

  ScreeningPanel(AppSettings* settings, QWidget* parent = nullptr);

  /// The options of the controls (the model path resolved: the default model when the field is empty).
  /// Throws Error(Model) when no model file is given and no default model exists.
  pipeline::RunOptions runOptions() const;
  /// Output root folder; empty: next to the input.
  QString outputRoot() const;

  /// Enable Run (an image is shown and nothing runs).
  void setRunAvailable(bool available);
  /// Show the run state: running (progress bar and Cancel), cancelling, or idle.
  void setRunning(bool running);
  void setCancelling();
  void setProgress(double fraction, const QString& stage);
  /// A line under the buttons: the last run's outcome.
  void setStatus(const QString& text);

  // Parts, for tests.
  QComboBox* deviceBox() const { return m_device; }
  QComboBox* thresholdModeBox() const { return m_thresholdMode; }
  QDoubleSpinBox* thresholdBox() const { return m_threshold; }
  QDoubleSpinBox* minAreaBox() const { return m_minArea; }
  QDoubleSpinBox* openingRadiusBox() const { return m_openingRadius; }
  QCheckBox* fillHolesBox() const { return m_fillHoles; }
  QComboBox* registrationBox() const { return m_registration; }
  QLineEdit* modelEdit() const { return m_model; }
  QLineEdit* outputEdit() const { return m_output; }
  QPushButton* runButton() const { return m_run; }
  QPushButton* cancelButton() const { return m_cancel; }
  QProgressBar* progressBar() const { return m_progress; }
  QLabel* statusLabel() const { return m_status; }

Q_SIGNALS:
  void runRequested();
  void cancelRequested();

private:
  void save();
  void updateEnabled();

  AppSettings* m_settings;
  QComboBox* m_device;
  QLineEdit* m_model;
  QComboBox* m_thresholdMode;
  QDoubleSpinBox* m_threshold;
  QDoubleSpinBox* m_minArea;
  QDoubleSpinBox* m_openingRadius;
  QCheckBox* m_fillHoles;
  QComboBox* m_registration;
  QLineEdit* m_output;
  QWidget* m_modelRow = nullptr;  ///< the model field with its browse button
  QWidget* m_outputRow = nullptr; ///< the output field with its browse button
  QPushButton* m_run;
  QPushButton* m_cancel;
  QProgressBar* m_progress;
  QLabel* m_status;
  bool m_runAvailable = false;
  bool m_running = false;
};

} // namespace strega::ui
