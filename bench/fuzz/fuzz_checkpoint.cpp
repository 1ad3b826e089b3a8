// libFuzzer target: a model file (strega checkpoint, TorchScript, torch.save zip, safetensors) through
// loadModel(), which also builds the network from the stored or inferred config. LibTorch's own exceptions
// (c10::Error) must arrive as strega::Error.
#include "FuzzSupport.h"

#include "strega/model/Checkpoint.h"

namespace {
const strega::fuzz::ScratchDir scratch;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = scratch.path() / "input.pt";
  strega::fuzz::writeFile(file, data, size);
  strega::fuzz::expectLoadsOrError([&] { strega::model::loadModel(file); });
  return 0;
}
