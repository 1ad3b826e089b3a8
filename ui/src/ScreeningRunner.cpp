#include "ScreeningRunner.h"

#include "strega/core/Error.h"
#include "strega/model/CceVae.h"
#include "strega/model/Checkpoint.h"
#include "strega/report/CaseReportWriter.h"

#include <QtConcurrent/QtConcurrentRun>

#include <chrono>

namespace strega::ui {

namespace fs = std::filesystem;

ScreeningRequest screeningRequestFor(const LoadedCase& shown) {
  ScreeningRequest request;
  // A BraTS case is screened as a case folder (the pipeline picks the modality as the viewer does); anything else
  // through the image the viewer read (a run output's input, a DICOM folder or a file).
  request.input = shown.kind == InputKind::BratsCase ? shown.source : shown.imagePath;
  request.seriesUid = shown.info.seriesUid;
  return request;
}

fs::path defaultOutputFolder(const pipeline::CaseInput& input, const fs::path& root) {
  const fs::path base = root.empty() ? fs::absolute(input.path).parent_path() : root;
  return base / (input.id + "_strega");
}

LoadedCase caseFromRun(const LoadedCase& shown, const pipeline::CaseResult& result, const fs::path& outputFolder) {
  LoadedCase c;
  c.kind = shown.kind;
  c.source = shown.source;
  c.imagePath = shown.imagePath;
  c.title = shown.title;
  c.info = shown.info;
  c.image = std::make_shared<const ImageF>(result.nativeImage);
  c.residual = std::make_shared<const ImageF>(result.residual);
  c.anomalyMask = std::make_shared<const Mask>(result.mask);
  c.brainMask = std::make_shared<const Mask>(result.brainMask);
  c.tissue = std::make_shared<const Mask>(static_cast<const Mask&>(result.tissue));
  c.reference = shown.reference;
  c.hasReport = true;
  c.scoreThreshold = result.threshold;
  c.dicomSeries = result.dicomSeries ? result.dicomSeries : shown.dicomSeries;
  c.outputFolder = outputFolder;
  for (const postprocess::Finding& f : result.findings)
    c.findings.push_back({f.id, f.volumeMl, f.region, f.regions, f.peakScore, f.centroidMm});
  c.warnings = result.warnings;
  return c;
}

ScreeningRunner::ScreeningRunner(QObject* parent) : QObject(parent) {
  connect(&m_sink, &QtProgressSink::progressed, this,
          [this](double fraction, const QString& stage, const QString&) { Q_EMIT progressed(fraction, stage); });
  connect(&m_watcher, &QFutureWatcher<ScreeningOutcome>::finished, this, [this] {
    m_running = false;
    Q_EMIT finished(m_watcher.result());
  });
}

ScreeningRunner::~ScreeningRunner() {
  m_cancel.requestCancel();
  m_watcher.waitForFinished();
}

void ScreeningRunner::cancel() {
  if (m_running) m_cancel.requestCancel();
}

void ScreeningRunner::waitForFinished() { m_watcher.waitForFinished(); }

model::CceVae& ScreeningRunner::modelFor(const fs::path& path) {
  std::lock_guard lock(m_modelMutex);
  if (!m_model || m_modelPath != path) {
    m_model.reset();
    m_model = std::make_shared<model::CceVae>(model::loadModel(path));
    m_modelPath = path;
  }
  return *m_model;
}

bool ScreeningRunner::start(const ScreeningRequest& request, const pipeline::RunOptions& runOptions) {
  if (m_running) return false;
  m_running = true;
  m_cancel = CancelToken();
  const CancelToken cancel = m_cancel;
  m_watcher.setFuture(QtConcurrent::run([this, request, runOptions, cancel] {
    const auto started = std::chrono::steady_clock::now();
    ScreeningOutcome outcome;
    try {
      pipeline::RunOptions options = runOptions;
      if (!request.seriesUid.empty()) options.seriesUid = request.seriesUid;
      if (options.modelPath.empty()) options.modelPath = pipeline::defaultModelPath();
      const pipeline::CaseInput input = pipeline::resolveCase(request.input, options.modality);
      outcome.outputFolder = defaultOutputFolder(input, request.outputRoot);
      ProgressScope progress(m_sink, "", cancel);
      // A failed or cancelled run must leave no mask of an earlier one behind (the output folder contract).
      pipeline::removeStaleMask(outcome.outputFolder);
      model::CceVae* net = nullptr;
      {
        ProgressScope stage(progress, "load model", 0.0, 0.02);
        net = &modelFor(options.modelPath);
      }
      auto result = std::make_shared<pipeline::CaseResult>([&] {
        ProgressScope stage(progress, "run", 0.02, 0.92);
        return pipeline::runCase(input, *net, options, stage);
      }());
      {
        ProgressScope stage(progress, "write", 0.92, 1.0);
        pipeline::writeCaseOutputs(*result, outcome.outputFolder, options, report::htmlReportWriter(options), &stage);
      }
      outcome.result = std::move(result);
    } catch (const Cancelled&) {
      outcome.cancelled = true;
    } catch (...) {
      outcome.error = std::current_exception();
    }
    outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return outcome;
  }));
  return true;
}

} // namespace strega::ui
