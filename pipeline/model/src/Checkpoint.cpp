// Model files: the strega checkpoint (a LibTorch archive) and imports from Python.
#include "CceVaeImpl.h"
#include "CheckpointImpl.h"
#include "TorchPickle.h"

#include "strega/core/AtomicOutput.h"
#include "strega/core/Error.h"
#include "strega/core/Version.h"
#include "strega/model/Safetensors.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/frontend/error_report.h>
#include <torch/script.h>

#include <cmath>
#include <cstring>
#include <deque>
#include <fstream>
#include <sstream>

namespace strega::model {
namespace {

namespace fs = std::filesystem;

enum class FileKind { Zip, Safetensors, Other };

FileKind sniff(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw Error(ErrorKind::Io, "model file not found: " + path.string());
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::Io, "cannot open model file " + path.string());
  char head[9] = {};
  in.read(head, 9);
  const auto n = in.gcount();
  if (n >= 4 && std::memcmp(head, "PK\x03\x04", 4) == 0) return FileKind::Zip;
  if (n >= 9) {
    std::uint64_t headerLength = 0;
    std::memcpy(&headerLength, head, 8);
    const auto size = fs::file_size(path);
    if (head[8] == '{' && headerLength + 8 <= size) return FileKind::Safetensors;
    if (head[8] == '{') return FileKind::Safetensors; // a truncated one: let the parser say so
  }
  return FileKind::Other;
}

NamedTensor toNamed(const std::string& name, const torch::Tensor& t) {
  return {name, t.sizes().vec(), detail::tensorToVector(t)};
}

/// Read a strega checkpoint's weights by navigating the nested archives that Module::save wrote.
std::vector<NamedTensor> readArchiveWeights(torch::serialize::InputArchive& archive, const ModelConfig& config) {
  torch::serialize::InputArchive model;
  if (!archive.try_read("model", model))
    throw Error(ErrorKind::Model, "the checkpoint holds no weights", "key 'model' missing");
  std::vector<NamedTensor> weights;
  for (const auto& spec : parameterSpecs(config)) {
    std::vector<std::string> parts;
    std::stringstream ss(spec.name);
    for (std::string part; std::getline(ss, part, '.');)
      parts.push_back(part);
    std::deque<torch::serialize::InputArchive> chain; // archives are move-only: keep each level alive
    bool found = true;
    for (std::size_t i = 0; i + 1 < parts.size() && found; ++i) {
      chain.emplace_back();
      auto& parent = chain.size() == 1 ? model : chain[chain.size() - 2];
      found = parent.try_read(parts[i], chain.back());
    }
    auto& current = chain.empty() ? model : chain.back();
    torch::Tensor t;
    if (!found || !current.try_read(parts.back(), t))
      throw Error(ErrorKind::Model, "the checkpoint lacks parameter " + spec.name);
    weights.push_back(toNamed(spec.name, t));
  }
  return weights;
}

std::string readString(torch::serialize::InputArchive& archive, const std::string& key) {
  c10::IValue value;
  if (!archive.try_read(key, value) || !value.isString()) return {};
  return value.toStringRef();
}

/// The state_dict of a torch.save zip archive, through our own unpickler (see TorchPickle.h).
std::vector<NamedTensor> readTorchSave(const fs::path& path) {
  caffe2::serialize::PyTorchStreamReader reader(path.string());
  if (!reader.hasRecord("data.pkl"))
    throw Error(ErrorKind::Model, "the zip file holds no data.pkl: not a torch.save file");
  auto record = [&](const std::string& name) {
    if (!reader.hasRecord(name))
      throw Error(ErrorKind::Model, "the torch.save file lacks record " + name + " (truncated?)");
    auto [data, size] = reader.getRecord(name);
    return std::string(static_cast<const char*>(data.get()), size);
  };
  return detail::stateDictFromTorchPickle(record("data.pkl"),
                                          [&](const std::string& key) { return record("data/" + key); });
}

/// Checks every pickle of a zip model archive (data.pkl, constants.pkl, code/*.debug_pkl) before LibTorch unpickles
/// it: LibTorch 1.13 fills the length a string claims before finding that the record is shorter.
void checkArchivePickles(const fs::path& path) {
  caffe2::serialize::PyTorchStreamReader reader(path.string());
  for (const std::string& name : reader.getAllRecords()) {
    if (name.size() < 3 || name.compare(name.size() - 3, 3, "pkl") != 0) continue;
    auto [data, size] = reader.getRecord(name);
    detail::checkPickleLengths(std::string(static_cast<const char*>(data.get()), size), name);
  }
}

std::map<std::string, std::string> baseMetadata() {
  return {{"strega_version", strega::versionString()}, {"git_commit", strega::gitCommit()}};
}

} // namespace

std::string encodeKeyValues(const std::map<std::string, std::string>& values) {
  std::string out;
  for (const auto& [k, v] : values) {
    out += k + "=";
    for (char c : v) {
      if (c == '\\')
        out += "\\\\";
      else if (c == '\n')
        out += "\\n";
      else
        out += c;
    }
    out += '\n';
  }
  return out;
}

std::map<std::string, std::string> decodeKeyValues(const std::string& text) {
  std::map<std::string, std::string> values;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string v;
    for (std::size_t i = eq + 1; i < line.size(); ++i) {
      if (line[i] == '\\' && i + 1 < line.size()) {
        v += line[i + 1] == 'n' ? '\n' : line[i + 1];
        ++i;
      } else {
        v += line[i];
      }
    }
    values[line.substr(0, eq)] = v;
  }
  return values;
}

ModelConfig inferConfig(const std::vector<NamedTensor>& weights, const ImportOptions& options) {
  std::map<std::string, const NamedTensor*> byName;
  for (const auto& w : weights)
    byName[detail::canonicalParameterName(w.name)] = &w;
  auto shapeOf = [&](const std::string& name, std::size_t dims) -> const std::vector<std::int64_t>& {
    auto it = byName.find(name);
    if (it == byName.end()) throw Error(ErrorKind::Model, "not a cceVAE checkpoint: parameter " + name + " is missing");
    if (it->second->shape.size() != dims)
      throw Error(ErrorKind::Model, "not a cceVAE checkpoint: parameter " + name + " has " +
                                      std::to_string(it->second->shape.size()) + " dimensions");
    return it->second->shape;
  };
  ModelConfig c;
  c.featureMaps[0] = static_cast<int>(shapeOf("enc.start.conv.weight", 4)[0]);
  c.featureMaps[1] = static_cast<int>(shapeOf("enc.middle_blocks.1.conv.weight", 4)[0]);
  c.featureMaps[2] = static_cast<int>(shapeOf("enc.middle_blocks.3.conv.weight", 4)[0]);
  c.featureMaps[3] = static_cast<int>(shapeOf("enc.middle_blocks.5.conv.weight", 4)[0]);
  const auto& end = shapeOf("enc.end.conv.weight", 4);
  if (end[0] % 2 != 0 || end[2] != end[3])
    throw Error(ErrorKind::Model, "not a cceVAE checkpoint: parameter enc.end.conv.weight has shape " +
                                    ParameterSpec{"", end}.shapeText());
  c.latentDim = static_cast<int>(end[0] / 2);
  c.inputSize = static_cast<int>(end[2] * 16);
  if (std::isfinite(options.fieldOfViewMm))
    c.fieldOfViewMm = options.fieldOfViewMm;
  else
    c.fieldOfViewMm = c.inputSize == 256 ? 256.0 : ModelConfig::compact().fieldOfViewMm;
  c.name = c.sameArchitecture(ModelConfig::reference()) ? "reference"
           : c.sameArchitecture(ModelConfig::compact()) ? "compact"
                                                        : "custom";
  try {
    c.validate();
  } catch (const Error& e) {
    throw Error(ErrorKind::Model, "not a cceVAE checkpoint: " + e.userMessage());
  }
  return c;
}

void detail::saveCheckpointArchive(const CceVae& model, const fs::path& path,
                                   const std::map<std::string, std::string>& metadata,
                                   const std::string& trainingLogCsv, torch::optim::Optimizer* optimizer) {
  auto meta = baseMetadata();
  for (const auto& [k, v] : metadata)
    meta[k] = v;
  try {
    torch::serialize::OutputArchive archive;
    archive.write("strega_checkpoint", c10::IValue(static_cast<int64_t>(kCheckpointFormatVersion)));
    archive.write("config", c10::IValue(model.config().toKeyValueText()));
    archive.write("metadata", c10::IValue(encodeKeyValues(meta)));
    if (!trainingLogCsv.empty()) archive.write("training_log", c10::IValue(trainingLogCsv));
    torch::serialize::OutputArchive weights;
    model.impl().net->save(weights);
    archive.write("model", weights);
    if (optimizer) {
      torch::serialize::OutputArchive state;
      optimizer->save(state);
      archive.write("optimizer", state);
    }
    if (!path.parent_path().empty()) fs::create_directories(path.parent_path());
    AtomicOutput out(path);
    archive.save_to(out.tempPath().string());
    out.commit();
  } catch (...) {
    detail::rethrowAsModelError("could not write the checkpoint " + path.string());
  }
}

void detail::loadOptimizerState(const fs::path& path, torch::optim::Optimizer& optimizer, const torch::Device& device) {
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path.string(), device);
    torch::serialize::InputArchive state;
    if (!archive.try_read("optimizer", state))
      throw Error(ErrorKind::Model, "the checkpoint " + path.string() + " holds no optimizer state (not resumable)");
    optimizer.load(state);
  } catch (...) {
    detail::rethrowAsModelError("could not restore the optimizer state from " + path.string());
  }
}

void saveModel(const CceVae& model, const fs::path& path, const std::map<std::string, std::string>& metadata) {
  detail::saveCheckpointArchive(model, path, metadata, {}, nullptr);
}

std::vector<NamedTensor> readWeights(const fs::path& path, CheckpointInfo* infoOut) {
  CheckpointInfo info;
  std::vector<NamedTensor> weights;
  const FileKind kind = sniff(path);
  const std::string unreadable = "cannot read the model file " + path.string();
  if (kind == FileKind::Safetensors) {
    auto file = SafetensorsFile::read(path);
    info.format = "safetensors";
    info.metadata = file.metadata();
    weights = file.tensors();
  } else if (kind == FileKind::Zip) {
    // A strega checkpoint and a TorchScript module are both TorchScript archives; torch.save zips are not.
    std::string scriptError;
    try {
      checkArchivePickles(path);
      torch::serialize::InputArchive archive;
      archive.load_from(path.string(), torch::kCPU);
      c10::IValue version;
      if (archive.try_read("strega_checkpoint", version)) {
        info.format = "strega-checkpoint";
        info.formatVersion = version.isInt() ? static_cast<int>(version.toInt()) : 0;
        if (info.formatVersion < 1 || info.formatVersion > kCheckpointFormatVersion)
          throw Error(ErrorKind::Model, "the checkpoint " + path.string() + " has format version " +
                                          std::to_string(info.formatVersion) + "; this program reads 1 to " +
                                          std::to_string(kCheckpointFormatVersion));
        info.config = ModelConfig::fromKeyValueText(readString(archive, "config"));
        info.metadata = decodeKeyValues(readString(archive, "metadata"));
        info.trainingLogCsv = readString(archive, "training_log");
        torch::serialize::InputArchive optimizer;
        info.hasOptimizerState = archive.try_read("optimizer", optimizer);
        weights = readArchiveWeights(archive, info.config);
      } else {
        torch::jit::Module module = torch::jit::load(path.string(), torch::kCPU);
        info.format = "torchscript";
        for (const auto& p : module.named_parameters(true))
          weights.push_back(toNamed(p.name, p.value));
        if (weights.empty())
          for (const auto& b : module.named_buffers(true))
            if (b.value.is_floating_point()) weights.push_back(toNamed(b.name, b.value));
      }
    } catch (const Error&) {
      throw;
    } catch (const torch::jit::ErrorReport&) {
      // Not e.what(): for mangled TorchScript source LibTorch 1.13 throws from inside it, which terminates.
      scriptError = "its TorchScript code does not compile";
    } catch (const std::exception& e) {
      scriptError = e.what();
    }
    if (info.format.empty()) {
      try {
        weights = readTorchSave(path);
        info.format = "torch.save";
      } catch (const Error&) {
        throw;
      } catch (const std::exception& e) {
        throw Error(ErrorKind::Model, unreadable + ": truncated, corrupt or not a model file",
                    std::string("as TorchScript: ") + scriptError.substr(0, 300) + "; as torch.save: " + e.what());
      }
    }
  } else {
    throw Error(ErrorKind::Model, unreadable + ": not a recognised model file (expected a StRegA checkpoint, "
                                               "safetensors, TorchScript, or a torch.save zip file of PyTorch >= 1.6)");
  }
  if (infoOut) *infoOut = std::move(info);
  return weights;
}

CheckpointInfo inspectModel(const fs::path& path, const ImportOptions& options) {
  CheckpointInfo info;
  const auto weights = readWeights(path, &info);
  if (info.format != "strega-checkpoint") info.config = inferConfig(weights, options);
  return info;
}

CceVae loadModel(const fs::path& path, CheckpointInfo* infoOut, const ImportOptions& options) {
  CheckpointInfo info;
  const auto weights = readWeights(path, &info);
  if (info.format != "strega-checkpoint") info.config = inferConfig(weights, options);
  CceVae model(info.config);
  model.loadStateDict(weights, info.format + " file " + path.filename().string());
  if (infoOut) *infoOut = std::move(info);
  return model;
}

void exportSafetensors(const CceVae& model, const fs::path& path, const std::string& prefix) {
  auto weights = model.stateDict();
  for (auto& w : weights)
    w.name = prefix + w.name;
  auto meta = baseMetadata();
  for (const auto& [k, v] : decodeKeyValues(model.config().toKeyValueText()))
    meta["strega." + k] = v;
  writeSafetensors(path, weights, meta);
}

} // namespace strega::model
