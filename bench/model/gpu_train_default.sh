#!/usr/bin/env bash
# Trains the default model's recipe on a GPU machine that has only a compiler, CMake and Python's torch:
# builds the model-only configuration's train_raw against the LibTorch inside Python's torch and runs it on a
# raw tissue map (make TISSUE.u8 + TISSUE.geometry on a full build: see bench/model/README.md).
# Usage: bench/model/gpu_train_default.sh TISSUE.u8 TISSUE.geometry OUTDIR [train_raw options, e.g. --steps N]
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-python3}
BUILD=${BUILD_DIR:-build/gpu-model}
PREFIX=$("$PY" -c 'import torch;print(torch.utils.cmake_prefix_path)')
TORCH_DIR=$("$PY" -c 'import torch,os;print(os.path.dirname(torch.__file__))')
ABI=$("$PY" -c 'import torch;print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')
COMMON=(-DSTREGA_MODEL_ONLY=ON -DSTREGA_BUILD_GUI=OFF -DSTREGA_BUILD_BENCH=ON -DSTREGA_BUILD_TESTS=OFF
        -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS=-D_GLIBCXX_USE_CXX11_ABI=${ABI}" "-DCMAKE_PREFIX_PATH=${PREFIX}")
GEN=(); command -v ninja >/dev/null && GEN=(-G Ninja)
mkdir -p "$(dirname "$BUILD")"
if ! cmake -S . -B "$BUILD" "${GEN[@]}" "${COMMON[@]}" > "$BUILD.configure.log" 2>&1; then
  rm -rf "$BUILD"
  cmake -S . -B "$BUILD" "${GEN[@]}" "${COMMON[@]}" -DSTREGA_TORCH_MANUAL=ON "-DSTREGA_TORCH_ROOT=${TORCH_DIR}"
fi
cmake --build "$BUILD" --target train_raw -j "$(nproc)"
"$BUILD/bench/model/train_raw" "$@"
