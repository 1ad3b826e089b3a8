#pragma once
/// \file
/// \brief What the model layer runs on, described for people (About dialog, bug reports) without exposing Torch.

#include <string>

namespace strega::model {

/// LibTorch version of the headers this build was compiled against, e.g. "1.13.0".
std::string torchVersion();
/// The device that `--device auto` picks, with its parallelism: "CUDA, 2 devices" or "CPU, 16 threads".
std::string defaultDeviceDescription();
/// The BLAS that LibTorch's CPU kernels call: OpenBLAS's build configuration ("OpenBLAS 0.3.21 ... MAX_THREADS=64")
/// when it is loaded, else a note that a reference BLAS (20-40x slower for the model) may be in use and that
/// libopenblas0-openmp fixes it.
std::string blasDescription();

} // namespace strega::model
