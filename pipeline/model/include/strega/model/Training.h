#pragma once
/// \file
/// \brief Training the cceVAE on healthy tissue maps (METHOD.md §3): augmentation, context-encoding boxes, the
/// ceVAE loss, Adam, validation, checkpoints with resume, loss curve.

#include "strega/core/ProgressScope.h"
#include "strega/model/ModelConfig.h"
#include "strega/model/TrainingLog.h"
#include "strega/model/TrainingSet.h"

#include <cstdint>
#include <filesystem>
#include <string>

namespace strega::model {

/// \brief Random deformations and intensity changes applied to every training batch (model-grid pixels).
///
/// On tissue label maps "intensity" means perturbing the class values (0, 1/3, 2/3, 1) slightly, a gamma
/// curve (contrast), a smooth multiplicative bias field and a little noise, all inside the brain only; the
/// background stays 0.
struct AugmentationOptions {
  bool enabled = true;
  double rotationDegrees = 15.0;     ///< uniform in ±this
  double scaleRange = 0.15;          ///< isotropic scale uniform in [1 - r, 1 + r], plus ±r/3 anisotropy
  double translationFraction = 0.08; ///< shift uniform in ±this of the image side
  bool flipLeftRight = true;         ///< mirror with probability 1/2
  double elasticProbability = 0.8;
  double elasticPixels = 4.0;   ///< std. dev. of the control-point displacements (pixels)
  int elasticControlPoints = 6; ///< control grid side (smooth deformation)
  double intensityProbability = 0.8;
  double classJitter = 0.04; ///< class values shifted by uniform ±this
  double gammaRange = 0.25;  ///< gamma uniform in [1/(1 + r), 1 + r]
  double biasField = 0.06;   ///< multiplicative field amplitude
  double noiseStd = 0.02;    ///< Gaussian noise inside the brain
};

/// \brief Everything that defines a training run (recorded in the checkpoint's metadata).
struct TrainOptions {
  ModelConfig config = ModelConfig::compact();
  std::filesystem::path outputDir;      ///< checkpoint.pt, model.pt, loss.csv, loss.png go here (required)
  std::filesystem::path initialWeights; ///< optional model file to start from (fine-tuning)
  int batchSize = 16;
  std::int64_t steps = 0;            ///< total optimisation steps; 0: derived from epochs
  double epochs = 10.0;              ///< passes over the training slices (when steps == 0)
  std::uint64_t seed = 1;            ///< weights, batches, augmentation, boxes and sampling all derive from it
  double learningRate = 1e-4;        ///< Adam
  double contextWeight = 0.5;        ///< ce
  double klWeight = 0.01;            ///< β
  double reconstructionWeight = 1.0; ///< θ
  int maxBoxes = 2;                  ///< context-encoding boxes per slice: uniform 0..maxBoxes
  bool lastBoxOnly = false;          ///< reproduce the authors' code, which keeps only the last box
  AugmentationOptions augmentation;
  double validationFraction = 0.1;    ///< see TrainingSet::split()
  int validationSlices = 256;         ///< at most this many validation slices per evaluation
  std::int64_t checkpointEvery = 100; ///< steps between checkpoints (also validation, CSV and PNG)
  bool resume = true;                 ///< continue from outputDir/checkpoint.pt when it exists
  std::string device = "auto";        ///< auto | cpu | cuda | cuda:N
  std::string precision = "auto";     ///< auto (bf16 autocast on CUDA, fp32 on the CPU) | fp32 | fp16 | bf16
  int threads = 0;                    ///< CPU threads (0 = all cores)

  /// key=value text of all options (the checkpoint's record of how a model was trained).
  std::string toKeyValueText() const;
};

/// \brief Outcome of train().
struct TrainResult {
  std::int64_t firstStep = 0; ///< first step run in this call (1 for a fresh run)
  std::int64_t lastStep = 0;  ///< total steps done
  bool resumed = false;
  std::string device;
  double stepsPerSecond = 0.0; ///< of this call
  double finalLoss = 0.0;      ///< mean training loss over the last checkpoint interval
  double finalValidationLoss = 0.0;
  std::size_t trainingSlices = 0, validationSlices = 0;
  std::filesystem::path modelPath, checkpointPath, csvPath, plotPath;
  TrainingLog log;
};

/// The recipe of the shipped default model (resources/models/MODEL_CARD.md): the compact network over a 192 mm
/// field of view (1.5 mm pixels), one subject's anatomy under augmentation sized to atlas-registered inputs,
/// batch 16, learning rate 5e-4, 12,000 steps, seed 1.
/// Leaves outputDir, device, threads and precision alone.
void applyDefaultModelPreset(TrainOptions& options);

/// Train on `data` as `options` say. Writes outputDir/checkpoint.pt (resumable: weights, Adam state, log) every
/// checkpointEvery steps and at the end, and outputDir/model.pt (weights + config + metadata only), loss.csv and
/// loss.png. Progress (loss, ETA) goes to `progress`; cancellation there saves a checkpoint and then throws
/// strega::Cancelled. Deterministic on the CPU for a fixed seed and thread count: every step's randomness
/// derives from (seed, step), so a resumed run continues exactly as an uninterrupted one.
TrainResult train(const TrainingSet& data, const TrainOptions& options, ProgressScope& progress);

} // namespace strega::model
