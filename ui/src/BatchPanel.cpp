#include "BatchPanel.h"
#include "BrowseRow.h"

#include "Dialogs.h"

#include "strega/core/Error.h"
#include "strega/report/CaseReportWriter.h"

#include <QCheckBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QThread>
#include <QToolButton>
#include <QVBoxLayout>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace strega::ui {

namespace fs = std::filesystem;

namespace {
/// A line edit with a "..." button that picks a folder into it.
QWidget* folderRow(QLineEdit* edit, QWidget* parent, const QString& title) {
  return withBrowse(edit, parent,
                    [edit, parent, title] { return QFileDialog::getExistingDirectory(parent, title, edit->text()); });
}

pipeline::CaseStatus statusFrom(const std::string& text) {
  if (text == "done") return pipeline::CaseStatus::Done;
  if (text == "skipped") return pipeline::CaseStatus::Skipped;
  if (text == "cancelled") return pipeline::CaseStatus::Cancelled;
  return pipeline::CaseStatus::Failed;
}

bool isFinished(const QString& status) { return status == QLatin1String("done") || status == QLatin1String("skipped"); }
} // namespace

BatchPanel::BatchPanel(AppSettings* settings, std::function<pipeline::RunOptions()> runOptions, QWidget* parent)
  : QWidget(parent), m_settings(settings), m_runOptions(std::move(runOptions)), m_input(new QLineEdit(this)),
    m_output(new QLineEdit(this)), m_jobs(new QSpinBox(this)), m_resume(new QCheckBox(tr("Resume"), this)),
    m_start(new QPushButton(tr("Start Batch"), this)), m_cancel(new QPushButton(tr("Cancel"), this)),
    m_progress(new QProgressBar(this)), m_table(new QTableWidget(this)), m_status(new QLabel(this)) {
  setObjectName(QStringLiteral("batchPanel"));
  m_input->setObjectName(QStringLiteral("batchInputEdit"));
  m_input->setPlaceholderText(tr("folder of NIfTI files, DICOM series or BraTS cases"));
  m_output->setObjectName(QStringLiteral("batchOutputEdit"));
  m_output->setPlaceholderText(tr("one sub-folder per case, summary.csv/json"));
  m_jobs->setObjectName(QStringLiteral("batchJobsBox"));
  m_jobs->setRange(1, std::max(1, QThread::idealThreadCount()));
  m_jobs->setToolTip(tr("Cases processed at the same time (strega-cli batch -j)"));
  m_resume->setObjectName(QStringLiteral("batchResumeBox"));
  m_resume->setToolTip(tr("Skip cases whose outputs were made from the same input, settings and model"));
  m_start->setObjectName(QStringLiteral("batchStartButton"));
  m_cancel->setObjectName(QStringLiteral("batchCancelButton"));
  m_progress->setObjectName(QStringLiteral("batchProgress"));
  m_progress->setRange(0, 1000);
  m_status->setObjectName(QStringLiteral("batchStatus"));
  m_status->setWordWrap(true);
  m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

  const BatchSettings s = settings->batch();
  m_input->setText(s.inputFolder);
  m_output->setText(s.outputFolder);
  m_jobs->setValue(s.jobs);
  m_resume->setChecked(s.resume);

  m_table->setObjectName(QStringLiteral("batchTable"));
  m_table->setColumnCount(7);
  m_table->setHorizontalHeaderLabels(
    {tr("Case"), tr("Status"), tr("Findings"), tr("Volume (mL)"), tr("Largest in"), tr("Time (s)"), tr("Reason")});
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setSelectionMode(QAbstractItemView::SingleSelection);
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->verticalHeader()->setVisible(false);
  m_table->horizontalHeader()->setStretchLastSection(true);
  m_table->setToolTip(tr("Double-click a finished case to open its outputs"));

  auto* form = new QFormLayout;
  form->addRow(tr("Input folder"), folderRow(m_input, this, tr("Folder of cases")));
  form->addRow(tr("Output folder"), folderRow(m_output, this, tr("Batch output folder")));
  auto* options = new QHBoxLayout;
  options->addWidget(new QLabel(tr("Jobs"), this));
  options->addWidget(m_jobs);
  options->addWidget(m_resume);
  options->addStretch(1);
  options->addWidget(m_start);
  options->addWidget(m_cancel);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addLayout(options);
  layout->addWidget(m_progress);
  layout->addWidget(m_table, 1);
  layout->addWidget(m_status);

  for (QLineEdit* edit : {m_input, m_output})
    connect(edit, &QLineEdit::editingFinished, this, &BatchPanel::save);
  connect(m_jobs, &QSpinBox::valueChanged, this, &BatchPanel::save);
  connect(m_resume, &QCheckBox::toggled, this, &BatchPanel::save);
  connect(m_start, &QPushButton::clicked, this, [this] { start(); });
  connect(m_cancel, &QPushButton::clicked, this, &BatchPanel::cancel);
  connect(&m_sink, &QtProgressSink::progressed, this,
          [this](double fraction, const QString& stage, const QString&) { onProgress(fraction, stage); });
  connect(m_table, &QTableWidget::cellDoubleClicked, this, [this](int row, int) {
    if (row < 0 || row >= m_ids.size() || !m_table->item(row, StatusColumn)) return;
    if (!isFinished(m_table->item(row, StatusColumn)->text())) return;
    Q_EMIT openRequested(
      QString::fromStdString((fs::path(m_outputDir.toStdString()) / m_ids[row].toStdString()).string()));
  });
  setRunning(false);
}

BatchPanel::~BatchPanel() = default;

void BatchPanel::waitForFinished() { m_job.waitForFinished(); }

void BatchPanel::save() {
  BatchSettings s;
  s.inputFolder = m_input->text().trimmed();
  s.outputFolder = m_output->text().trimmed();
  s.jobs = m_jobs->value();
  s.resume = m_resume->isChecked();
  m_settings->setBatch(s);
}

void BatchPanel::setRunning(bool running) {
  m_running = running;
  m_start->setEnabled(!running);
  m_cancel->setEnabled(running);
  m_progress->setVisible(running);
  for (QWidget* w : std::initializer_list<QWidget*>{m_input, m_output, m_jobs, m_resume})
    w->setEnabled(!running);
}

bool BatchPanel::start() {
  if (m_running) return false;
  save();
  const QString input = m_input->text().trimmed();
  const QString output = m_output->text().trimmed();
  pipeline::BatchOptions options;
  std::vector<pipeline::CaseInput> cases;
  try {
    if (input.isEmpty()) throw Error(ErrorKind::InvalidArgument, "choose the folder of cases");
    if (output.isEmpty()) throw Error(ErrorKind::InvalidArgument, "choose the output folder");
    options.run = m_runOptions();
    options.extraWriter = report::htmlReportWriter(options.run);
    options.jobs = m_jobs->value();
    options.resume = m_resume->isChecked();
    cases = pipeline::findCases(input.toStdString(), options.run.modality);
    if (cases.empty()) throw Error(ErrorKind::InvalidInput, "no case was found in " + input.toStdString());
  } catch (...) {
    const ErrorText text = describeException(std::current_exception());
    m_status->setText(tr("Cannot start: %1").arg(text.message));
    Q_EMIT errorOccurred(tr("Cannot start the batch"), text.message, text.detail);
    Q_EMIT finished(false, text.message);
    return false;
  }
  m_outputDir = output;
  m_ids.clear();
  m_table->clearContents();
  m_table->setRowCount(static_cast<int>(cases.size()));
  for (int row = 0; row < static_cast<int>(cases.size()); ++row) {
    const QString id = QString::fromStdString(cases[static_cast<std::size_t>(row)].id);
    m_ids << id;
    m_table->setItem(row, CaseColumn, new QTableWidgetItem(id));
    m_table->setItem(row, StatusColumn, new QTableWidgetItem(tr("queued")));
    for (int c = FindingsColumn; c <= ReasonColumn; ++c)
      m_table->setItem(row, c, new QTableWidgetItem);
  }
  m_table->resizeColumnToContents(CaseColumn);
  m_progress->setValue(0);
  m_progress->setFormat(tr("%p%"));
  m_status->setText(tr("%n case(s) queued", nullptr, static_cast<int>(cases.size())));
  QtProgressSink* sink = &m_sink;
  const fs::path in = input.toStdString(), out = output.toStdString();
  setRunning(true);
  m_job.start([in, out, options, sink](const CancelToken& cancel) {
    BatchOutcome outcome;
    try {
      outcome.summary = pipeline::runBatch(in, out, options, *sink, cancel);
    } catch (...) {
      outcome.error = std::current_exception();
    }
    return outcome;
  });
  return true;
}

void BatchPanel::cancel() {
  if (!m_running) return;
  m_job.cancel();
  m_cancel->setEnabled(false);
  m_status->setText(tr("Cancelling..."));
}

void BatchPanel::onProgress(double fraction, const QString& stage) {
  m_progress->setValue(static_cast<int>(fraction * 1000));
  // Stages are "<case id>: <stage of that case>", and "<case id>: <status>" when a case ends.
  const qsizetype colon = stage.indexOf(QStringLiteral(": "));
  const QString id = colon < 0 ? stage : stage.left(colon);
  const QString what = colon < 0 ? QString() : stage.mid(colon + 2);
  const int row = static_cast<int>(m_ids.indexOf(id));
  if (row < 0) return;
  static const QStringList endings{QStringLiteral("done"), QStringLiteral("skipped"), QStringLiteral("failed"),
                                   QStringLiteral("cancelled"), QStringLiteral("up to date")};
  if (endings.contains(what)) {
    refreshFromSummaryFile();
    return;
  }
  if (!m_job.cancelRequested())
    m_table->item(row, StatusColumn)->setText(what.isEmpty() ? tr("running") : tr("running: %1").arg(what));
}

void BatchPanel::fillRow(int row, const pipeline::BatchRow& r) {
  const bool ran = r.status == pipeline::CaseStatus::Done || r.status == pipeline::CaseStatus::Skipped;
  m_table->item(row, StatusColumn)->setText(QString::fromLatin1(pipeline::toString(r.status)));
  m_table->item(row, FindingsColumn)->setText(ran ? QString::number(r.findings) : QString());
  m_table->item(row, VolumeColumn)->setText(ran ? QString::number(r.totalVolumeMl, 'f', 2) : QString());
  m_table->item(row, RegionColumn)->setText(QString::fromStdString(r.largestRegion));
  m_table->item(row, SecondsColumn)->setText(r.seconds > 0 ? QString::number(r.seconds, 'f', 1) : QString());
  m_table->item(row, ReasonColumn)->setText(QString::fromStdString(r.reason));
  const QColor colour = r.status == pipeline::CaseStatus::Failed      ? QColor(200, 40, 40)
                        : r.status == pipeline::CaseStatus::Cancelled ? QColor(150, 110, 0)
                                                                      : QColor(0, 130, 0);
  m_table->item(row, StatusColumn)->setForeground(colour);
}

void BatchPanel::refreshFromSummaryFile() {
  const fs::path file = fs::path(m_outputDir.toStdString()) / "summary.json";
  try {
    std::ifstream in(file);
    const nlohmann::json j = nlohmann::json::parse(in);
    for (const auto& c : j.at("cases")) {
      const int row = static_cast<int>(m_ids.indexOf(QString::fromStdString(c.at("case").get<std::string>())));
      const std::string status = c.at("status").get<std::string>();
      // Rows not reached yet are written as "pending" (or cancelled, "not started") until they run.
      if (row < 0 || status == "pending" || c.value("reason", std::string()) == "not started") continue;
      pipeline::BatchRow r;
      r.status = statusFrom(status);
      r.reason = c.value("reason", std::string());
      r.findings = c.value("findings", std::size_t{0});
      r.totalVolumeMl = c.value("total_volume_ml", 0.0);
      r.largestRegion = c.value("largest_region", std::string());
      r.seconds = c.value("seconds", 0.0);
      fillRow(row, r);
    }
  } catch (const std::exception&) {
    // The final summary fills every row when the batch ends.
  }
}

void BatchPanel::onFinished() {
  const BatchOutcome outcome = m_job.result();
  setRunning(false);
  if (outcome.error) {
    const ErrorText text = describeException(outcome.error);
    m_status->setText(tr("Batch failed: %1").arg(text.message));
    Q_EMIT errorOccurred(tr("Batch failed"), text.message, text.detail);
    Q_EMIT finished(false, text.message);
    return;
  }
  const pipeline::BatchSummary& s = outcome.summary;
  for (std::size_t i = 0; i < s.rows.size() && i < static_cast<std::size_t>(m_ids.size()); ++i)
    fillRow(static_cast<int>(i), s.rows[i]);
  m_table->resizeColumnsToContents();
  m_table->horizontalHeader()->setStretchLastSection(true);
  const QString line = tr("%1 done, %2 up to date, %3 failed, %4 cancelled (%5 s); summary: %6")
                         .arg(s.count(pipeline::CaseStatus::Done))
                         .arg(s.count(pipeline::CaseStatus::Skipped))
                         .arg(s.count(pipeline::CaseStatus::Failed))
                         .arg(s.count(pipeline::CaseStatus::Cancelled))
                         .arg(s.seconds, 0, 'f', 1)
                         .arg(QString::fromStdString((fs::path(m_outputDir.toStdString()) / "summary.csv").string()));
  m_status->setText(line);
  Q_EMIT finished(!s.cancelled, line);
}

} // namespace strega::ui
