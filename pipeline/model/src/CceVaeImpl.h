#pragma once
// Internal to pipeline/model (and its tests): the LibTorch network behind CceVae.

#include "strega/model/CceVae.h"

#include <torch/torch.h>

#include <utility>
#include <vector>

namespace strega::model::detail {

/// One convolution (plain or transposed, no bias) with an optional PReLU, registered as "conv" and
/// "activation" like the authors' ConvModule.
class ConvBlockImpl : public torch::nn::Module {
public:
  ConvBlockImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding, bool transposed,
                bool activation);
  torch::Tensor forward(torch::Tensor x);

private:
  torch::nn::Conv2d m_conv{nullptr};
  torch::nn::ConvTranspose2d m_convTransposed{nullptr};
  torch::nn::PReLU m_activation{nullptr};
  int64_t m_kernel, m_stride, m_padding;
};
TORCH_MODULE(ConvBlock);

/// start -> middle_blocks (placeholders at even indices, convs at 1, 3, 5) -> end, as in the authors' code.
class StackImpl : public torch::nn::Module {
public:
  StackImpl(ConvBlock start, std::vector<ConvBlock> middle, ConvBlock end);
  torch::Tensor forward(torch::Tensor x);

private:
  ConvBlock m_start{nullptr}, m_end{nullptr};
  torch::nn::ModuleList m_middleList{nullptr};
  std::vector<ConvBlock> m_middle;
};
TORCH_MODULE(Stack);

/// The whole network: "enc" and "dec".
class NetImpl : public torch::nn::Module {
public:
  explicit NetImpl(const ModelConfig& config);
  /// x [B,1,S,S] -> (mu, logSigma) [B,z]
  std::pair<torch::Tensor, torch::Tensor> encode(const torch::Tensor& x);
  /// z [B,z] -> [B,1,S,S]
  torch::Tensor decode(const torch::Tensor& z);

  Stack enc{nullptr}, dec{nullptr};
  int64_t latentDim;
};
TORCH_MODULE(Net);

/// Reset all weights deterministically from `seed` (uniform ±1/sqrt(fan_in) as PyTorch does; PReLU 0.25).
void initialiseWeights(Net& net, std::uint64_t seed);

/// Raw float32 CPU tensor [count, 1, S, S] viewing a copy of `slices`.
torch::Tensor slicesToTensor(const std::vector<float>& slices, int count, int size);
/// Contiguous float32 CPU copy of a tensor's values.
std::vector<float> tensorToVector(const torch::Tensor& t);
/// A CPU generator seeded with `seed`.
at::Generator makeGenerator(std::uint64_t seed);
/// Strip "model." / "module." prefixes.
std::string canonicalParameterName(std::string name);
/// Map a c10::Error (or other exception) into strega::Error(Model) with `what` as the user message.
[[noreturn]] void rethrowAsModelError(const std::string& what);
/// True when the exception message says the device ran out of memory.
bool isOutOfMemory(const std::exception& e);

} // namespace strega::model::detail

namespace strega::model {

struct CceVae::Impl {
  ModelConfig config;
  detail::Net net{nullptr};
  torch::Device device{torch::kCPU};
};

} // namespace strega::model
