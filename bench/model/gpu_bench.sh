#!/usr/bin/env bash
# GPU benchmark of the cceVAE, for a machine that has a C++ compiler, CMake and Python's torch (a CUDA build)
# but none of Qt/VTK/ITK/DCMTK. Builds the model-only configuration (core + model + model_bench) against the
# LibTorch bundled with Python's torch, then reports:
#   - matmul GFLOP/s (fp32, fp16) as the device's practical peak,
#   - reference-config forward slices/s at batch 1/16/64 and for one 155-slice volume, fp32 / bf16 / fp16
#     autocast (goal: 155 slices <= 100 ms on an H100),
#   - training steps/s (batch 16 + 16 context-encoded twins, Adam) for the reference and compact configs.
# Usage: bench/model/gpu_bench.sh            (env: PYTHON=python3, BUILD_DIR=build/gpu-model, JOBS=nproc,
#                                             GPU_BENCH_TESTS=1 also builds and runs model_test if GTest exists)
set -euo pipefail
cd "$(dirname "$0")/../.."

PY=${PYTHON:-python3}
BUILD=${BUILD_DIR:-build/gpu-model}
JOBS=${JOBS:-$(nproc)}
TESTS=${GPU_BENCH_TESTS:-0}

"$PY" - <<'PYEOF'
import torch
print("python torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())
if torch.cuda.is_available():
    print("device", torch.cuda.get_device_name(0))
PYEOF
command -v nvidia-smi >/dev/null && nvidia-smi -L || true

CMAKE_VERSION=$(cmake --version | head -n 1 | awk '{print $3}')
if [ "$(printf '%s\n' 3.25 "$CMAKE_VERSION" | sort -V | head -n 1)" != 3.25 ]; then
  echo "gpu_bench.sh: CMake $CMAKE_VERSION is older than the 3.25 the project needs (python3 -m pip install cmake)" >&2
  exit 2
fi
PREFIX=$("$PY" -c 'import torch;print(torch.utils.cmake_prefix_path)')
TORCH_DIR=$("$PY" -c 'import torch,os;print(os.path.dirname(torch.__file__))')
ABI=$("$PY" -c 'import torch;print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')
# Every target (core included) must use the std::string ABI that this LibTorch was built with.
COMMON=(-DSTREGA_MODEL_ONLY=ON -DSTREGA_BUILD_GUI=OFF -DSTREGA_BUILD_BENCH=ON -DCMAKE_BUILD_TYPE=Release
        "-DCMAKE_CXX_FLAGS=-D_GLIBCXX_USE_CXX11_ABI=${ABI}" "-DCMAKE_PREFIX_PATH=${PREFIX}")
if [ "$TESTS" = 1 ]; then COMMON+=(-DSTREGA_BUILD_TESTS=ON); else COMMON+=(-DSTREGA_BUILD_TESTS=OFF); fi
if command -v ninja >/dev/null; then
  CONFIGURE=(cmake --preset model-only -B "$BUILD")
else
  CONFIGURE=(cmake -S . -B "$BUILD" -G "Unix Makefiles")
fi

# TorchConfig.cmake of a CUDA build looks for the CUDA toolkit (nvcc); pip-only machines often lack it. Then
# fall back to locating LibTorch by hand (headers and libs inside the torch package).
mkdir -p "$(dirname "$BUILD")"
if ! "${CONFIGURE[@]}" "${COMMON[@]}" > "$BUILD.configure.log" 2>&1; then
  echo "TorchConfig.cmake failed (see $BUILD.configure.log); retrying with STREGA_TORCH_MANUAL=ON"
  rm -rf "$BUILD"
  "${CONFIGURE[@]}" "${COMMON[@]}" -DSTREGA_TORCH_MANUAL=ON "-DSTREGA_TORCH_ROOT=${TORCH_DIR}"
fi
TARGETS=(model_bench)
[ "$TESTS" = 1 ] && TARGETS+=(model_test)
cmake --build "$BUILD" --target "${TARGETS[@]}" -j "$JOBS"

BENCH="$BUILD/bench/model/model_bench"
echo
echo "== reference and compact forward on CUDA (fp32, bf16, fp16 autocast) and training steps/s =="
"$BENCH" --device cuda --configs reference,compact --precisions fp32,bf16,fp16 \
         --reference-batches 1,16,64 --batches 16,64,256 --volume-slices 155 --train-steps 20 --seconds 2
echo
echo "== the same machine's CPU, compact, for comparison =="
"$BENCH" --device cpu --configs compact --batches 16,32 --train-steps 4 --seconds 2
if [ "$TESTS" = 1 ]; then
  (cd "$BUILD" && ctest -R model_test --output-on-failure -j 4) || true
fi
