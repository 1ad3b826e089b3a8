#pragma once
// Internal to pipeline/model: reading the tensors of a torch.save'd object without Python and without
// LibTorch's unpickler (which in 1.13 lacks opcodes that Python emits, e.g. APPEND in optimizer state).

#include "strega/model/NamedTensor.h"

#include <functional>
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

/// Walks the opcodes of `pickle` (record `name` of a model archive) without building anything and throws
/// Error(Model) when a string or bytes argument claims more bytes than the pickle holds. LibTorch 1.13's own
/// unpickler (torch::jit::load, InputArchive) allocates and fills the claimed length first: a 40 kB file could
/// make it take gigabytes. Stops quietly at STOP or at an opcode it does not know (LibTorch then judges).
void checkPickleLengths(const std::string& pickle, const std::string& name);

} // namespace strega::model::detail
