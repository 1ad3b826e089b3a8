// strega-cli train: train the cceVAE on healthy tissue maps (METHOD.md §3).
#include "Commands.h"

#if STREGA_HAVE_MODEL
#include "TerminalProgress.h"

#include "strega/core/Error.h"
#include "strega/io/ImageReader.h"
#include "strega/model/Training.h"
#include "strega/model/TrainingSet.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#endif

namespace strega::cli {

#if STREGA_HAVE_MODEL
namespace {

namespace fs = std::filesystem;
using namespace strega::model;

/// Shell-style wildcard match of a file name ('*' any run, '?' one character).
bool wildcardMatch(std::string_view pattern, std::string_view name) {
  std::size_t p = 0, n = 0, star = std::string_view::npos, mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p;
      ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*')
    ++p;
  return p == pattern.size();
}

/// The volumes to train on: files as given; folders searched recursively for `pattern`, or, when nothing
/// matches it, for any NIfTI file.
std::vector<fs::path> collectInputs(const std::vector<std::string>& inputs, const std::string& pattern) {
  std::vector<fs::path> files;
  for (const auto& input : inputs) {
    std::error_code ec;
    if (fs::is_regular_file(input, ec)) {
      files.emplace_back(input);
      continue;
    }
    if (!fs::is_directory(input, ec)) throw Error(ErrorKind::Io, "no such file or folder: " + input);
    std::vector<fs::path> matched, nifti;
    for (const auto& entry : fs::recursive_directory_iterator(input, fs::directory_options::skip_permission_denied)) {
      if (!entry.is_regular_file()) continue;
      const std::string name = entry.path().filename().string();
      if (wildcardMatch(pattern, name)) matched.push_back(entry.path());
      if (wildcardMatch("*.nii", name) || wildcardMatch("*.nii.gz", name)) nifti.push_back(entry.path());
    }
    auto& chosen = matched.empty() ? nifti : matched;
    std::sort(chosen.begin(), chosen.end());
    if (chosen.empty()) throw Error(ErrorKind::InvalidInput, "no NIfTI tissue maps found in " + input);
    files.insert(files.end(), chosen.begin(), chosen.end());
  }
  return files;
}

} // namespace
#endif

void registerTrain(CLI::App& app, Context& context, int& exitCode) {
#if STREGA_HAVE_MODEL
  auto* cmd = app.add_subcommand(
    "train", "Train the cceVAE on healthy tissue maps (label maps 0-3 or [0,1] maps, NIfTI); resumable");
  struct Args {
    std::vector<std::string> inputs;
    std::string output, config = "compact", pattern = "*tissue*.nii*", init, device = "auto", precision = "auto",
                        preset;
    int batch = 0, threads = 0, maxBoxes = -1, latent = 0;
    std::vector<int> featureMaps;
    double fovMm = 0;
    long long steps = -1, checkpointEvery = -1;
    double epochs = -1, lr = -1, validation = -1, klWeight = -1, contextWeight = -1;
    double rotationDeg = -1, scaleRange = -1, translation = -1, elasticMm = -1, intensityProbability = -1;
    long long seed = -1;
    bool noResume = false, lastBoxOnly = false, noAugmentation = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("INPUT", a->inputs, "tissue-map files or folders (searched recursively for --pattern)")->required();
  cmd->add_option("-o,--output", a->output, "output folder: checkpoint.pt, model.pt, loss.csv, loss.png")->required();
  cmd->add_option("--preset", a->preset, "default-model: the recipe of the shipped model (options given also apply)");
  cmd->add_option("--config", a->config, "model configuration: compact (default) or reference");
  cmd->add_option("--latent", a->latent, "custom latent size z (the configuration becomes 'custom')");
  cmd->add_option("--feature-maps", a->featureMaps, "custom feature maps, four numbers: --feature-maps 16 32 64 128")
    ->expected(4);
  cmd->add_option("--fov-mm", a->fovMm, "custom field of view of the model grid in mm (pixel size = fov / input size)");
  cmd->add_option("--pattern", a->pattern,
                  "file-name pattern inside folders (default *tissue*.nii*; falls back to "
                  "every NIfTI file when nothing matches)");
  cmd->add_option("--batch-size", a->batch, "slices per batch (default 16)");
  cmd->add_option("--steps", a->steps, "total optimisation steps (default: from --epochs)");
  cmd->add_option("--epochs", a->epochs, "passes over the training slices when --steps is not given (default 10)");
  cmd->add_option("--seed", a->seed, "random seed (default 1)");
  cmd->add_option("--lr", a->lr, "Adam learning rate (default 1e-4)");
  cmd->add_option("--kl-weight", a->klWeight, "beta, the weight of the KL term of the loss (default 0.01)")
    ->check(CLI::NonNegativeNumber);
  cmd
    ->add_option("--context-weight", a->contextWeight,
                 "ce, the share of the context-encoding term of the loss, 0..1 (default 0.5)")
    ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--validation", a->validation, "fraction held out for validation (default 0.1)");
  cmd->add_option("--checkpoint-every", a->checkpointEvery, "steps between checkpoints (default 100)");
  cmd->add_flag("--no-resume", a->noResume, "start afresh even if OUTPUT/checkpoint.pt exists (it is overwritten)");
  cmd->add_option("--init", a->init, "start from these weights (fine-tuning)");
  cmd->add_option("--max-boxes", a->maxBoxes, "context-encoding boxes per slice, 0..N (default 2)");
  cmd->add_flag("--last-box-only", a->lastBoxOnly, "apply only the last box, as the authors' code does");
  cmd->add_flag("--no-augmentation", a->noAugmentation, "no deformations or intensity changes");
  cmd->add_option("--augment-rotation-deg", a->rotationDeg, "in-plane rotation uniform in +-this (degrees)")
    ->check(CLI::Range(0.0, 180.0));
  cmd
    ->add_option("--augment-scale", a->scaleRange, "isotropic scale uniform in 1 +- this (plus a third of it per axis)")
    ->check(CLI::Range(0.0, 0.9));
  cmd->add_option("--augment-translation", a->translation, "shift uniform in +-this fraction of the field of view")
    ->check(CLI::Range(0.0, 0.5));
  cmd->add_option("--augment-elastic-mm", a->elasticMm, "elastic deformation: SD of the control-point shifts (mm)")
    ->check(CLI::NonNegativeNumber);
  cmd
    ->add_option("--augment-intensity-probability", a->intensityProbability,
                 "share of slices whose class values, contrast (gamma), bias and noise are perturbed, 0..1")
    ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--device", a->device, "auto (default), cpu, cuda or cuda:N");
  cmd->add_option("--precision", a->precision, "auto (bf16 autocast on CUDA), fp32, fp16 or bf16");
  cmd->add_option("--threads", a->threads, "CPU threads (default: all cores)");
  cmd->callback([a, &context, &exitCode] {
    exitCode = runCommand([&] {
      TrainOptions o;
      if (!a->preset.empty()) {
        if (a->preset != "default-model")
          throw Error(ErrorKind::InvalidArgument, "unknown preset '" + a->preset + "' (use default-model)");
        applyDefaultModelPreset(o); // Training.h
      } else {
        o.config = ModelConfig::byName(a->config);
      }
      if (!a->preset.empty() && a->config != "compact") o.config = ModelConfig::byName(a->config);
      if (a->latent > 0 || !a->featureMaps.empty() || a->fovMm > 0) {
        if (a->latent > 0) o.config.latentDim = a->latent;
        if (!a->featureMaps.empty())
          std::copy(a->featureMaps.begin(), a->featureMaps.end(), o.config.featureMaps.begin());
        if (a->fovMm > 0) o.config.fieldOfViewMm = a->fovMm;
        o.config.name = o.config.nameFromShape();
        o.config.validate();
      }
      o.outputDir = a->output;
      o.initialWeights = a->init;
      if (a->batch > 0) o.batchSize = a->batch;
      if (a->steps >= 0) o.steps = a->steps;
      if (a->epochs > 0) o.epochs = a->epochs, o.steps = a->steps >= 0 ? a->steps : 0;
      if (a->seed >= 0) o.seed = static_cast<std::uint64_t>(a->seed);
      if (a->lr > 0) o.learningRate = a->lr;
      if (a->klWeight >= 0) o.klWeight = a->klWeight;
      if (a->contextWeight >= 0) o.contextWeight = a->contextWeight;
      if (a->validation >= 0) o.validationFraction = a->validation;
      if (a->checkpointEvery > 0) o.checkpointEvery = a->checkpointEvery;
      if (a->maxBoxes >= 0) o.maxBoxes = a->maxBoxes;
      o.lastBoxOnly = a->lastBoxOnly;
      o.augmentation.enabled = !a->noAugmentation;
      if (a->rotationDeg >= 0) o.augmentation.rotationDegrees = a->rotationDeg;
      if (a->scaleRange >= 0) o.augmentation.scaleRange = a->scaleRange;
      if (a->translation >= 0) o.augmentation.translationFraction = a->translation;
      if (a->elasticMm >= 0) o.augmentation.elasticPixels = a->elasticMm / o.config.pixelSizeMm();
      if (a->intensityProbability >= 0) o.augmentation.intensityProbability = a->intensityProbability;
      o.resume = !a->noResume;
      o.device = a->device;
      o.precision = a->precision;
      o.threads = a->threads;
      if (a->noResume) std::filesystem::remove(fs::path(o.outputDir) / "checkpoint.pt");

      TerminalProgress bar(context.quiet);
      ProgressScope progress(bar, "train", context.cancel);
      TrainingSet data(o.config);
      {
        const auto files = collectInputs(a->inputs, a->pattern);
        ProgressScope load(progress, "load", 0.0, 0.02);
        for (std::size_t i = 0; i < files.size(); ++i) {
          load.update(static_cast<double>(i) / files.size(), files[i].filename().string());
          const auto loaded = io::readImage(files[i]);
          const auto added = data.addVolume(toModelInput(loaded.image), files[i].filename().string());
          if (added == 0) load.warn(files[i].string() + " has no non-empty slice: skipped");
        }
      }
      if (data.sliceCount() == 0) throw Error(ErrorKind::InvalidInput, "the inputs hold no non-empty slice");
      TrainResult r;
      {
        ProgressScope run(progress, "steps", 0.02, 1.0);
        r = train(data, o, run);
      }
      bar.finish();
      std::printf("trained %s model on %zu volume(s): %zu training / %zu validation slices (%s)\n",
                  o.config.name.c_str(), data.volumeCount(), r.trainingSlices, r.validationSlices, r.device.c_str());
      std::printf("steps %lld-%lld of %lld%s, %.3f steps/s (%.2f s/step)\n", static_cast<long long>(r.firstStep),
                  static_cast<long long>(r.lastStep), static_cast<long long>(r.lastStep), r.resumed ? " (resumed)" : "",
                  r.stepsPerSecond, r.stepsPerSecond > 0 ? 1.0 / r.stepsPerSecond : 0.0);
      if (r.validationSlices > 0)
        std::printf("loss %.5g (mean over the last interval), validation loss %.5g\n", r.finalLoss,
                    r.finalValidationLoss);
      else
        std::printf("loss %.5g (mean over the last interval), no validation slices held out\n", r.finalLoss);
      std::printf("model       %s\ncheckpoint  %s\nloss curve  %s, %s\n", r.modelPath.c_str(), r.checkpointPath.c_str(),
                  r.csvPath.c_str(), r.plotPath.c_str());
    });
  });
#else
  (void)app;
  (void)context;
  (void)exitCode;
#endif
}

} // namespace strega::cli
