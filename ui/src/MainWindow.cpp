#include "strega/ui/MainWindow.h"

#include "AppSettings.h"
#include "BatchPanel.h"
#include "Dialogs.h"
#include "EvalPanel.h"
#include "LayerPanel.h"
#include "QtProgressSink.h"
#include "ScreeningPanel.h"
#include "ScreeningRunner.h"
#include "SeriesBrowserDialog.h"
#include "SliceView.h"
#include "View3D.h"
#include "ViewLayout.h"
#include "ViewerModel.h"

#include "strega/core/Error.h"
#include "strega/io/DicomSegWriter.h"
#include "strega/io/ImageReader.h"
#include "strega/io/ImageWriter.h"
#include "strega/render/Sampling.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QScrollArea>
#include <QStatusBar>
#include <QTableWidget>
#include <QToolBar>
#include <QToolButton>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cstdio>
#include <filesystem>

namespace strega::ui {

namespace {

/// The result of a background load: a case, or the exception that stopped it.
struct LoadOutcome {
  std::shared_ptr<LoadedCase> loaded;
  std::exception_ptr error;
  bool cancelled = false;
};

struct ScanOutcome {
  std::vector<io::ImageInfo> entries;
  std::exception_ptr error;
};

/// Overlays of a case with their appearance: defaults per role, overridden by the saved settings.
std::vector<Overlay> makeOverlays(const LoadedCase& c, const AppSettings& settings) {
  std::vector<Overlay> overlays;
  auto addLabels = [&](OverlayRole role, std::shared_ptr<const Mask> labels, render::LabelStyle defaults,
                       QStringList names) {
    if (!labels) return;
    Overlay o;
    o.role = role;
    o.name = displayName(role);
    o.labels = std::move(labels);
    o.label = settings.labelStyle(role, defaults);
    o.label.labelColours = defaults.labelColours;
    o.labelNames = std::move(names);
    overlays.push_back(std::move(o));
  };
  if (c.residual) {
    Overlay o;
    o.role = OverlayRole::Residual;
    o.name = displayName(o.role);
    o.values = c.residual;
    render::HeatStyle defaults;
    defaults.opacity = 0.6;
    // The run's own threshold when the report gives it; else the upper scores: above the 95th percentile of the
    // non-background voxels and at least a quarter of the 99.9th, where the colour map saturates.
    if (const auto range = render::percentileRange(*c.residual, 95.0, 99.9, true)) {
      defaults.threshold = std::max(range->first, 0.25 * range->second);
      defaults.maximum = range->second;
    }
    if (c.scoreThreshold) defaults.threshold = *c.scoreThreshold;
    defaults.maximum = std::max(defaults.maximum, defaults.threshold + 1e-6);
    o.heat = settings.heatStyle(o.role, defaults);
    o.heat.threshold = defaults.threshold;
    o.heat.maximum = defaults.maximum;
    overlays.push_back(std::move(o));
  }
  addLabels(OverlayRole::Tissue, c.tissue,
            {false, 0.35, render::MaskMode::Fill, {200, 200, 200}, render::tissuePalette()},
            {QObject::tr("CSF"), QObject::tr("Grey matter"), QObject::tr("White matter")});
  addLabels(OverlayRole::BrainMask, c.brainMask, {true, 0.7, render::MaskMode::Outline, {0, 200, 255}, {}}, {});
  if (c.reference) {
    const auto voxels = c.reference->voxels();
    const bool multiLabel = std::any_of(voxels.begin(), voxels.end(), [](std::uint8_t v) { return v > 1; });
    render::LabelStyle defaults{true, 0.4, render::MaskMode::Fill, {60, 220, 60}, {}};
    QStringList names;
    if (multiLabel) {
      defaults.labelColours = render::segmentationPalette();
      names = {QObject::tr("Necrotic core (1)"), QObject::tr("Oedema (2)"), QObject::tr("Label 3"),
               QObject::tr("Enhancing (4)")};
    }
    addLabels(OverlayRole::Reference, c.reference, defaults, names);
  }
  addLabels(OverlayRole::AnomalyMask, c.anomalyMask, {true, 0.5, render::MaskMode::Fill, {255, 30, 30}, {}}, {});
  return overlays;
}

QString formatNumber(double v) { return QString::number(v, 'f', 1); }

} // namespace

struct MainWindow::Private {
  AppSettings settings;
  QtProgressSink progressSink;
  CancelToken cancel;
  QFutureWatcher<LoadOutcome> loadWatcher;
  QFutureWatcher<ScanOutcome> scanWatcher;
  bool loading = false;
  QString loadingPath;
  QProgressBar* progress = nullptr;
  QToolButton* cancelButton = nullptr;
  QMenu* recentMenu = nullptr;
  QDockWidget* layersDock = nullptr;
  QDockWidget* findingsDock = nullptr;
  QDockWidget* screeningDock = nullptr;
  QDockWidget* batchDock = nullptr;
  BatchPanel* batchPanel = nullptr;
  QDockWidget* evalDock = nullptr;
  EvalPanel* evalPanel = nullptr;
  LayerPanel* layerPanel = nullptr;
  ScreeningPanel* screeningPanel = nullptr;
  ScreeningRunner runner;
  std::shared_ptr<const LoadedCase> screened; ///< the case a run screens (its title and image information)
  QList<QAction*> actions;
  QAction* exportMask = nullptr;
  QAction* screenshot = nullptr;
  QAction* exportSeg = nullptr;
  QAction* exportHtml = nullptr;
  QAction* run = nullptr;
  QAction* cancelRun = nullptr;
  QAction* closeCase = nullptr;
  QAction* autoWindow = nullptr;
  QAction* crosshair = nullptr;
  QAction* neurological = nullptr;
  QAction* mode = nullptr;
  std::map<OverlayRole, QAction*> toggles;
  std::array<QAction*, 5> layoutActions{};
};

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), d(std::make_unique<Private>()) {
  setObjectName(QStringLiteral("mainWindow"));
  setWindowTitle(tr("StRegA"));
  setAcceptDrops(true);
  m_model = new ViewerModel(this);
  m_model->setConvention(d->settings.convention());
  m_axial = new SliceView(m_model, render::ViewAxis::Axial);
  m_sagittal = new SliceView(m_model, render::ViewAxis::Sagittal);
  m_coronal = new SliceView(m_model, render::ViewAxis::Coronal);
  m_view3D = new View3D(m_model);
  m_layout = new ViewLayout({m_axial, m_sagittal, m_coronal, m_view3D}, this);
  setCentralWidget(m_layout);
  for (SliceView* view : {m_axial, m_sagittal, m_coronal})
    connect(view, &SliceView::maximiseRequested, this, [this, view] { m_layout->toggleMaximised(view); });
  connect(m_view3D, &View3D::maximiseRequested, this, [this] { m_layout->toggleMaximised(m_view3D); });

  // Side panels.
  d->layerPanel = new LayerPanel(m_model, &d->settings);
  auto* scroll = new QScrollArea;
  scroll->setWidget(d->layerPanel);
  scroll->setWidgetResizable(true);
  d->layersDock = new QDockWidget(tr("Layers"), this);
  d->layersDock->setObjectName(QStringLiteral("layersDock"));
  d->layersDock->setWidget(scroll);
  scroll->setMinimumWidth(300);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  addDockWidget(Qt::RightDockWidgetArea, d->layersDock);
  d->findingsDock = new QDockWidget(tr("Findings"), this);
  d->findingsDock->setObjectName(QStringLiteral("findingsDock"));
  d->findingsDock->setWidget(new FindingsPanel(m_model));
  addDockWidget(Qt::RightDockWidgetArea, d->findingsDock);
  d->findingsDock->hide();
  d->screeningPanel = new ScreeningPanel(&d->settings);
  d->screeningDock = new QDockWidget(tr("Screening"), this);
  d->screeningDock->setObjectName(QStringLiteral("screeningDock"));
  d->screeningDock->setWidget(d->screeningPanel);
  addDockWidget(Qt::RightDockWidgetArea, d->screeningDock);
  tabifyDockWidget(d->layersDock, d->screeningDock);
  d->layersDock->raise();
  connect(d->screeningPanel, &ScreeningPanel::runRequested, this, [this] { runScreening(); });
  connect(d->screeningPanel, &ScreeningPanel::cancelRequested, this, [this] { cancelRun(); });
  connect(&d->runner, &ScreeningRunner::progressed, d->screeningPanel, &ScreeningPanel::setProgress);
  connect(&d->runner, &ScreeningRunner::finished, this, &MainWindow::finishRun);
  // The batch screens with the Screening panel's settings, as the Run action does.
  d->batchPanel = new BatchPanel(&d->settings, [panel = d->screeningPanel] { return panel->runOptions(); });
  d->batchDock = new QDockWidget(tr("Batch"), this);
  d->batchDock->setObjectName(QStringLiteral("batchDock"));
  d->batchDock->setWidget(d->batchPanel);
  addDockWidget(Qt::BottomDockWidgetArea, d->batchDock);
  d->batchDock->hide();
  connect(d->batchPanel, &BatchPanel::openRequested, this, [this](const QString& folder) { open(folder); });
  connect(d->batchPanel, &BatchPanel::errorOccurred, this,
          [this](const QString& title, const QString& message, const QString& detail) {
            reportError(title, message, detail);
          });
  d->evalPanel = new EvalPanel(&d->settings);
  d->evalDock = new QDockWidget(tr("Evaluation"), this);
  d->evalDock->setObjectName(QStringLiteral("evalDock"));
  d->evalDock->setWidget(d->evalPanel);
  addDockWidget(Qt::BottomDockWidgetArea, d->evalDock);
  tabifyDockWidget(d->batchDock, d->evalDock);
  d->evalDock->hide();
  connect(d->evalPanel, &EvalPanel::openRequested, this, [this](const LoadRequest& request) { openCase(request); });
  connect(d->evalPanel, &EvalPanel::errorOccurred, this,
          [this](const QString& title, const QString& message, const QString& detail) {
            reportError(title, message, detail);
          });

  // Status bar: cursor read-out, load progress with Cancel.
  m_cursorLabel = new QLabel(this);
  m_cursorLabel->setObjectName(QStringLiteral("cursorLabel"));
  m_cursorLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
  statusBar()->addWidget(m_cursorLabel, 1);
  d->progress = new QProgressBar(this);
  d->progress->setRange(0, 1000);
  d->progress->setMaximumWidth(220);
  d->progress->hide();
  d->cancelButton = new QToolButton(this);
  d->cancelButton->setText(tr("Cancel"));
  d->cancelButton->hide();
  statusBar()->addPermanentWidget(d->progress);
  statusBar()->addPermanentWidget(d->cancelButton);
  connect(d->cancelButton, &QToolButton::clicked, this, [this] { d->cancel.requestCancel(); });
  connect(&d->progressSink, &QtProgressSink::progressed, this,
          [this](double fraction, const QString& stage, const QString&) {
            d->progress->setValue(static_cast<int>(fraction * 1000));
            d->progress->setFormat(stage.isEmpty() ? QStringLiteral("%p%") : stage + QStringLiteral(" %p%"));
          });
  connect(&d->loadWatcher, &QFutureWatcher<LoadOutcome>::finished, this, &MainWindow::finishLoad);
  connect(&d->scanWatcher, &QFutureWatcher<ScanOutcome>::finished, this, [this] {
    ScanOutcome outcome = d->scanWatcher.result();
    const QString folder = d->loadingPath;
    d->loading = false;
    if (outcome.error) return fail(tr("Cannot open %1").arg(folder), outcome.error);
    if (outcome.entries.empty()) {
      return fail(tr("Cannot open %1").arg(folder),
                  std::make_exception_ptr(Error(ErrorKind::InvalidInput, "no image was found in the folder")));
    }
    if (outcome.entries.size() == 1 || (!m_interactive && !outcome.entries.empty())) {
      const auto& info = outcome.entries.front();
      return startLoad(LoadRequest{info.path, info.seriesUid});
    }
    d->progress->hide();
    d->cancelButton->hide();
    // Window-modal but not blocking: no nested event loop.
    auto* browser = new SeriesBrowserDialog(std::move(outcome.entries), this);
    browser->setAttribute(Qt::WA_DeleteOnClose);
    connect(browser, &QDialog::finished, this, [this, browser](int result) {
      const auto chosen = browser->selected();
      if (result != QDialog::Accepted || !chosen) {
        updateActions();
        Q_EMIT loadFinished(false, QString());
        return;
      }
      startLoad(LoadRequest{chosen->path, chosen->seriesUid});
    });
    browser->open();
  });

  connect(m_model, &ViewerModel::cursorChanged, this, &MainWindow::updateCursorReadout);
  connect(m_model, &ViewerModel::caseChanged, this, &MainWindow::updateActions);
  connect(m_model, &ViewerModel::overlayStyleChanged, this, &MainWindow::updateActions);

  createActions();
  m_layout->setMaximised(d->settings.layout());
  connect(m_layout, &ViewLayout::layoutChanged, this, [this](int maximised) {
    d->settings.setLayout(maximised);
    if (d->layoutActions[static_cast<std::size_t>(maximised + 1)])
      d->layoutActions[static_cast<std::size_t>(maximised + 1)]->setChecked(true);
  });
  if (d->layoutActions[static_cast<std::size_t>(m_layout->maximised() + 1)])
    d->layoutActions[static_cast<std::size_t>(m_layout->maximised() + 1)]->setChecked(true);
  resize(1400, 900);
  if (!d->settings.windowGeometry().isEmpty()) restoreGeometry(d->settings.windowGeometry());
  if (!d->settings.windowState().isEmpty()) restoreState(d->settings.windowState());
  updateActions();
  updateCursorReadout();
}

MainWindow::~MainWindow() {
  d->cancel.requestCancel();
  d->runner.cancel();
  d->runner.waitForFinished();
  // Workers may be rendering report pictures: they end before the 3D view (and its VTK scene) goes.
  d->batchPanel->cancel();
  d->batchPanel->waitForFinished();
  d->evalPanel->cancel();
  d->evalPanel->waitForFinished();
  d->loadWatcher.waitForFinished();
  d->scanWatcher.waitForFinished();
}

SliceView* MainWindow::sliceView(render::ViewAxis axis) const {
  switch (axis) {
  case render::ViewAxis::Axial: return m_axial;
  case render::ViewAxis::Coronal: return m_coronal;
  case render::ViewAxis::Sagittal: return m_sagittal;
  }
  return m_axial;
}

QList<QAction*> MainWindow::shortcutActions() const { return d->actions; }

ScreeningPanel* MainWindow::screeningPanel() const { return d->screeningPanel; }

BatchPanel* MainWindow::batchPanel() const { return d->batchPanel; }

EvalPanel* MainWindow::evalPanel() const { return d->evalPanel; }

bool MainWindow::isLoading() const { return d->loading; }

void MainWindow::setInteractive(bool interactive) { m_interactive = interactive; }

void MainWindow::createActions() {
  auto add = [this](QMenu* menu, const QString& text, const QKeySequence& keys, auto slot) {
    QAction* action = menu->addAction(text);
    if (!keys.isEmpty()) action->setShortcut(keys);
    connect(action, &QAction::triggered, this, slot);
    d->actions.append(action);
    addAction(action); // shortcuts work even with the menu bar hidden
    return action;
  };

  QMenu* file = menuBar()->addMenu(tr("&File"));
  add(file, tr("&Open File..."), QKeySequence::Open, [this] { openFileDialog(); });
  add(file, tr("Open &Folder (DICOM, BraTS case, run output)..."), QKeySequence(tr("Ctrl+Shift+O")),
      [this] { openFolderDialog(); });
  d->recentMenu = file->addMenu(tr("Open &Recent"));
  updateRecentMenu();
  file->addSeparator();
  d->exportMask =
    add(file, tr("&Export Anomaly Mask as NIfTI..."), QKeySequence(tr("Ctrl+E")), [this] { exportMaskDialog(); });
  d->exportSeg = add(file, tr("Export Anomaly Mask as &DICOM SEG..."), QKeySequence(tr("Ctrl+Shift+E")),
                     [this] { exportDicomSegDialog(); });
  d->exportHtml =
    add(file, tr("Export &HTML Report..."), QKeySequence(tr("Ctrl+Shift+H")), [this] { exportHtmlReportDialog(); });
  d->screenshot = add(file, tr("Save &Screenshot of the Views..."), QKeySequence(tr("Ctrl+Shift+S")),
                      [this] { saveScreenshotDialog(); });
  file->addSeparator();
  d->closeCase = add(file, tr("&Close Image"), QKeySequence::Close, [this] {
    m_model->clear();
    setWindowTitle(tr("StRegA"));
  });
  add(file, tr("&Quit"), QKeySequence::Quit, [this] { close(); });

  QMenu* view = menuBar()->addMenu(tr("&View"));
  auto* layoutGroup = new QActionGroup(this);
  const QString layoutNames[5] = {tr("&2 x 2 Layout"), tr("Maximise &Axial"), tr("Maximise &Sagittal"),
                                  tr("Maximise &Coronal"), tr("Maximise 3&D")};
  for (int i = 0; i < 5; ++i) {
    QAction* a = add(view, layoutNames[i], QKeySequence(QStringLiteral("Ctrl+%1").arg(i)),
                     [this, i] { m_layout->setMaximised(i - 1); });
    a->setCheckable(true);
    layoutGroup->addAction(a);
    d->layoutActions[static_cast<std::size_t>(i)] = a;
  }
  view->addSeparator();
  add(view, tr("&Reset Views"), QKeySequence(tr("Ctrl+R")), [this] {
    for (SliceView* v : {m_axial, m_sagittal, m_coronal})
      v->resetView();
    m_view3D->resetCamera();
  });
  add(view, tr("C&entre Views on Cursor"), QKeySequence(tr("C")), [this] { m_model->requestCentreOnCursor(); });
  d->crosshair = add(view, tr("Show Cross&hair"), QKeySequence(tr("X")), [this](bool on) {
    for (SliceView* v : {m_axial, m_sagittal, m_coronal})
      v->setCrosshairVisible(on);
  });
  d->crosshair->setCheckable(true);
  d->crosshair->setChecked(true);
  d->neurological =
    add(view, tr("&Neurological Convention (patient's right on the right)"), QKeySequence(), [this](bool on) {
      const auto convention = on ? render::DisplayConvention::Neurological : render::DisplayConvention::Radiological;
      m_model->setConvention(convention);
      d->settings.setConvention(convention);
    });
  d->neurological->setCheckable(true);
  d->neurological->setChecked(m_model->convention() == render::DisplayConvention::Neurological);
  view->addSeparator();
  d->layersDock->toggleViewAction()->setShortcut(QKeySequence(tr("Ctrl+Shift+L")));
  d->findingsDock->toggleViewAction()->setShortcut(QKeySequence(tr("Ctrl+Shift+F")));
  view->addAction(d->layersDock->toggleViewAction());
  view->addAction(d->findingsDock->toggleViewAction());
  d->actions.append(d->layersDock->toggleViewAction());
  d->actions.append(d->findingsDock->toggleViewAction());

  QMenu* overlays = menuBar()->addMenu(tr("&Overlays"));
  d->autoWindow = add(overlays, tr("&Automatic Window/Level"), QKeySequence(tr("A")), [this] {
    if (m_model->hasImage()) m_model->setWindowLevel(render::autoWindowLevel(*m_model->loadedCase()->image));
  });
  overlays->addSeparator();
  const std::pair<OverlayRole, QString> toggles[] = {{OverlayRole::Residual, tr("H")},
                                                     {OverlayRole::AnomalyMask, tr("M")},
                                                     {OverlayRole::BrainMask, tr("B")},
                                                     {OverlayRole::Tissue, tr("T")},
                                                     {OverlayRole::Reference, tr("G")}};
  for (const auto& [role, key] : toggles) {
    QAction* a = add(overlays, tr("Show %1").arg(displayName(role)), QKeySequence(key), [this, role](bool on) {
      const int index = m_model->overlayIndex(role);
      if (index >= 0) m_model->setOverlayVisible(index, on);
    });
    a->setCheckable(true);
    d->toggles[role] = a;
  }
  d->mode = add(overlays, tr("Anomaly Mask as &Outline"), QKeySequence(tr("O")), [this](bool on) {
    const int index = m_model->overlayIndex(OverlayRole::AnomalyMask);
    if (index < 0) return;
    auto style = m_model->overlays()[static_cast<std::size_t>(index)].label;
    style.mode = on ? render::MaskMode::Outline : render::MaskMode::Fill;
    m_model->setLabelStyle(index, style);
  });
  d->mode->setCheckable(true);

  QMenu* screening = menuBar()->addMenu(tr("&Screening"));
  d->run = add(screening, tr("&Run Screening"), QKeySequence(tr("F5")), [this] { runScreening(); });
  d->run->setObjectName(QStringLiteral("runAction"));
  d->run->setToolTip(tr("Screen the shown scan for anomalies with the Screening panel's settings (F5)"));
  d->cancelRun = add(screening, tr("&Cancel Run"), QKeySequence(tr("Shift+F5")), [this] { cancelRun(); });
  d->cancelRun->setObjectName(QStringLiteral("cancelRunAction"));
  screening->addSeparator();
  d->screeningDock->toggleViewAction()->setShortcut(QKeySequence(tr("Ctrl+Shift+R")));
  screening->addAction(d->screeningDock->toggleViewAction());
  d->actions.append(d->screeningDock->toggleViewAction());
  d->batchDock->toggleViewAction()->setShortcut(QKeySequence(tr("Ctrl+Shift+B")));
  screening->addAction(d->batchDock->toggleViewAction());
  d->actions.append(d->batchDock->toggleViewAction());
  d->evalDock->toggleViewAction()->setShortcut(QKeySequence(tr("Ctrl+Shift+D")));
  screening->addAction(d->evalDock->toggleViewAction());
  d->actions.append(d->evalDock->toggleViewAction());
  addAction(d->evalDock->toggleViewAction()); // its shortcut works with the menu bar hidden, as add()'s do
  add(screening, tr("Open &Evaluation Results..."), QKeySequence(), [this] {
    d->evalDock->show();
    d->evalDock->raise();
    d->evalPanel->openResultsDialog();
  });

  QToolBar* toolbar = addToolBar(tr("Main"));
  toolbar->setObjectName(QStringLiteral("mainToolBar"));
  toolbar->setToolButtonStyle(Qt::ToolButtonTextOnly);
  toolbar->addAction(d->actions.front()); // Open File
  toolbar->addAction(d->actions.at(1));   // Open Folder
  toolbar->addSeparator();
  toolbar->addAction(d->run);
  toolbar->addAction(d->cancelRun);
  toolbar->addSeparator();
  toolbar->addAction(d->screenshot);

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  add(help, tr("&Keyboard Shortcuts"), QKeySequence::HelpContents, [this] {
    QDialog* dialog = makeShortcutsDialog(this, d->actions);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
  });
  add(help, tr("&About StRegA"), QKeySequence(), [this] { QMessageBox::about(this, tr("About StRegA"), aboutText()); });
}

void MainWindow::updateActions() {
  const bool has = m_model->hasImage();
  for (QAction* a : {d->screenshot, d->closeCase, d->autoWindow})
    a->setEnabled(has);
  const bool hasMask = has && m_model->overlayIndex(OverlayRole::AnomalyMask) >= 0;
  d->exportMask->setEnabled(hasMask);
  d->exportSeg->setEnabled(hasMask && m_model->loadedCase()->dicomSeries.has_value());
  std::error_code ec;
  d->exportHtml->setEnabled(has && !m_model->loadedCase()->outputFolder.empty() &&
                            std::filesystem::is_regular_file(m_model->loadedCase()->outputFolder / "report.html", ec));
  const bool running = d->runner.isRunning();
  d->run->setEnabled(has && !running && !d->loading);
  d->cancelRun->setEnabled(running && !d->runner.isCancelling());
  d->screeningPanel->setRunAvailable(has && !d->loading);
  for (auto& [role, action] : d->toggles) {
    const int index = m_model->overlayIndex(role);
    action->setEnabled(index >= 0);
    const QSignalBlocker block(action);
    action->setChecked(index >= 0 && m_model->overlays()[static_cast<std::size_t>(index)].visible());
  }
  const int mask = m_model->overlayIndex(OverlayRole::AnomalyMask);
  d->mode->setEnabled(mask >= 0);
  const QSignalBlocker block(d->mode);
  d->mode->setChecked(mask >= 0 &&
                      m_model->overlays()[static_cast<std::size_t>(mask)].label.mode == render::MaskMode::Outline);
}

void MainWindow::updateRecentMenu() {
  d->recentMenu->clear();
  const QStringList recent = d->settings.recentFiles();
  for (const QString& path : recent) {
    QAction* a = d->recentMenu->addAction(path);
    connect(a, &QAction::triggered, this, [this, path] { open(path); });
  }
  d->recentMenu->setEnabled(!recent.isEmpty());
}

void MainWindow::updateCursorReadout() {
  if (!m_model->hasImage()) {
    m_cursorLabel->setText(tr("Open an image: File > Open, or drop a file or folder on the window."));
    return;
  }
  const Vec3& p = m_model->cursor();
  QString text = tr("LPS (%1, %2, %3) mm").arg(formatNumber(p[0]), formatNumber(p[1]), formatNumber(p[2]));
  const ImageF& image = *m_model->loadedCase()->image;
  if (const auto index = render::nearestVoxel(image.geometry(), p)) {
    text +=
      tr("   voxel (%1, %2, %3)   value %4")
        .arg((*index)[0])
        .arg((*index)[1])
        .arg((*index)[2])
        .arg(static_cast<double>(image.at(static_cast<std::size_t>((*index)[0]), static_cast<std::size_t>((*index)[1]),
                                          static_cast<std::size_t>((*index)[2]))),
             0, 'g', 6);
  } else {
    text += tr("   outside the image");
  }
  for (const Overlay& o : m_model->overlays()) {
    if (o.isHeat()) {
      if (const auto v = render::valueAt(*o.values, p))
        text += tr("   score %1").arg(static_cast<double>(*v), 0, 'g', 4);
    } else if (o.role == OverlayRole::AnomalyMask || o.role == OverlayRole::Reference) {
      if (const auto v = render::valueAt(*o.labels, p); v && *v) text += tr("   %1: %2").arg(o.name).arg(*v);
    }
  }
  m_cursorLabel->setText(text);
}

void MainWindow::openFileDialog() {
  const QString path = QFileDialog::getOpenFileName(
    this, tr("Open image"), d->settings.lastFolder(),
    tr("Images (*.nii *.nii.gz *.nrrd *.nhdr *.mha *.mhd *.dcm report.json);;All files (*)"));
  if (!path.isEmpty()) open(path);
}

void MainWindow::openFolderDialog() {
  const QString path = QFileDialog::getExistingDirectory(this, tr("Open folder"), d->settings.lastFolder());
  if (!path.isEmpty()) open(path);
}

void MainWindow::open(const QString& path) {
  LoadRequest request;
  request.path = path.toStdString();
  openCase(request);
}

void MainWindow::openCase(const LoadRequest& request) {
  const QString path = QString::fromStdString(request.path.string());
  if (d->runner.isRunning()) {
    statusBar()->showMessage(tr("A screening run is in progress: cancel it first"), 4000);
    Q_EMIT loadFinished(false, tr("busy"));
    return;
  }
  if (d->loading) {
    statusBar()->showMessage(tr("Still loading %1").arg(d->loadingPath), 4000);
    Q_EMIT loadFinished(false, tr("busy"));
    return;
  }
  try {
    const InputKind kind = classifyInput(request.path);
    if (kind == InputKind::ImageFolder)
      startScan(path);
    else
      startLoad(request);
  } catch (...) {
    fail(tr("Cannot open %1").arg(path), std::current_exception());
  }
}

void MainWindow::startScan(const QString& folder) {
  d->loading = true;
  updateActions();
  d->loadingPath = folder;
  d->cancel = CancelToken();
  d->progress->setValue(0);
  d->progress->setFormat(tr("scanning %p%"));
  d->progress->show();
  d->cancelButton->show();
  statusBar()->showMessage(tr("Scanning %1...").arg(folder));
  const std::string path = folder.toStdString();
  QtProgressSink* sink = &d->progressSink;
  const CancelToken cancel = d->cancel;
  d->scanWatcher.setFuture(QtConcurrent::run([path, sink, cancel] {
    ScanOutcome outcome;
    try {
      ProgressScope scope(*sink, "scan", cancel);
      outcome.entries = io::scan(path, &scope);
    } catch (...) {
      outcome.error = std::current_exception();
    }
    return outcome;
  }));
}

void MainWindow::startLoad(const LoadRequest& request) {
  const QString path = QString::fromStdString(request.path.string());
  d->loading = true;
  updateActions();
  d->loadingPath = path;
  d->cancel = CancelToken();
  d->progress->setValue(0);
  d->progress->setFormat(tr("loading %p%"));
  d->progress->show();
  d->cancelButton->show();
  statusBar()->showMessage(tr("Loading %1...").arg(path));
  QtProgressSink* sink = &d->progressSink;
  const CancelToken cancel = d->cancel;
  d->loadWatcher.setFuture(QtConcurrent::run([request, sink, cancel] {
    LoadOutcome outcome;
    try {
      ProgressScope scope(*sink, "open", cancel);
      outcome.loaded = std::make_shared<LoadedCase>(loadCase(request, &scope));
    } catch (const Cancelled&) {
      outcome.cancelled = true;
    } catch (...) {
      outcome.error = std::current_exception();
    }
    return outcome;
  }));
}

void MainWindow::finishLoad() {
  LoadOutcome outcome = d->loadWatcher.result();
  d->loading = false;
  updateActions();
  d->progress->hide();
  d->cancelButton->hide();
  statusBar()->clearMessage();
  if (outcome.cancelled) {
    statusBar()->showMessage(tr("Loading cancelled"), 4000);
    Q_EMIT loadFinished(false, QString());
    return;
  }
  if (outcome.error) return fail(tr("Cannot open %1").arg(QFileInfo(d->loadingPath).fileName()), outcome.error);

  const LoadedCase& loaded = *outcome.loaded;
  std::vector<Overlay> overlays = makeOverlays(loaded, d->settings);
  m_model->setCase(outcome.loaded, std::move(overlays));
  const QString source = QString::fromStdString(loaded.source.string());
  d->settings.addRecentFile(source);
  d->settings.setLastFolder(QFileInfo(source).absolutePath());
  updateRecentMenu();
  setWindowTitle(tr("%1 - StRegA").arg(QString::fromStdString(loaded.title)));
  d->findingsDock->setVisible(loaded.hasReport);
  if (!loaded.warnings.empty()) {
    QStringList warnings;
    for (const auto& w : loaded.warnings)
      warnings << QString::fromStdString(w);
    statusBar()->showMessage(warnings.join(QStringLiteral("; ")), 10000);
    if (!m_interactive)
      for (const QString& w : warnings)
        std::fprintf(stderr, "strega: warning: %s\n", qPrintable(w));
  }
  Q_EMIT loadFinished(true, QString());
}

void MainWindow::fail(const QString& title, std::exception_ptr error) {
  d->loading = false;
  d->progress->hide();
  d->cancelButton->hide();
  statusBar()->clearMessage();
  reportError(title, error);
  updateActions();
  Q_EMIT loadFinished(false, describeException(error).message);
}

void MainWindow::reportError(const QString& title, std::exception_ptr error) {
  const ErrorText text = describeException(error);
  reportError(title, text.message, text.detail);
}

void MainWindow::reportError(const QString& title, const QString& message, const QString& detail) {
  if (m_interactive)
    showErrorDialog(this, title, message, detail);
  else
    std::fprintf(stderr, "strega: error: %s: %s\n", qPrintable(title), qPrintable(message));
}

bool MainWindow::isRunning() const { return d->runner.isRunning(); }

bool MainWindow::runScreening() {
  if (!m_model->hasImage() || d->loading || d->runner.isRunning()) return false;
  pipeline::RunOptions options;
  try {
    options = d->screeningPanel->runOptions();
  } catch (...) {
    reportError(tr("Cannot start the screening"), std::current_exception());
    return false;
  }
  d->screened = m_model->loadedCase();
  ScreeningRequest request = screeningRequestFor(*d->screened);
  request.outputRoot = d->screeningPanel->outputRoot().toStdString();
  if (!d->runner.start(request, options)) return false;
  d->screeningPanel->setRunning(true);
  d->screeningPanel->setStatus(QString());
  d->screeningDock->show();
  d->screeningDock->raise();
  statusBar()->showMessage(tr("Screening %1...").arg(QString::fromStdString(d->screened->title)));
  updateActions();
  return true;
}

void MainWindow::cancelRun() {
  if (!d->runner.isRunning()) return;
  d->runner.cancel();
  d->screeningPanel->setCancelling();
  statusBar()->showMessage(tr("Cancelling the screening..."));
  updateActions();
}

void MainWindow::finishRun(const ScreeningOutcome& outcome) {
  d->screeningPanel->setRunning(false);
  statusBar()->clearMessage();
  const std::shared_ptr<const LoadedCase> screened = std::move(d->screened);
  if (outcome.cancelled) {
    d->screeningPanel->setStatus(tr("Cancelled."));
    statusBar()->showMessage(tr("Screening cancelled"), 4000);
    updateActions();
    Q_EMIT runFinished(false, QString());
    return;
  }
  if (outcome.error) {
    const ErrorText text = describeException(outcome.error);
    d->screeningPanel->setStatus(tr("Failed: %1").arg(text.message));
    reportError(tr("Screening failed"), outcome.error);
    updateActions();
    Q_EMIT runFinished(false, text.message);
    return;
  }
  const pipeline::CaseResult& result = *outcome.result;
  auto shown = std::make_shared<LoadedCase>(caseFromRun(*screened, result, outcome.outputFolder));
  std::vector<Overlay> overlays = makeOverlays(*shown, d->settings);
  m_model->setCase(shown, std::move(overlays));
  d->findingsDock->show();
  double totalMl = 0.0;
  for (const auto& f : result.findings)
    totalMl += f.volumeMl;
  const QString folder = QString::fromStdString(outcome.outputFolder.string());
  d->screeningPanel->setStatus(tr("%n finding(s), %1 mL in total (threshold %2, %3, %4 s).\nOutputs: %5", nullptr,
                                  static_cast<int>(result.findings.size()))
                                 .arg(QString::number(totalMl, 'f', 2), QString::number(result.threshold, 'f', 3),
                                      QString::fromStdString(result.device), QString::number(outcome.seconds, 'f', 1),
                                      folder));
  statusBar()->showMessage(tr("Screening finished: outputs in %1").arg(folder), 10000);
  if (!m_interactive)
    for (const auto& w : result.warnings)
      std::fprintf(stderr, "strega: warning: %s\n", w.c_str());
  updateActions();
  Q_EMIT runFinished(true, QString());
}

void MainWindow::exportMaskDialog() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Export anomaly mask"),
                                                    d->settings.lastFolder() + QStringLiteral("/mask.nii.gz"),
                                                    tr("NIfTI (*.nii.gz *.nii)"));
  if (!path.isEmpty()) exportMask(path);
}

bool MainWindow::exportMask(const QString& path) {
  const int index = m_model->overlayIndex(OverlayRole::AnomalyMask);
  try {
    if (index < 0) throw Error(ErrorKind::InvalidArgument, "there is no anomaly mask to export");
    io::writeMask(*m_model->overlays()[static_cast<std::size_t>(index)].labels, path.toStdString());
    statusBar()->showMessage(tr("Mask written to %1").arg(path), 6000);
    return true;
  } catch (...) {
    const ErrorText text = describeException(std::current_exception());
    if (m_interactive)
      showErrorDialog(this, tr("Cannot export the mask"), text.message, text.detail);
    else
      std::fprintf(stderr, "strega: error: cannot export the mask: %s\n", qPrintable(text.message));
    return false;
  }
}

void MainWindow::exportDicomSegDialog() {
  const QString path =
    QFileDialog::getSaveFileName(this, tr("Export DICOM SEG"), d->settings.lastFolder() + QStringLiteral("/seg.dcm"),
                                 tr("DICOM (*.dcm);;All files (*)"));
  if (!path.isEmpty()) exportDicomSeg(path);
}

bool MainWindow::exportDicomSeg(const QString& path) {
  const int index = m_model->overlayIndex(OverlayRole::AnomalyMask);
  try {
    if (index < 0) throw Error(ErrorKind::InvalidArgument, "there is no anomaly mask to export");
    const auto& series = m_model->loadedCase()->dicomSeries;
    if (!series)
      throw Error(ErrorKind::InvalidArgument,
                  "a DICOM SEG needs an image read from a DICOM series (slice by slice); this image is not one");
    io::writeDicomSeg(*m_model->overlays()[static_cast<std::size_t>(index)].labels, *series, path.toStdString());
    statusBar()->showMessage(tr("DICOM SEG written to %1").arg(path), 6000);
    return true;
  } catch (...) {
    reportError(tr("Cannot export the DICOM SEG"), std::current_exception());
    return false;
  }
}

void MainWindow::exportHtmlReportDialog() {
  const QString path = QFileDialog::getSaveFileName(
    this, tr("Export HTML report"), d->settings.lastFolder() + QStringLiteral("/report.html"), tr("HTML (*.html)"));
  if (!path.isEmpty()) exportHtmlReport(path);
}

bool MainWindow::exportHtmlReport(const QString& path) {
  try {
    const std::filesystem::path folder =
      m_model->hasImage() ? m_model->loadedCase()->outputFolder : std::filesystem::path();
    const std::filesystem::path source = folder / "report.html";
    std::error_code ec;
    if (folder.empty() || !std::filesystem::is_regular_file(source, ec))
      throw Error(ErrorKind::InvalidArgument, "this case has no report.html: run the screening first");
    const std::filesystem::path target = path.toStdString();
    if (!std::filesystem::equivalent(source, target, ec)) {
      std::filesystem::copy_file(source, target, std::filesystem::copy_options::overwrite_existing, ec);
      if (ec) throw Error(ErrorKind::Io, "cannot write " + target.string(), ec.message());
    }
    statusBar()->showMessage(tr("HTML report written to %1").arg(path), 6000);
    return true;
  } catch (...) {
    reportError(tr("Cannot export the HTML report"), std::current_exception());
    return false;
  }
}

bool MainWindow::saveLayoutScreenshot(const QString& path) { return m_layout->grab().save(path, "PNG"); }

bool MainWindow::saveWindowScreenshot(const QString& path) { return grab().save(path, "PNG"); }

void MainWindow::saveScreenshotDialog() {
  const QString path = QFileDialog::getSaveFileName(
    this, tr("Save screenshot"), d->settings.lastFolder() + QStringLiteral("/screenshot.png"), tr("PNG image (*.png)"));
  if (path.isEmpty()) return;
  if (saveLayoutScreenshot(path))
    statusBar()->showMessage(tr("Screenshot saved to %1").arg(path), 6000);
  else
    showErrorDialog(this, tr("Cannot save the screenshot"), tr("The file could not be written."), path);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  d->settings.setWindowGeometry(saveGeometry(), saveState());
  QMainWindow::closeEvent(event);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  const QMimeData* mime = event->mimeData();
  if (mime->hasUrls() && !mime->urls().isEmpty() && mime->urls().first().isLocalFile()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  const QList<QUrl> urls = event->mimeData()->urls();
  if (urls.isEmpty() || !urls.first().isLocalFile()) return;
  event->acceptProposedAction();
  open(urls.first().toLocalFile());
}

} // namespace strega::ui
