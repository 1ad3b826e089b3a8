#pragma once
/// \file
/// \brief The pipeline options shared by `strega-cli run` and `strega-cli batch`.

#include "strega/pipeline/CaseRunner.h"

#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <string>

namespace strega::cli {

/// \brief Command-line values of the pipeline options, before they become a pipeline::RunOptions.
struct RunArgs {
  std::string series, modality, model, device = "auto", config, contrast, precision, score;
  int threads = 0, samples = -1;
  std::optional<double> threshold;
  double minAreaMm2 = -1.0, smoothingMm = -1.0, maxMemoryMb = -1.0, openingRadiusMm = -1.0;
  bool noFillHoles = false, skipRegistration = false, forceRegistration = false, noDeformable = false, noHtml = false,
       noSeg = false;
};

/// Add the pipeline options to `cmd`.
void addRunOptions(CLI::App* cmd, RunArgs& args);

/// The RunOptions of `args`: defaults, then --config's JSON, then the explicit options. The model path is
/// resolved (defaultModelPath() when --model is absent).
pipeline::RunOptions buildRunOptions(const RunArgs& args);

} // namespace strega::cli
