#include "ScreeningPanel.h"

#include "BrowseRow.h"

#include "strega/core/Error.h"
#include "strega/model/CceVae.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QToolButton>
#include <QVBoxLayout>

namespace strega::ui {

namespace {
QString defaultModelText() {
  try {
    return QString::fromStdString(pipeline::defaultModelPath().string());
  } catch (const Error&) {
    return QString();
  }
}
} // namespace

ScreeningPanel::ScreeningPanel(AppSettings* settings, QWidget* parent)
  : QWidget(parent), m_settings(settings), m_device(new QComboBox(this)), m_model(new QLineEdit(this)),
    m_thresholdMode(new QComboBox(this)), m_threshold(new QDoubleSpinBox(this)), m_minArea(new QDoubleSpinBox(this)),
    m_openingRadius(new QDoubleSpinBox(this)), m_fillHoles(new QCheckBox(tr("Fill holes in each slice"), this)),
    m_registration(new QComboBox(this)), m_output(new QLineEdit(this)), m_run(new QPushButton(tr("Run"), this)),
    m_cancel(new QPushButton(tr("Cancel"), this)), m_progress(new QProgressBar(this)), m_status(new QLabel(this)) {
  setObjectName(QStringLiteral("screeningPanel"));
  m_device->setObjectName(QStringLiteral("deviceBox"));
  m_device->addItem(tr("Automatic (CUDA when available)"), QStringLiteral("auto"));
  m_device->addItem(tr("CPU"), QStringLiteral("cpu"));
  if (model::cudaAvailable()) m_device->addItem(tr("CUDA GPU"), QStringLiteral("cuda"));
  m_device->setToolTip(tr("Where the cceVAE runs (strega-cli run --device)"));

  m_model->setObjectName(QStringLiteral("modelEdit"));
  const QString defaultModel = defaultModelText();
  m_model->setPlaceholderText(defaultModel.isEmpty() ? tr("no default model found: choose a model file")
                                                     : tr("default: %1").arg(defaultModel));
  m_model->setToolTip(defaultModel.isEmpty() ? tr("Model file (strega-cli run --model)")
                                             : tr("Model file; empty: the shipped model %1").arg(defaultModel));

  m_thresholdMode->setObjectName(QStringLiteral("thresholdModeBox"));
  m_thresholdMode->addItem(tr("Otsu (automatic)"));
  m_thresholdMode->addItem(tr("Fixed"));
  m_threshold->setObjectName(QStringLiteral("thresholdBox"));
  m_threshold->setRange(0.0, 1.0);
  m_threshold->setDecimals(3);
  m_threshold->setSingleStep(0.01);
  m_threshold->setToolTip(tr("Fixed threshold on the anomaly score (strega-cli run --threshold)"));
  m_minArea->setObjectName(QStringLiteral("minAreaBox"));
  m_minArea->setRange(0.0, 100000.0);
  m_minArea->setDecimals(0);
  m_minArea->setSingleStep(16.0);
  m_minArea->setSuffix(tr(" mm²"));
  m_minArea->setToolTip(tr("Per-slice area opening: smaller components are removed (strega-cli run --min-area-mm2)"));
  m_openingRadius->setObjectName(QStringLiteral("openingRadiusBox"));
  m_openingRadius->setRange(0.0, 10.0);
  m_openingRadius->setDecimals(1);
  m_openingRadius->setSingleStep(0.5);
  m_openingRadius->setSuffix(tr(" mm"));
  m_openingRadius->setSpecialValueText(tr("none (as the paper)"));
  m_openingRadius->setToolTip(tr("3D opening of the mask with a ball of this radius: removes rims of reconstruction "
                                 "error thinner than the ball (strega-cli run --opening-radius-mm)"));
  m_fillHoles->setObjectName(QStringLiteral("fillHolesBox"));
  m_fillHoles->setToolTip(tr("A finding whose inside the model reproduced shows as a ring: fill it "
                             "(strega-cli run --no-fill-holes turns this off)"));
  m_registration->setObjectName(QStringLiteral("registrationBox"));
  m_registration->addItem(tr("Automatic (register to Colin27)"));
  m_registration->addItem(tr("Skip (skull-stripped, atlas-like space)"));
  m_output->setObjectName(QStringLiteral("outputEdit"));
  m_output->setPlaceholderText(tr("next to the input: <case>_strega"));
  m_output->setToolTip(tr("Folder that receives <case>_strega/ with mask.nii.gz, report.json, report.html ..."));

  const ScreeningSettings s = settings->screening();
  const int device = m_device->findData(s.device);
  m_device->setCurrentIndex(device >= 0 ? device : 0);
  m_model->setText(s.modelPath);
  m_thresholdMode->setCurrentIndex(s.fixedThreshold ? 1 : 0);
  m_threshold->setValue(s.threshold);
  m_minArea->setValue(s.minAreaMm2);
  m_openingRadius->setValue(s.openingRadiusMm);
  m_fillHoles->setChecked(s.fillHoles);
  m_registration->setCurrentIndex(s.skipRegistration ? 1 : 0);
  m_output->setText(s.outputRoot);

  auto* form = new QFormLayout;
  form->addRow(tr("Device"), m_device);
  form->addRow(tr("Model"),
               m_modelRow = withBrowse(m_model, this, [this] {
                 return QFileDialog::getOpenFileName(this, tr("Model file"), m_model->text(),
                                                     tr("Models (*.pt *.pth *.safetensors);;All files (*)"));
               }));
  form->addRow(tr("Threshold"), m_thresholdMode);
  form->addRow(tr("Fixed threshold"), m_threshold);
  form->addRow(tr("Min. area"), m_minArea);
  form->addRow(tr("3D opening"), m_openingRadius);
  form->addRow(QString(), m_fillHoles);
  form->addRow(tr("Registration"), m_registration);
  form->addRow(tr("Output folder"), m_outputRow = withBrowse(m_output, this, [this] {
                                      return QFileDialog::getExistingDirectory(this, tr("Output folder"),
                                                                               m_output->text());
                                    }));

  m_run->setObjectName(QStringLiteral("runButton"));
  m_cancel->setObjectName(QStringLiteral("cancelRunButton"));
  m_progress->setObjectName(QStringLiteral("runProgress"));
  m_progress->setRange(0, 1000);
  m_progress->setTextVisible(true);
  m_status->setObjectName(QStringLiteral("runStatus"));
  m_status->setWordWrap(true);
  m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(m_run);
  buttons->addWidget(m_cancel);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addLayout(buttons);
  layout->addWidget(m_progress);
  layout->addWidget(m_status);
  layout->addStretch(1);

  connect(m_run, &QPushButton::clicked, this, &ScreeningPanel::runRequested);
  connect(m_cancel, &QPushButton::clicked, this, &ScreeningPanel::cancelRequested);
  for (QComboBox* box : {m_device, m_thresholdMode, m_registration})
    connect(box, &QComboBox::currentIndexChanged, this, [this] {
      save();
      updateEnabled();
    });
  for (QDoubleSpinBox* box : {m_threshold, m_minArea, m_openingRadius})
    connect(box, &QDoubleSpinBox::valueChanged, this, &ScreeningPanel::save);
  connect(m_fillHoles, &QCheckBox::toggled, this, &ScreeningPanel::save);
  for (QLineEdit* edit : {m_model, m_output})
    connect(edit, &QLineEdit::editingFinished, this, &ScreeningPanel::save);
  setRunning(false);
}

void ScreeningPanel::save() {
  ScreeningSettings s;
  s.device = m_device->currentData().toString();
  s.modelPath = m_model->text().trimmed();
  s.fixedThreshold = m_thresholdMode->currentIndex() == 1;
  s.threshold = m_threshold->value();
  s.minAreaMm2 = m_minArea->value();
  s.openingRadiusMm = m_openingRadius->value();
  s.fillHoles = m_fillHoles->isChecked();
  s.skipRegistration = m_registration->currentIndex() == 1;
  s.outputRoot = m_output->text().trimmed();
  m_settings->setScreening(s);
}

pipeline::RunOptions ScreeningPanel::runOptions() const {
  pipeline::RunOptions o;
  o.inference.device = m_device->currentData().toString().toStdString();
  // Cancellation is checked between forward passes: batches of 8 slices keep one pass well under a second on a
  // CPU, so that Cancel is honoured at once. The batch size does not change results (it is not part of the
  // config fingerprint); `strega-cli run --config` takes the same {"inference": {"batch_size": 8}}.
  o.inference.batchSize = kInteractiveBatchSize;
  const QString modelPath = m_model->text().trimmed();
  o.modelPath = modelPath.isEmpty() ? pipeline::defaultModelPath() : std::filesystem::path(modelPath.toStdString());
  if (m_thresholdMode->currentIndex() == 1) o.postprocess.fixedThreshold = m_threshold->value();
  o.postprocess.minAreaMm2 = m_minArea->value();
  o.postprocess.openingRadiusMm = m_openingRadius->value();
  o.postprocess.fillHoles = m_fillHoles->isChecked();
  o.preprocess.registrationMode =
    m_registration->currentIndex() == 1 ? preprocess::RegistrationMode::Skip : preprocess::RegistrationMode::Auto;
  return o;
}

QString ScreeningPanel::outputRoot() const { return m_output->text().trimmed(); }

void ScreeningPanel::setRunAvailable(bool available) {
  m_runAvailable = available;
  updateEnabled();
}

void ScreeningPanel::setRunning(bool running) {
  m_running = running;
  m_progress->setVisible(running);
  m_cancel->setVisible(running);
  m_cancel->setEnabled(running);
  if (running) {
    m_progress->setValue(0);
    m_progress->setFormat(tr("starting %p%"));
  }
  updateEnabled();
}

void ScreeningPanel::setCancelling() {
  m_cancel->setEnabled(false);
  m_progress->setFormat(tr("cancelling..."));
}

void ScreeningPanel::setProgress(double fraction, const QString& stage) {
  if (!m_cancel->isEnabled()) return; // cancelling: keep saying so
  m_progress->setValue(static_cast<int>(fraction * 1000));
  m_progress->setFormat(stage.isEmpty() ? QStringLiteral("%p%") : stage + QStringLiteral("  %p%"));
}

void ScreeningPanel::setStatus(const QString& text) { m_status->setText(text); }

void ScreeningPanel::updateEnabled() {
  m_run->setEnabled(m_runAvailable && !m_running);
  m_threshold->setEnabled(m_thresholdMode->currentIndex() == 1);
  for (QWidget* w :
       std::initializer_list<QWidget*>{m_device, m_modelRow, m_thresholdMode, m_minArea, m_registration, m_outputRow})
    w->setEnabled(!m_running);
  if (m_running) m_threshold->setEnabled(false);
}

} // namespace strega::ui
