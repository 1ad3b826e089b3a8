#pragma once
// Internal to pipeline/model: reading the tensors of model archives (strega checkpoints, TorchScript, torch.save)
// without Python and without LibTorch's readers.

#include "strega/model/NamedTensor.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace strega::model::detail {

/// The bytes of record data/<key> of a model archive (tensor storages).
using StorageReader = std::function<std::string(const std::string&)>;

/// \brief The `data.pkl` of a zip model archive, read once with our own unpickler: a module object (a strega
/// checkpoint, or a module saved by torch.jit.save) or a torch.save dict. LibTorch's readers are not used: its
/// TorchScript reader (torch::jit::load, InputArchive) first compiles the archive's `code/` records, and its 1.13
/// compiler crashes (SEGV) on mangled source; its unpickler lacks opcodes that Python emits (e.g. APPEND in
/// optimizer state). Protocols 2-5; only plain data, objects and tensors are built; nothing is executed; class
/// names are kept but not resolved. Tensors of any floating-point storage come back as float32 (strides honoured).
/// Throws Error(Model) for a malformed pickle.
class ModelPickle {
public:
  explicit ModelPickle(const std::string& pickle);

  /// True if the pickle's root is an object (a TorchScript module); a torch.save file holds a dict instead.
  bool isModule() const;
  std::optional<std::string> stringAttribute(const std::string& name) const;
  std::optional<std::int64_t> intAttribute(const std::string& name) const;
  bool hasSubmodule(const std::string& name) const;
  /// The floating-point tensors of the root's attribute `submodule` ("" = the root) and of its submodules, named by
  /// their dotted attribute path below it ("enc.start.conv.weight").
  std::vector<NamedTensor> floatingTensors(const std::string& submodule, const StorageReader& storage) const;
  /// A torch.save file's state_dict: the top-level dict, or the dict under 'state_dict' / 'model_state_dict' /
  /// 'model' when present (the authors' training checkpoints store {'state_dict': ..., 'optimizer': ...,
  /// 'AMPScaler': ...}). Throws Error(Model) when there is no dictionary of tensors.
  std::vector<NamedTensor> stateDict(const StorageReader& storage) const;

private:
  struct Parsed;
  std::shared_ptr<const Parsed> m_parsed;
};

/// Walks the opcodes of `pickle` (record `name` of a model archive) without building anything and throws
/// Error(Model) when a string or bytes argument claims more bytes than the pickle holds. LibTorch 1.13's own
/// unpickler (torch::jit::load, InputArchive) allocates and fills the claimed length first: a 40 kB file could
/// make it take gigabytes. Stops quietly at STOP or at an opcode it does not know (LibTorch then judges).
void checkPickleLengths(const std::string& pickle, const std::string& name);

} // namespace strega::model::detail
