#include "RunArgs.h"

#include "strega/core/Error.h"
#include "strega/postprocess/Postprocess.h"

#include <fstream>
#include <sstream>
#include <string>

namespace strega::cli {

void addRunOptions(CLI::App* cmd, RunArgs& a) {
  cmd->add_option("--series", a.series, "SeriesInstanceUID to take when a DICOM folder holds several");
  cmd->add_option("--modality", a.modality, "BraTS case folders: modality to screen (default t2, then flair, t1)");
  cmd->add_option("--model", a.model, "model file (default: the shipped strega-compact-colin27.pt or $STREGA_MODEL)");
  cmd->add_option("--device", a.device, "auto (CUDA when available, else CPU), cpu, cuda, cuda:N");
  cmd->add_option("--threads", a.threads, "CPU threads for the model (0 = all cores)");
  cmd->add_option("--config", a.config, "JSON file with pipeline settings (the 'config' object of a report.json)");
  cmd->add_option("--threshold", a.threshold, "fixed threshold on the anomaly score instead of Otsu's");
  cmd->add_option("--min-area-mm2", a.minAreaMm2,
                  "per-slice area opening: smallest kept component (default " +
                    std::to_string(static_cast<int>(postprocess::kDefaultMinAreaMm2)) + "; 256 = the paper's)");
  cmd
    ->add_option("--opening-radius-mm", a.openingRadiusMm,
                 "3D opening of the mask with a ball of this radius (default 2; 0 = none, as the paper)")
    ->check(CLI::Range(0.0, 10.0));
  cmd->add_flag("--no-fill-holes", a.noFillHoles,
                "do not fill the holes of the thresholded mask slice by slice (the paper does not)");
  cmd->add_option("--smoothing-mm", a.smoothingMm,
                  "Gaussian smoothing (sigma, mm) of the score inside the brain before thresholding (default 0)");
  cmd->add_option("--samples", a.samples, "average N sampled reconstructions (default 0: decode mu)");
  cmd
    ->add_option("--score", a.score,
                 "anomaly score: residual (default, the paper's) or combi (ceVAE: smoothed |dKL/dx| x squared error)")
    ->check(CLI::IsMember({"residual", "combi"}));
  cmd->add_option("--contrast", a.contrast, "tissue intensity order: auto (default), t1, t2");
  cmd->add_option("--precision", a.precision, "fp32 (default), bf16, fp16 (CUDA autocast)");
  cmd
    ->add_option("--max-memory", a.maxMemoryMb,
                 "refuse a case whose estimated peak memory exceeds this many MiB (default: what is available)")
    ->check(CLI::NonNegativeNumber);
  auto* skip = cmd->add_flag("--skip-registration", a.skipRegistration,
                             "input is skull-stripped and in atlas-like space already: work on its own grid");
  cmd->add_flag("--register", a.forceRegistration, "always register (also 240x240x155 skull-stripped inputs)")
    ->excludes(skip);
  cmd->add_flag("--no-deformable", a.noDeformable, "affine registration only");
  cmd->add_flag("--no-html", a.noHtml, "do not write report.html");
  cmd->add_flag("--no-seg", a.noSeg, "do not write seg.dcm for DICOM inputs");
}

pipeline::RunOptions buildRunOptions(const RunArgs& a) {
  pipeline::RunOptions o;
  if (!a.config.empty()) {
    std::ifstream in(a.config);
    if (!in) throw Error(ErrorKind::Io, "cannot read the config file " + a.config);
    std::stringstream text;
    text << in.rdbuf();
    pipeline::applyRunOptionsJson(text.str(), o);
  }
  if (!a.series.empty()) o.seriesUid = a.series;
  if (!a.modality.empty()) o.modality = a.modality;
  if (!a.model.empty()) o.modelPath = a.model;
  if (a.device != "auto" || a.config.empty()) o.inference.device = a.device;
  if (a.threads > 0) o.inference.threads = a.threads;
  if (a.samples >= 0) o.inference.samples = a.samples;
  if (!a.score.empty()) o.residual.score = postprocess::parseScoreKind(a.score);
  if (!a.precision.empty()) o.inference.precision = model::parsePrecision(a.precision);
  if (a.threshold) o.postprocess.fixedThreshold = *a.threshold;
  if (a.minAreaMm2 >= 0.0) o.postprocess.minAreaMm2 = a.minAreaMm2;
  if (a.openingRadiusMm >= 0.0) o.postprocess.openingRadiusMm = a.openingRadiusMm;
  if (a.noFillHoles) o.postprocess.fillHoles = false;
  if (a.smoothingMm >= 0.0) o.postprocess.smoothingMm = a.smoothingMm;
  if (a.maxMemoryMb >= 0.0) o.maxMemoryMb = a.maxMemoryMb;
  if (!a.contrast.empty()) o.preprocess.tissue.contrast = preprocess::parseContrast(a.contrast);
  if (a.skipRegistration) o.preprocess.registrationMode = preprocess::RegistrationMode::Skip;
  if (a.forceRegistration) o.preprocess.registrationMode = preprocess::RegistrationMode::Register;
  if (a.noDeformable) o.preprocess.registration.deformable = false;
  if (a.noHtml) o.htmlReport = false;
  if (a.noSeg) o.dicomSeg = false;
  if (o.modelPath.empty()) o.modelPath = pipeline::defaultModelPath();
  return o;
}

} // namespace strega::cli
