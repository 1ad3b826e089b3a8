#pragma once
// Internal to pipeline/model: training checkpoints carry the optimizer state (torch types).

#include "strega/model/Checkpoint.h"

#include <torch/torch.h>

namespace strega::model::detail {

/// Write a strega checkpoint with the optional training log and optimizer state, atomically.
void saveCheckpointArchive(const CceVae& model, const std::filesystem::path& path,
                           const std::map<std::string, std::string>& metadata, const std::string& trainingLogCsv,
                           torch::optim::Optimizer* optimizer);
/// Restore the optimizer state stored in a strega checkpoint onto `device`; throws Error(Model) if it has none.
void loadOptimizerState(const std::filesystem::path& path, torch::optim::Optimizer& optimizer,
                        const torch::Device& device);

} // namespace strega::model::detail
