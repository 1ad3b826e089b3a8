// Model files: the strega checkpoint (a LibTorch archive) and imports from Python.
#include "CceVaeImpl.h"
#include "CheckpointImpl.h"
#include "TorchPickle.h"
#include "ZipChecksums.h"

#include "strega/core/AtomicOutput.h"
#include "strega/core/Error.h"
#include "strega/core/Png.h" // crc32
#include "strega/core/Version.h"
#include "strega/model/Safetensors.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/frontend/error_report.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <deque>
#include <fstream>
#include <sstream>
#include <string_view>

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

/// A zip model archive whose records are checked against the zip directory's CRC-32 as they are read (LibTorch's
/// own reader does not check them).
class CheckedArchive {
public:
  explicit CheckedArchive(const fs::path& path)
    : m_path(path), m_reader(path.string()), m_checksums(detail::zipRecordChecksums(path)) {}

  std::vector<std::string> records() { return m_reader.getAllRecords(); }

  std::string read(const std::string& name) {
    if (!m_reader.hasRecord(name))
      throw Error(ErrorKind::Model, "the model file " + m_path.string() + " lacks record " + name + " (truncated?)");
    auto [data, size] = m_reader.getRecord(name);
    std::string bytes(static_cast<const char*>(data.get()), size);
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION // see pipeline/model/CMakeLists.txt
    const auto stored = m_checksums.find(name);
    if (stored == m_checksums.end() || strega::crc32(bytes) != stored->second)
      throw Error(ErrorKind::Model, "the model file " + m_path.string() + " is corrupt (a checksum does not match)",
                  "record " + name + ": CRC-32 differs from the zip directory");
#endif
    return bytes;
  }

  /// Every pickle (data.pkl, constants.pkl, code/*.debug_pkl) is walked before LibTorch unpickles it: LibTorch 1.13
  /// fills the length a string claims before finding that the record is shorter.
  void checkPickles() {
    for (const std::string& name : records())
      if (name.ends_with("pkl")) detail::checkPickleLengths(read(name), name);
  }

  void checkAllRecords() {
    for (const std::string& name : records())
      read(name);
  }

  const fs::path& path() const { return m_path; }

private:
  fs::path m_path;
  caffe2::serialize::PyTorchStreamReader m_reader;
  std::map<std::string, std::uint32_t> m_checksums;
};

// The TorchScript source of a strega checkpoint declares attributes only (torch::serialize::OutputArchive writes
// no methods): a line is empty, a class header, a parameter/buffer name list, or an attribute with its type.
bool isIdentifier(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

bool isAttributeKey(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '/' || c == '.';
  });
}

bool isScriptType(std::string_view s, int depth = 0) {
  if (depth > 8) return false;
  for (std::string_view plain : {"Tensor", "int", "float", "bool", "str"})
    if (s == plain) return true;
  if (s.starts_with("__torch__.")) {
    for (std::string_view rest = s.substr(10);;) {
      const auto dot = rest.find('.');
      if (!isIdentifier(rest.substr(0, dot))) return false;
      if (dot == std::string_view::npos) return true;
      rest = rest.substr(dot + 1);
    }
  }
  struct Generic {
    std::string_view prefix;
    std::size_t minArgs, maxArgs;
  };
  for (const Generic g :
       {Generic{"Optional[", 1, 1}, Generic{"List[", 1, 1}, Generic{"Dict[", 2, 2}, Generic{"Tuple[", 1, 64}}) {
    if (!s.starts_with(g.prefix) || !s.ends_with("]")) continue;
    std::string_view inner = s.substr(g.prefix.size(), s.size() - g.prefix.size() - 1);
    std::vector<std::string_view> args;
    int nesting = 0;
    std::size_t from = 0;
    for (std::size_t i = 0; i < inner.size(); ++i) {
      if (inner[i] == '[') ++nesting;
      if (inner[i] == ']' && --nesting < 0) return false;
      if (nesting == 0 && inner.compare(i, 2, ", ") == 0) {
        args.push_back(inner.substr(from, i - from));
        from = i + 2;
      }
    }
    args.push_back(inner.substr(from));
    if (nesting != 0 || args.size() < g.minArgs || args.size() > g.maxArgs) return false;
    return std::all_of(args.begin(), args.end(), [&](std::string_view a) { return isScriptType(a, depth + 1); });
  }
  return false;
}

bool isNameList(std::string_view s) { // ["weight", "bias", ]
  if (!s.starts_with("[") || !s.ends_with("]")) return false;
  s = s.substr(1, s.size() - 2);
  while (!s.empty()) {
    if (!s.starts_with("\"")) return false;
    const auto close = s.find("\", ", 1);
    if (close == std::string_view::npos || !isAttributeKey(s.substr(1, close - 1))) return false;
    s = s.substr(close + 3);
  }
  return true;
}

bool isDeclarationLine(std::string_view line) {
  if (line.empty()) return true;
  if (line.starts_with("class ") && line.ends_with("(Module):"))
    return isIdentifier(line.substr(6, line.size() - 6 - 9));
  if (!line.starts_with("  ")) return false;
  line = line.substr(2);
  for (std::string_view list : {"__parameters__ = ", "__buffers__ = "})
    if (line.starts_with(list)) return isNameList(line.substr(list.size()));
  if (line == "__annotations__ = []") return true;
  if (line.starts_with("__annotations__[\"")) {
    const auto close = line.find("\"] = ");
    return close != std::string_view::npos && isAttributeKey(line.substr(17, close - 17)) &&
           isScriptType(line.substr(close + 5));
  }
  const auto colon = line.find(" : ");
  return colon != std::string_view::npos && isIdentifier(line.substr(0, colon)) && isScriptType(line.substr(colon + 3));
}

/// LibTorch compiles an archive's code/ records before it reads any value, and its 1.13 compiler crashes (SEGV) on
/// some mangled source. Before a strega checkpoint goes through LibTorch (to restore the optimizer state), its code
/// must be the attribute declarations that strega writes; anything else is refused as damaged.
void checkArchiveCode(CheckedArchive& archive) {
  for (const std::string& name : archive.records()) {
    if (!name.starts_with("code/") || !name.ends_with(".py")) continue;
    const std::string text = archive.read(name);
    std::size_t lineNumber = 0;
    for (std::size_t from = 0; from < text.size();) {
      const auto end = std::min(text.find('\n', from), text.size());
      ++lineNumber;
      if (!isDeclarationLine(std::string_view(text).substr(from, end - from)))
        throw Error(ErrorKind::Model,
                    "the checkpoint " + archive.path().string() + " is damaged or was not written by StRegA",
                    name + " line " + std::to_string(lineNumber) + " is not an attribute declaration");
      from = end + 1;
    }
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
  c.name = c.nameFromShape();
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
    {
      CheckedArchive checked(path);
      checked.checkAllRecords();
      checked.checkPickles();
      checkArchiveCode(checked);
    }
    torch::serialize::InputArchive archive;
    archive.load_from(path.string(), device);
    torch::serialize::InputArchive state;
    if (!archive.try_read("optimizer", state))
      throw Error(ErrorKind::Model, "the checkpoint " + path.string() + " holds no optimizer state (not resumable)");
    optimizer.load(state);
  } catch (const torch::jit::ErrorReport&) {
    // Not e.what(): for mangled TorchScript source LibTorch 1.13 throws from inside it, which terminates.
    throw Error(ErrorKind::Model, "could not restore the optimizer state from " + path.string(),
                "its TorchScript code does not compile");
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
    // A strega checkpoint and a TorchScript module are both TorchScript archives (data.pkl holds a module object);
    // a torch.save zip holds a dict. All three are read with our own unpickler, never with LibTorch's compiler.
    try {
      CheckedArchive archive(path);
      archive.checkPickles();
      const auto storage = [&](const std::string& key) { return archive.read("data/" + key); };
      const detail::ModelPickle root(archive.read("data.pkl"));
      if (!root.isModule()) {
        weights = root.stateDict(storage);
        info.format = "torch.save";
      } else if (const auto version = root.intAttribute("strega_checkpoint")) {
        info.format = "strega-checkpoint";
        info.formatVersion = static_cast<int>(std::clamp<std::int64_t>(*version, -1, 1'000'000));
        if (info.formatVersion < 1 || info.formatVersion > kCheckpointFormatVersion)
          throw Error(ErrorKind::Model, "the checkpoint " + path.string() + " has format version " +
                                          std::to_string(info.formatVersion) + "; this program reads 1 to " +
                                          std::to_string(kCheckpointFormatVersion));
        info.config = ModelConfig::fromKeyValueText(root.stringAttribute("config").value_or(""));
        info.metadata = decodeKeyValues(root.stringAttribute("metadata").value_or(""));
        info.trainingLogCsv = root.stringAttribute("training_log").value_or("");
        info.hasOptimizerState = root.hasSubmodule("optimizer");
        if (!root.hasSubmodule("model"))
          throw Error(ErrorKind::Model, "the checkpoint holds no weights", "attribute 'model' missing");
        std::map<std::string, NamedTensor> byName;
        for (auto& t : root.floatingTensors("model", storage))
          byName.emplace(t.name, std::move(t));
        for (const auto& spec : parameterSpecs(info.config)) {
          auto it = byName.find(spec.name);
          if (it == byName.end()) throw Error(ErrorKind::Model, "the checkpoint lacks parameter " + spec.name);
          weights.push_back(std::move(it->second));
        }
      } else {
        info.format = "torchscript";
        weights = root.floatingTensors("", storage);
      }
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      throw Error(ErrorKind::Model, unreadable + ": truncated, corrupt or not a model file", e.what());
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
