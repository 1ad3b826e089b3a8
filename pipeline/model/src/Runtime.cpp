#include "strega/model/Runtime.h"

#include "strega/model/CceVae.h"

#include <torch/version.h> // only the version macros: this file stays cheap to compile

#include <dlfcn.h>

#include <algorithm>
#include <thread>

namespace strega::model {

std::string torchVersion() { return TORCH_VERSION; }

std::string defaultDeviceDescription() {
  if (cudaAvailable()) {
    const int count = cudaDeviceCount();
    return "CUDA, " + std::to_string(count) + (count == 1 ? " device" : " devices");
  }
  // setCpuThreads(0), what the pipeline does unless told otherwise, takes every core.
  return "CPU, " + std::to_string(std::max(1u, std::thread::hardware_concurrency())) + " threads";
}

std::string blasDescription() {
  // Debian's LibTorch calls whichever libblas.so.3 the alternatives system selects; only OpenBLAS exports this.
  using ConfigFn = char* (*)();
  if (auto* config = reinterpret_cast<ConfigFn>(dlsym(RTLD_DEFAULT, "openblas_get_config")))
    return config(); // "OpenBLAS 0.3.21 ... USE_OPENMP Zen MAX_THREADS=64"
  return "reference BLAS or a BLAS built into LibTorch (on Debian, install libopenblas0-openmp: the model runs "
         "20-40x faster with OpenBLAS)";
}

} // namespace strega::model
