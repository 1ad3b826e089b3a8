// Whole-volume reconstruction: batched slices on the chosen device, adaptive batch size.
#include "CceVaeImpl.h"

#include "strega/core/Error.h"
#include "strega/model/AxialSlicer.h"
#include "strega/model/Inference.h"

#include "CudaAutocast.h"
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <tuple>

namespace strega::model {

Precision parsePrecision(const std::string& text) {
  if (text == "fp32" || text == "float32") return Precision::Float32;
  if (text == "fp16" || text == "float16" || text == "half") return Precision::Float16;
  if (text == "bf16" || text == "bfloat16") return Precision::BFloat16;
  throw Error(ErrorKind::InvalidArgument, "unknown precision '" + text + "' (use fp32, fp16 or bf16)");
}

const char* toString(Precision precision) {
  switch (precision) {
  case Precision::Float32: return "fp32";
  case Precision::Float16: return "fp16";
  case Precision::BFloat16: return "bf16";
  }
  return "fp32";
}

std::size_t activationBytesPerSlice(const ModelConfig& c) {
  // Sum of all feature maps of one pass (encoder, latent, decoder) plus the input, float32, with a factor 2
  // for the workspace of im2col-style convolution kernels.
  const auto& f = c.featureMaps;
  const double s = c.inputSize;
  double floats = s * s; // input
  floats += f[0] * (s / 2) * (s / 2) + f[1] * (s / 4) * (s / 4) + f[2] * (s / 8) * (s / 8) + f[3] * (s / 16) * (s / 16);
  floats += 3.0 * c.latentDim; // mu | log sigma, z
  floats += f[3] * (s / 16) * (s / 16) + f[2] * (s / 8) * (s / 8) + f[1] * (s / 4) * (s / 4) + f[0] * (s / 2) * (s / 2);
  floats += s * s; // output
  return static_cast<std::size_t>(floats * 4.0 * 2.0);
}

namespace {

/// |∂KL/∂x| for a batch of model-grid slices (float32 on the CPU, [n, 1, S, S] contiguous) and the encoder's
/// outputs of that pass (detached, on the device), which the reconstruction reuses instead of encoding again.
struct KlGradientPass {
  torch::Tensor gradient, mu, logSigma;
};

/// KL(q(z|x) || N(0, I)) summed over the latent, differentiated with respect to the input pixels. Outside
/// InferenceMode: it needs autograd.
KlGradientPass klInputGradient(CceVae::Impl& impl, const std::vector<float>& buffer, int n, int S) {
  torch::AutoGradMode enableGrad(true);
  auto x = detail::slicesToTensor(buffer, n, S).to(impl.device).requires_grad_(true);
  auto [mu, logSigma] = impl.net->encode(x);
  const auto kl = (0.5 * ((2.0 * logSigma).exp() + mu * mu - 1.0) - logSigma).sum();
  const auto gradient = torch::autograd::grad({kl}, {x})[0];
  return {gradient.abs().to(torch::kFloat32).to(torch::kCPU).contiguous(), mu.detach(), logSigma.detach()};
}

} // namespace

Reconstruction reconstructVolume(CceVae& model, const ImageF& input, const InferenceOptions& options,
                                 ProgressScope* progress) {
  for (float v : input.voxels())
    if (!std::isfinite(v)) throw Error(ErrorKind::InvalidInput, "the input volume contains NaN or infinite values");
  if (input.empty()) throw Error(ErrorKind::InvalidInput, "the input volume is empty");
  setCpuThreads(options.threads);
  Reconstruction result;
  result.device = model.setDevice(options.device, progress);
  result.image = ImageF(input.geometry(), 0.0f);
  if (options.klGradient) result.klGradient = ImageF(input.geometry(), 0.0f);

  const ModelConfig& config = model.config();
  const AxialSlicer slicer(input.geometry(), config);
  std::vector<std::size_t> todo;
  for (std::size_t k = 0; k < slicer.sliceCount(); ++k)
    if (!options.skipEmptySlices || !slicer.sliceIsEmpty(input, k)) todo.push_back(k);

  const std::size_t perSlice = activationBytesPerSlice(config);
  const auto byMemory = static_cast<int>(std::max<std::size_t>(1, (options.memoryBudgetMb << 20) / perSlice));
  int batch = std::max(1, std::min(options.batchSize, byMemory));
  const int S = config.inputSize;
  const std::size_t sliceFloats = static_cast<std::size_t>(S) * S;
  auto& impl = model.impl();
  impl.net->eval();

  const auto start = std::chrono::steady_clock::now();
  std::size_t done = 0;
  std::vector<float> buffer;
  while (done < todo.size()) {
    if (progress)
      progress->update(static_cast<double>(done) / todo.size(),
                       "slice " + std::to_string(done) + "/" + std::to_string(todo.size()));
    const std::size_t n = std::min<std::size_t>(batch, todo.size() - done);
    buffer.assign(n * sliceFloats, 0.0f);
    for (std::size_t b = 0; b < n; ++b)
      slicer.toModel(input, todo[done + b], buffer.data() + b * sliceFloats);
    // The combi score's gradient pass runs the encoder anyway: its mu and log sigma feed the decoder below.
    KlGradientPass gradientPass;
    if (options.klGradient) {
      try {
        gradientPass = klInputGradient(impl, buffer, static_cast<int>(n), S);
      } catch (...) {
        detail::rethrowAsModelError("the model could not compute the KL gradient on " + result.device);
      }
    }
    torch::Tensor output;
    try {
      c10::InferenceMode inference;
      CudaAutocast autocast(impl.device.is_cuda() && options.precision != Precision::Float32,
                            options.precision == Precision::Float16 ? at::kHalf : at::kBFloat16);
      torch::Tensor mu = gradientPass.mu, logSigma = gradientPass.logSigma;
      if (!mu.defined()) {
        auto x = detail::slicesToTensor(buffer, static_cast<int>(n), S).to(impl.device);
        std::tie(mu, logSigma) = impl.net->encode(x);
      }
      if (options.samples <= 0) {
        output = impl.net->decode(mu).to(torch::kFloat32);
      } else {
        auto gen = detail::makeGenerator(options.seed + done);
        auto sum = torch::zeros({static_cast<int64_t>(n), 1, S, S}, mu.options().dtype(torch::kFloat32));
        const auto sigma = logSigma.exp();
        for (int s = 0; s < options.samples; ++s) {
          auto eps = torch::randn(mu.sizes(), gen, torch::kFloat32).to(impl.device, mu.scalar_type());
          sum += impl.net->decode(mu + sigma * eps).to(torch::kFloat32);
        }
        output = sum / options.samples;
      }
      output = output.to(torch::kCPU).contiguous();
    } catch (const std::exception& e) {
      if (detail::isOutOfMemory(e) && batch > 1) {
        batch = std::max(1, batch / 2);
        if (progress)
          progress->warn("out of memory on " + result.device + ": batch size lowered to " + std::to_string(batch));
        continue;
      }
      try {
        throw;
      } catch (...) {
        detail::rethrowAsModelError("the model could not reconstruct the volume on " + result.device);
      }
    }
    if (options.klGradient) {
      const float* g = gradientPass.gradient.data_ptr<float>();
      for (std::size_t b = 0; b < n; ++b)
        slicer.fromModel(g + b * sliceFloats, todo[done + b], result.klGradient);
    }
    const float* out = output.data_ptr<float>();
    for (std::size_t b = 0; b < n; ++b)
      slicer.fromModel(out + b * sliceFloats, todo[done + b], result.image);
    done += n;
    result.slicesRun += n;
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.batchSize = batch;
  if (progress) progress->update(1.0, "slice " + std::to_string(todo.size()) + "/" + std::to_string(todo.size()));
  return result;
}

} // namespace strega::model
