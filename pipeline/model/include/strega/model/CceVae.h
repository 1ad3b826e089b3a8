#pragma once
/// \file
/// \brief CceVae: the context-encoding variational autoencoder of StRegA, without torch types in its interface.

#include "strega/core/ProgressScope.h"
#include "strega/model/ModelConfig.h"
#include "strega/model/NamedTensor.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace strega::model {

/// \brief The cceVAE network (METHOD.md §2) with its weights and the device it lives on.
///
/// Slices are passed as row-major float stacks [count, inputSize, inputSize] of model-input values (tissue maps
/// scaled to [0,1]; see AxialSlicer for the grid). encode() gives mu and log σ [count, latentDim]; decode() maps
/// latent vectors back to slices (linear output, not clamped); reconstruct() decodes mu (deterministic, the
/// default) or averages `samples` decodings of mu + σ·ε.
///
/// The network itself lives behind a PIMPL so that this header needs no LibTorch; pipeline/model's own
/// translation units reach it through impl(). A CceVae is movable, not copyable; not thread-safe.
class CceVae {
public:
  /// A network of `config` with freshly initialised weights (PyTorch's default uniform fan-in bounds, PReLU
  /// slopes 0.25), drawn from a generator seeded with `seed`: the same seed gives the same weights. On the CPU.
  explicit CceVae(const ModelConfig& config = ModelConfig::compact(), std::uint64_t seed = 0);
  ~CceVae();
  CceVae(CceVae&&) noexcept;
  CceVae& operator=(CceVae&&) noexcept;

  const ModelConfig& config() const;
  /// Names and shapes of the live parameters in registration order (equals parameterSpecs(config())).
  std::vector<ParameterSpec> parameters() const;
  std::int64_t parameterCount() const;

  /// Copies of all weights as float32 on the CPU, in registration order.
  std::vector<NamedTensor> stateDict() const;
  /// Replace all weights. Names may carry a "model." or "module." prefix (stripped). Every parameter must be
  /// present with the model's shape: the first mismatch (in model order) is refused with Error(Model) naming
  /// the parameter and both shapes; missing or unexpected names are refused too. `source` names the origin in
  /// messages. On failure the model is unchanged.
  void loadStateDict(const std::vector<NamedTensor>& tensors, std::string_view source = "checkpoint");

  /// Move the weights to `device` ("auto", "cpu", "cuda", "cuda:N"; see resolveDevice()) and return the
  /// resolved device name. The auto fallback to the CPU is reported as a warning on `progress`.
  std::string setDevice(const std::string& device, ProgressScope* progress = nullptr);
  /// "cpu" or "cuda:N".
  std::string deviceName() const;

  /// \brief Posterior parameters of a stack of slices.
  struct Encoding {
    std::vector<float> mu;       ///< [count, latentDim]
    std::vector<float> logSigma; ///< [count, latentDim]
  };
  /// Encode `count` slices ([count, S, S] floats). No gradients; any device.
  Encoding encode(const std::vector<float>& slices, int count) const;
  /// Decode `count` latent vectors ([count, latentDim]) to slices [count, S, S].
  std::vector<float> decode(const std::vector<float>& latent, int count) const;
  /// Reconstruct `count` slices: decode(mu) when samples == 0, else the mean of `samples` decodings of
  /// mu + σ·ε with ε from a generator seeded with `seed`.
  std::vector<float> reconstruct(const std::vector<float>& slices, int count, int samples = 0,
                                 std::uint64_t seed = 0) const;

  /// The torch side (pipeline/model internals and its tests only; defined in src/CceVaeImpl.h).
  struct Impl;
  Impl& impl() { return *m_impl; }
  const Impl& impl() const { return *m_impl; }

private:
  std::unique_ptr<Impl> m_impl;
};

/// True when the LibTorch in use has CUDA and sees at least one GPU.
bool cudaAvailable();
/// Number of visible CUDA devices (0 without CUDA).
int cudaDeviceCount();
/// Resolve "auto", "cpu", "cuda" or "cuda:N" to "cpu" or "cuda:N". "auto" takes cuda:0 when available, else the
/// CPU and reports that fallback as a warning on `progress`. Asking for CUDA where there is none, or for a
/// device index beyond the visible ones, throws Error(Model) with a message saying so; anything else
/// Error(InvalidArgument).
std::string resolveDevice(const std::string& request, ProgressScope* progress = nullptr);
/// Set LibTorch's intra-op CPU thread count: `threads` > 0 as given, 0 = all cores. Returns the count set.
int setCpuThreads(int threads = 0);

} // namespace strega::model
