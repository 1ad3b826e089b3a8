#pragma once
/// \file
/// \brief Model files: the project's own versioned checkpoint format, and import of weights exported from
/// Python (TorchScript modules, torch.save'd state_dicts, safetensors).

#include "strega/model/CceVae.h"
#include "strega/model/ModelConfig.h"
#include "strega/model/NamedTensor.h"

#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace strega::model {

/// Version written into new checkpoints under the key "strega_checkpoint".
inline constexpr int kCheckpointFormatVersion = 1;

/// \brief What a model file holds besides its weights.
struct CheckpointInfo {
  /// "strega-checkpoint", "safetensors", "torchscript" or "torch.save"
  std::string format;
  int formatVersion = 0; ///< strega-checkpoint only
  ModelConfig config;    ///< stored (strega-checkpoint) or inferred from the parameter shapes (imports)
  std::map<std::string, std::string> metadata; ///< training metadata (strega-checkpoint) or safetensors metadata
  bool hasOptimizerState = false;              ///< a resumable training checkpoint
  std::string trainingLogCsv;                  ///< the loss history stored in a training checkpoint (may be empty)
};

/// \brief Settings for importing weights that carry no StRegA configuration.
struct ImportOptions {
  /// Field of view of the model grid (mm); NaN: 256 mm for 256-pixel models (1 mm pixels, the reference
  /// pre-processing), else ModelConfig::compact()'s 240 mm.
  double fieldOfViewMm = std::numeric_limits<double>::quiet_NaN();
};

/// Save `model` (weights, config, `metadata`) in the project format: a LibTorch archive (zip) with the keys
/// strega_checkpoint (format version), config (key=value text), metadata (key=value text) and model (the
/// weights by parameter name). Written atomically.
void saveModel(const CceVae& model, const std::filesystem::path& path,
               const std::map<std::string, std::string>& metadata = {});

/// Load any supported model file, recognised by content: a strega checkpoint, a safetensors file, a TorchScript
/// module saved by torch.jit.save, or a state_dict saved by torch.save (bare, or inside {'state_dict': ...} as
/// the authors' training checkpoints store it). Parameter names may carry a "model." prefix. Without a stored
/// config the architecture is inferred from the shapes. Unreadable, truncated or foreign files and weights of
/// another architecture throw Error(Model) with the reason; a missing file Error(Io).
CceVae loadModel(const std::filesystem::path& path, CheckpointInfo* info = nullptr, const ImportOptions& options = {});

/// Format, config and metadata of a model file (reads the file; does not build the network).
CheckpointInfo inspectModel(const std::filesystem::path& path, const ImportOptions& options = {});

/// The named weights of any supported file as float32, names as stored (prefixes kept), plus what is known
/// about the file.
std::vector<NamedTensor> readWeights(const std::filesystem::path& path, CheckpointInfo* info = nullptr);

/// The architecture implied by cceVAE parameter shapes (names with or without prefix). Throws Error(Model)
/// naming the first parameter that is missing or inconsistent.
ModelConfig inferConfig(const std::vector<NamedTensor>& weights, const ImportOptions& options = {});

/// Write the weights as safetensors (F32), names prefixed with `prefix` (e.g. "model."), with the config in
/// the metadata.
void exportSafetensors(const CceVae& model, const std::filesystem::path& path, const std::string& prefix = "");

/// key=value lines with '\\' and newlines escaped (the metadata form inside checkpoints), and back.
std::string encodeKeyValues(const std::map<std::string, std::string>& values);
std::map<std::string, std::string> decodeKeyValues(const std::string& text);

} // namespace strega::model
