#pragma once
/// \file
/// \brief Reconstructing a whole volume with the cceVAE: batched axial slices, device choice, bounded memory.

#include "strega/core/ProgressScope.h"
#include "strega/core/Volume.h"
#include "strega/model/CceVae.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace strega::model {

/// \brief Numeric precision of the forward pass. Autocast precisions apply on CUDA only (the CPU stays fp32).
enum class Precision { Float32, Float16, BFloat16 };
/// Parse "fp32", "fp16", "bf16" (also "float32", "float16", "bfloat16"); Error(InvalidArgument) otherwise.
Precision parsePrecision(const std::string& text);
const char* toString(Precision precision);

/// \brief Settings of reconstructVolume().
struct InferenceOptions {
  std::string device = "auto";       ///< auto | cpu | cuda | cuda:N (see resolveDevice())
  int batchSize = 32;                ///< slices per forward pass (upper bound)
  std::size_t memoryBudgetMb = 2048; ///< cap on the estimated activation memory of one batch
  int samples = 0;                   ///< 0: decode mu (deterministic); N > 0: mean of N sampled decodings
  /// Also compute |∂KL/∂x|, the gradient of the latent's KL divergence with respect to each input pixel (the ceVAE
  /// "combi" score's first factor). Costs one backward pass through the encoder per batch.
  bool klGradient = false;
  std::uint64_t seed = 0;      ///< for samples > 0
  bool skipEmptySlices = true; ///< all-background slices are not run; their reconstruction is 0
  int threads = 0;             ///< CPU threads (0 = all cores)
  Precision precision = Precision::Float32;
};

/// \brief A reconstruction and how it was made.
struct Reconstruction {
  ImageF image;              ///< on exactly the input's grid
  ImageF klGradient;         ///< |∂KL/∂x| on the input's grid when InferenceOptions::klGradient, else empty
  std::string device;        ///< "cpu" or "cuda:N"
  int batchSize = 0;         ///< the batch size finally used (after any halving)
  std::size_t slicesRun = 0; ///< slices passed through the network
  double seconds = 0.0;      ///< wall time of the network passes
};

/// Estimated bytes of activations for one slice through `config` (forward, no gradients), for batch sizing.
std::size_t activationBytesPerSlice(const ModelConfig& config);

/// Reconstruct `input` (model-input values in [0, 1]; see toModelInput()) slice by slice along its axial axis:
/// each slice is sampled onto the model grid (AxialSlicer), batches go through the network on the chosen
/// device, and the outputs are resampled back onto the input's grid. The batch size is the smaller of
/// options.batchSize and the memory budget, halved and retried when the device runs out of memory. Progress
/// is reported per batch on `progress`, which is also where cancellation (strega::Cancelled) is checked.
/// NaN or infinite input voxels throw Error(InvalidInput); device problems Error(Model). Moves the model to
/// the chosen device.
Reconstruction reconstructVolume(CceVae& model, const ImageF& input, const InferenceOptions& options = {},
                                 ProgressScope* progress = nullptr);

} // namespace strega::model
