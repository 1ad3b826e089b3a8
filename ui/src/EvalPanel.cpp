#include "EvalPanel.h"
#include "BrowseRow.h"

#include "Dialogs.h"

#include "strega/core/Error.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>
#include <filesystem>

namespace strega::ui {

namespace fs = std::filesystem;

namespace {

QWidget* folderRow(QLineEdit* edit, QWidget* parent, const QString& title) {
  return withBrowse(edit, parent,
                    [edit, parent, title] { return QFileDialog::getExistingDirectory(parent, title, edit->text()); });
}

/// eval.png's picture as a QImage (the raster is RGB888, top row first, rows packed).
QImage toQImage(const RgbImage& picture) {
  const QImage view(picture.pixels.data(), picture.width, picture.height, picture.width * 3, QImage::Format_RGB888);
  return view.copy(); // own the pixels: `picture` goes away
}

QString fixed(double v, int decimals) {
  if (std::isinf(v)) return QStringLiteral("∞");
  if (std::isnan(v)) return QString();
  return QString::number(v, 'f', decimals);
}

QString toQString(const fs::path& p) { return QString::fromStdString(p.string()); }

} // namespace

std::optional<LoadRequest> caseToOpen(const pipeline::EvalRow& row, const std::string& modality) {
  std::error_code ec;
  LoadRequest request;
  if (fs::is_regular_file(row.truthPath, ec)) request.reference = row.truthPath;
  // A prediction written by `strega-cli run` / `batch`: its folder names the image and holds the other outputs.
  const fs::path runFolder = row.predictionPath.parent_path();
  if (row.predictionPath.filename() == "mask.nii.gz" && fs::is_regular_file(runFolder / "report.json", ec)) {
    try {
      if (fs::exists(readRunReport(runFolder / "report.json").input, ec)) {
        request.path = runFolder;
        return request;
      }
    } catch (const Error&) {
      // Not a readable run report: look for the image beside the truth instead.
    }
  }
  const pipeline::TruthCase truthCase{row.caseName, row.truthPath, row.truthPath.parent_path()};
  const auto image = pipeline::findModalityImage(truthCase, modality);
  if (!image) return std::nullopt;
  request.path = image->path;
  if (!row.predictionPath.empty() && fs::is_regular_file(row.predictionPath, ec))
    request.anomalyMask = row.predictionPath;
  return request;
}

PlotView::PlotView(QWidget* parent) : QWidget(parent) {
  setMinimumSize(240, 160);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void PlotView::setImage(const QImage& image) {
  m_image = image;
  update();
}

QSize PlotView::sizeHint() const { return m_image.isNull() ? QSize(480, 320) : m_image.size() / 2 + QSize(1, 1); }

void PlotView::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), palette().base());
  if (m_image.isNull()) {
    painter.setPen(palette().color(QPalette::PlaceholderText));
    painter.drawText(rect(), Qt::AlignCenter, tr("Dice per case appears here"));
    return;
  }
  const QSize size = m_image.size().scaled(this->size(), Qt::KeepAspectRatio);
  const QRect target(QPoint((width() - size.width()) / 2, (height() - size.height()) / 2), size);
  painter.setRenderHint(QPainter::SmoothPixmapTransform);
  painter.drawImage(target, m_image);
}

EvalPanel::EvalPanel(AppSettings* settings, QWidget* parent)
  : QWidget(parent), m_settings(settings), m_predictions(new QLineEdit(this)), m_truth(new QLineEdit(this)),
    m_output(new QLineEdit(this)), m_baseline(new QCheckBox(tr("Threshold baseline"), this)),
    m_modality(new QComboBox(this)), m_k(new QDoubleSpinBox(this)), m_run(new QPushButton(tr("Run Evaluation"), this)),
    m_cancel(new QPushButton(tr("Cancel"), this)), m_open(new QPushButton(tr("Open Results..."), this)),
    m_progress(new QProgressBar(this)), m_table(new QTableWidget(this)), m_plot(new PlotView(this)),
    m_summary(new QLabel(this)), m_status(new QLabel(this)) {
  setObjectName(QStringLiteral("evalPanel"));
  m_predictions->setObjectName(QStringLiteral("evalPredictionsEdit"));
  m_predictions->setPlaceholderText(tr("what strega-cli run / batch wrote: <case>/mask.nii.gz, or <case>.nii.gz"));
  m_truth->setObjectName(QStringLiteral("evalTruthEdit"));
  m_truth->setPlaceholderText(tr("BraTS folder (<case>/<case>_seg.nii.gz) or flat <case>_seg.nii.gz"));
  m_output->setObjectName(QStringLiteral("evalOutputEdit"));
  m_output->setPlaceholderText(tr("optional: write eval.csv, eval.json, eval.md, eval.png here"));
  m_baseline->setObjectName(QStringLiteral("evalBaselineBox"));
  m_baseline->setToolTip(tr("Also score an intensity threshold on the case's image (strega-cli eval --baseline)"));
  m_modality->setObjectName(QStringLiteral("evalModalityBox"));
  for (const char* m : {"t2", "flair", "t1"})
    m_modality->addItem(QString::fromLatin1(m), QString::fromLatin1(m));
  m_modality->setToolTip(tr("Image the baseline thresholds, tried first (then t2, flair, t1)"));
  m_k->setObjectName(QStringLiteral("evalKBox"));
  m_k->setRange(0.0, 10.0);
  m_k->setSingleStep(0.5);
  m_k->setDecimals(2);
  m_k->setToolTip(tr("Baseline threshold: mean + k SD of the brain (mean - k SD for T1)"));
  m_run->setObjectName(QStringLiteral("evalRunButton"));
  m_cancel->setObjectName(QStringLiteral("evalCancelButton"));
  m_open->setObjectName(QStringLiteral("evalOpenButton"));
  m_open->setToolTip(tr("Show the eval.json of an earlier evaluation (strega-cli eval -o) without scoring again"));
  m_progress->setObjectName(QStringLiteral("evalProgress"));
  m_progress->setRange(0, 1000);
  m_plot->setObjectName(QStringLiteral("evalPlot"));
  m_summary->setObjectName(QStringLiteral("evalSummary"));
  m_summary->setWordWrap(true);
  m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
  QFont bold = m_summary->font();
  bold.setBold(true);
  m_summary->setFont(bold);
  m_status->setObjectName(QStringLiteral("evalStatus"));
  m_status->setWordWrap(true);
  m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

  const EvalSettings s = settings->evaluation();
  m_predictions->setText(s.predictionsFolder);
  m_truth->setText(s.truthFolder);
  m_output->setText(s.outputFolder);
  m_baseline->setChecked(s.baseline);
  m_modality->setCurrentIndex(std::max(0, m_modality->findData(s.modality)));
  m_k->setValue(s.k);

  m_table->setObjectName(QStringLiteral("evalTable"));
  m_table->setColumnCount(ColumnCount);
  m_table->setHorizontalHeaderLabels({tr("Case"), tr("Status"), tr("Dice"), tr("Sensitivity"), tr("Precision"),
                                      tr("HD95 (mm)"), tr("Predicted (mL)"), tr("True (mL)"), tr("Baseline Dice"),
                                      tr("Reason")});
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setSelectionMode(QAbstractItemView::SingleSelection);
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->verticalHeader()->setVisible(false);
  m_table->horizontalHeader()->setStretchLastSection(true);
  m_table->setToolTip(tr("Double-click a case to open its image with the prediction (red) and the truth (green)"));

  auto* fields = new QGridLayout;
  fields->addWidget(new QLabel(tr("Predictions"), this), 0, 0);
  fields->addWidget(folderRow(m_predictions, this, tr("Folder of predicted masks")), 0, 1);
  fields->addWidget(new QLabel(tr("Ground truth"), this), 0, 2);
  fields->addWidget(folderRow(m_truth, this, tr("Folder of ground-truth segmentations")), 0, 3);
  fields->addWidget(new QLabel(tr("Write results to"), this), 1, 0);
  fields->addWidget(folderRow(m_output, this, tr("Evaluation output folder")), 1, 1);
  auto* baseline = new QHBoxLayout;
  baseline->addWidget(m_baseline);
  baseline->addWidget(new QLabel(tr("Image"), this));
  baseline->addWidget(m_modality);
  baseline->addWidget(new QLabel(tr("k"), this));
  baseline->addWidget(m_k);
  baseline->addStretch(1);
  fields->addLayout(baseline, 1, 2, 1, 2);
  fields->setColumnStretch(1, 1);
  fields->setColumnStretch(3, 1);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(m_run);
  buttons->addWidget(m_cancel);
  buttons->addWidget(m_open);
  buttons->addStretch(1);
  buttons->addWidget(m_progress);
  m_progress->setFixedWidth(320);
  // The plot keeps its aspect ratio, so width beyond its height's worth is wasted on it: the table takes more.
  auto* split = new QSplitter(Qt::Horizontal, this);
  split->addWidget(m_table);
  split->addWidget(m_plot);
  split->setStretchFactor(0, 2);
  split->setStretchFactor(1, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(fields);
  layout->addLayout(buttons);
  layout->addWidget(split, 1);
  layout->addWidget(m_summary);
  layout->addWidget(m_status);

  for (QLineEdit* edit : {m_predictions, m_truth, m_output})
    connect(edit, &QLineEdit::editingFinished, this, &EvalPanel::save);
  connect(m_baseline, &QCheckBox::toggled, this, [this](bool on) {
    m_modality->setEnabled(on && !m_running);
    m_k->setEnabled(on && !m_running);
    save();
  });
  connect(m_modality, &QComboBox::currentIndexChanged, this, &EvalPanel::save);
  connect(m_k, &QDoubleSpinBox::valueChanged, this, &EvalPanel::save);
  connect(m_run, &QPushButton::clicked, this, [this] { start(); });
  connect(m_cancel, &QPushButton::clicked, this, &EvalPanel::cancel);
  connect(m_open, &QPushButton::clicked, this, &EvalPanel::openResultsDialog);
  connect(&m_sink, &QtProgressSink::progressed, this, [this](double fraction, const QString&, const QString& what) {
    m_progress->setValue(static_cast<int>(fraction * 1000));
    // evaluate() names the case it is about to score.
    if (!what.isEmpty() && !m_job.cancelRequested()) m_status->setText(tr("Scoring %1...").arg(what));
  });
  connect(m_table, &QTableWidget::cellDoubleClicked, this, [this](int row, int) { openRow(row); });
  setRunning(false);
}

EvalPanel::~EvalPanel() = default;

void EvalPanel::waitForFinished() { m_job.waitForFinished(); }

void EvalPanel::save() {
  EvalSettings s = m_settings->evaluation();
  s.predictionsFolder = m_predictions->text().trimmed();
  s.truthFolder = m_truth->text().trimmed();
  s.outputFolder = m_output->text().trimmed();
  s.baseline = m_baseline->isChecked();
  s.modality = m_modality->currentData().toString();
  s.k = m_k->value();
  m_settings->setEvaluation(s);
}

void EvalPanel::setRunning(bool running) {
  m_running = running;
  m_run->setEnabled(!running);
  m_open->setEnabled(!running);
  m_cancel->setEnabled(running);
  m_progress->setVisible(running);
  for (QWidget* w : std::initializer_list<QWidget*>{m_predictions, m_truth, m_output, m_baseline})
    w->setEnabled(!running);
  m_modality->setEnabled(!running && m_baseline->isChecked());
  m_k->setEnabled(!running && m_baseline->isChecked());
}

void EvalPanel::fail(const QString& title, std::exception_ptr error) {
  const ErrorText text = describeException(error);
  m_status->setText(tr("%1: %2").arg(title, text.message));
  Q_EMIT errorOccurred(title, text.message, text.detail);
  Q_EMIT finished(false, text.message);
}

bool EvalPanel::start() {
  if (m_running) return false;
  save();
  const QString predictions = m_predictions->text().trimmed();
  const QString truth = m_truth->text().trimmed();
  if (predictions.isEmpty() || truth.isEmpty()) {
    fail(tr("Cannot evaluate"),
         std::make_exception_ptr(Error(ErrorKind::InvalidArgument, predictions.isEmpty()
                                                                     ? "choose the folder of predictions"
                                                                     : "choose the ground-truth folder")));
    return false;
  }
  pipeline::EvalOptions options;
  options.predDir = predictions.toStdString();
  options.truthDir = truth.toStdString();
  if (m_baseline->isChecked()) {
    pipeline::BaselineOptions baseline;
    baseline.modality = m_modality->currentData().toString().toStdString();
    baseline.k = m_k->value();
    options.baseline = baseline;
  }
  m_writtenTo = m_output->text().trimmed();
  const fs::path out = m_writtenTo.toStdString();
  m_progress->setValue(0);
  m_status->setText(tr("Evaluating..."));
  QtProgressSink* sink = &m_sink;
  setRunning(true);
  m_job.start([options, out, sink](const CancelToken& cancel) {
    EvalOutcome outcome;
    try {
      ProgressScope scope(*sink, "eval", cancel);
      auto report = std::make_shared<pipeline::EvalReport>(pipeline::evaluate(options, &scope));
      if (!out.empty()) pipeline::writeEvalReport(*report, out);
      outcome.plot = toQImage(pipeline::renderDicePlot(*report));
      outcome.report = std::move(report);
    } catch (const Cancelled&) {
      outcome.cancelled = true;
    } catch (...) {
      outcome.error = std::current_exception();
    }
    return outcome;
  });
  return true;
}

void EvalPanel::cancel() {
  if (!m_running) return;
  m_job.cancel();
  m_cancel->setEnabled(false);
  m_status->setText(tr("Cancelling..."));
}

void EvalPanel::onFinished() {
  const EvalOutcome outcome = m_job.result();
  setRunning(false);
  if (outcome.cancelled) {
    m_status->setText(tr("Cancelled."));
    Q_EMIT finished(false, QString());
    return;
  }
  if (outcome.error) return fail(tr("Evaluation failed"), outcome.error);
  showReport(outcome.report, outcome.plot);
  const pipeline::EvalSummary& s = outcome.report->summary;
  QString status = tr("%n case(s) evaluated", nullptr, static_cast<int>(outcome.report->rows.size()));
  if (!m_writtenTo.isEmpty())
    status += tr("; wrote %1").arg(toQString(fs::path(m_writtenTo.toStdString()) / "eval.{csv,json,md,png}"));
  m_status->setText(status);
  // As strega-cli eval: an evaluation that scored nothing is an error (the table says why for each case).
  if (s.scored == 0)
    return fail(tr("Evaluation failed"),
                std::make_exception_ptr(
                  Error(ErrorKind::InvalidInput, "no case could be scored (the table gives the reason for each)")));
  Q_EMIT finished(true, m_summary->text());
}

void EvalPanel::openResultsDialog() {
  const EvalSettings s = m_settings->evaluation();
  const QString start = !s.resultsFolder.isEmpty() ? s.resultsFolder : s.outputFolder;
  const QString folder = QFileDialog::getExistingDirectory(this, tr("Folder of eval.json"), start);
  if (!folder.isEmpty()) openResults(folder);
}

bool EvalPanel::openResults(const QString& path) {
  if (m_running) return false;
  try {
    auto report = std::make_shared<const pipeline::EvalReport>(pipeline::readEvalReport(path.toStdString()));
    showReport(report, toQImage(pipeline::renderDicePlot(*report)));
  } catch (...) {
    fail(tr("Cannot open the evaluation results"), std::current_exception());
    return false;
  }
  EvalSettings s = m_settings->evaluation();
  s.resultsFolder = path;
  m_settings->setEvaluation(s);
  m_status->setText(tr("Results of %1 (predictions %2, truth %3)")
                      .arg(path, toQString(m_report->predDir), toQString(m_report->truthDir)));
  Q_EMIT finished(true, m_summary->text());
  return true;
}

void EvalPanel::showReport(std::shared_ptr<const pipeline::EvalReport> report, const QImage& plot) {
  m_report = std::move(report);
  const pipeline::EvalReport& r = *m_report;
  m_table->clearContents();
  m_table->setRowCount(static_cast<int>(r.rows.size()));
  m_table->setColumnHidden(BaselineColumn, !r.baseline.has_value());
  for (int row = 0; row < static_cast<int>(r.rows.size()); ++row) {
    const pipeline::EvalRow& e = r.rows[static_cast<std::size_t>(row)];
    const auto& s = e.scores;
    const QString status = s ? tr("ok") : e.predictionMissing ? tr("missing") : tr("failed");
    QString reason = QString::fromStdString(e.reason);
    if (!e.baselineReason.empty())
      reason += (reason.isEmpty() ? QString() : QStringLiteral("; ")) + QString::fromStdString(e.baselineReason);
    const QString texts[ColumnCount] = {QString::fromStdString(e.caseName),
                                        status,
                                        s ? fixed(s->dice, 3) : QString(),
                                        s ? fixed(s->sensitivity, 3) : QString(),
                                        s ? fixed(s->precision, 3) : QString(),
                                        s ? fixed(s->hd95Mm, 1) : QString(),
                                        s ? fixed(s->predictedVolumeMl, 2) : QString(),
                                        s ? fixed(s->trueVolumeMl, 2) : QString(),
                                        e.baseline ? fixed(e.baseline->dice, 3) : QString(),
                                        reason};
    for (int c = 0; c < ColumnCount; ++c) {
      auto* item = new QTableWidgetItem(texts[c]);
      if (c >= DiceColumn && c <= BaselineColumn) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      m_table->setItem(row, c, item);
    }
    m_table->item(row, StatusColumn)
      ->setForeground(s                     ? QColor(0, 130, 0)
                      : e.predictionMissing ? QColor(150, 110, 0)
                                            : QColor(200, 40, 40));
    m_table->item(row, ReasonColumn)->setToolTip(reason);
  }
  m_table->resizeColumnsToContents();
  m_table->horizontalHeader()->setStretchLastSection(true);
  m_summary->setText(QString::fromStdString(pipeline::evalSummaryLine(r)));
  m_plot->setImage(plot);
}

void EvalPanel::openRow(int row) {
  if (!m_report || row < 0 || row >= static_cast<int>(m_report->rows.size())) return;
  const pipeline::EvalRow& e = m_report->rows[static_cast<std::size_t>(row)];
  const std::string modality =
    m_report->baseline ? m_report->baseline->modality : m_modality->currentData().toString().toStdString();
  if (const auto request = caseToOpen(e, modality)) {
    Q_EMIT openRequested(*request);
  } else {
    m_status->setText(tr("No image of %1 was found beside its ground truth or in a run output folder")
                        .arg(QString::fromStdString(e.caseName)));
  }
}

} // namespace strega::ui
