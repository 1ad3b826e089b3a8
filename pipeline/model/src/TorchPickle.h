#pragma once
// Internal to pipeline/model: reading the tensors of a torch.save'd object without Python and without
// LibTorch's unpickler (which in 1.13 lacks opcodes that Python emits, e.g. APPEND in optimizer state).

#include "strega/model/NamedTensor.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace strega::model::detail {

/// Decode the pickle `data.pkl` of a torch.save zip archive (protocols 2-5) into its state_dict: the
/// top-level dict, or the dict under 'state_dict' / 'model_state_dict' / 'model' when present (the authors'
/// training checkpoints store {'state_dict': ..., 'optimizer': ..., 'AMPScaler': ...}). Only plain data and
/// tensors are built; nothing is executed; other objects become opaque. `storage(key)` returns the bytes of
/// record data/<key>. Tensors of any floating-point storage are converted to float32 (strides honoured).
/// Throws Error(Model) for a malformed pickle or a state_dict without tensors.
std::vector<NamedTensor> stateDictFromTorchPickle(const std::string& pickle,
                                                  const std::function<std::string(const std::string&)>& storage);

/// \brief The object tree of a TorchScript archive's `data.pkl` (a strega checkpoint, or a module saved by
/// torch.jit.save), read with our own unpickler. LibTorch's reader (torch::jit::load, InputArchive) first compiles
/// the archive's `code/` records, and its 1.13 compiler crashes (SEGV) on mangled source: weights are read without
/// it. Nothing is executed; class names are kept but not resolved. Throws Error(Model) for a malformed pickle.
class ScriptModulePickle {
public:
  explicit ScriptModulePickle(const std::string& pickle);

  /// True if the pickle's root is an object (a TorchScript module); a torch.save file holds a dict instead.
  bool isModule() const;
  std::optional<std::string> stringAttribute(const std::string& name) const;
  std::optional<std::int64_t> intAttribute(const std::string& name) const;
  bool hasSubmodule(const std::string& name) const;
  /// The floating-point tensors of the root's attribute `submodule` ("" = the root) and of its submodules, named by
  /// their dotted attribute path below it ("enc.start.conv.weight"), converted to float32. `storage(key)` returns the
  /// bytes of record data/<key>.
  std::vector<NamedTensor> floatingTensors(const std::string& submodule,
                                           const std::function<std::string(const std::string&)>& storage) const;

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
