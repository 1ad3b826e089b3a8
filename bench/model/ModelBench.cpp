// model_bench: cceVAE throughput against the same run's matmul peak (CPU), and on CUDA when available.
//
//   model_bench [--threads N] [--seconds S] [--device cpu|cuda] [--configs compact,reference]
//               [--batches 1,16,32] [--reference-batches 2] [--precisions fp32,bf16,fp16] [--train-steps N]
//               [--volume-slices 155]
//
// Prints one line per measurement: slices/s, achieved GFLOP/s (2 FLOP per multiply-add of the convolutions)
// and the ratio to the measured matmul GFLOP/s of the same device in the same run.
#include "CceVaeImpl.h"
#include "CudaAutocast.h"
#include "TrainingOps.h"

#include "strega/core/ProgressScope.h"
#include "strega/model/CceVae.h"
#include "strega/model/Inference.h"
#include "strega/model/Training.h"
#include "strega/model/TrainingSet.h"

#include <c10/core/InferenceMode.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

using namespace strega;
using namespace strega::model;
using Clock = std::chrono::steady_clock;

namespace {

std::vector<std::string> splitList(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

void sync(const torch::Device& d) {
  if (d.is_cuda()) torch::cuda::synchronize();
}

/// Run `body` repeatedly for at least `seconds` (after `warmup` runs); returns seconds per run.
template <class F> double timeIt(F&& body, double seconds, const torch::Device& d, int warmup = 2) {
  for (int i = 0; i < warmup; ++i)
    body();
  sync(d);
  int runs = 0;
  const auto start = Clock::now();
  double elapsed = 0.0;
  do {
    body();
    ++runs;
    sync(d);
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  } while (elapsed < seconds);
  return elapsed / runs;
}

double matmulGflops(const torch::Device& d, at::ScalarType dtype, double seconds) {
  c10::InferenceMode guard;
  const int64_t n = d.is_cuda() ? 8192 : 1024;
  auto a = torch::randn({n, n}, torch::TensorOptions().device(d)).to(dtype);
  auto b = torch::randn({n, n}, torch::TensorOptions().device(d)).to(dtype);
  torch::Tensor c;
  const double t = timeIt([&] { c = torch::mm(a, b); }, seconds, d);
  return 2.0 * n * n * n / t / 1e9;
}

/// Steps per second of the training step train() runs (augmentation, boxes, forward of x and x~, loss, backward,
/// Adam), timed over `steps` steps after one warm-up step.
double trainingStepsPerSecond(const ModelConfig& config, const torch::Device& device, Precision precision, int batch,
                              int steps) {
  CceVae model(config, 1);
  model.setDevice(device.str());
  auto& net = model.impl().net;
  net->train();
  torch::optim::Adam optimizer(net->parameters(), torch::optim::AdamOptions(1e-4));
  const int S = config.inputSize;
  auto data = (torch::rand({batch, 1, S, S}) * 3).floor() / 3.0;
  const bool autocast = device.is_cuda() && precision != Precision::Float32;
  const auto type = precision == Precision::Float16 ? at::kHalf : at::kBFloat16;
  AugmentationOptions augmentation;
  auto step = [&](int i) {
    model::detail::Random rng(static_cast<std::uint64_t>(i));
    auto x = model::detail::augmentBatch(data.to(device), rng, augmentation);
    auto xt = model::detail::applyContextBoxes(x, rng, 2, false);
    auto eps = torch::randn({2 * batch, config.latentDim}).to(device);
    torch::Tensor mu, logSigma, rec;
    {
      CudaAutocast ac(autocast, type);
      std::tie(mu, logSigma) = net->encode(torch::cat(std::vector<torch::Tensor>{x, xt}));
      rec = net->decode(mu + logSigma.exp() * eps.to(mu.scalar_type()));
    }
    auto terms = model::detail::ceVaeLoss(mu.narrow(0, 0, batch), logSigma.narrow(0, 0, batch), rec.narrow(0, 0, batch),
                                          rec.narrow(0, batch, batch), x, 0.5, 0.01, 1.0);
    optimizer.zero_grad();
    (precision == Precision::Float16 ? terms.total * 1024.0 : terms.total).backward();
    optimizer.step();
    (void)terms.total.item<double>();
  };
  step(0);
  sync(device);
  const auto start = Clock::now();
  for (int i = 1; i <= steps; ++i)
    step(i);
  sync(device);
  return steps / std::chrono::duration<double>(Clock::now() - start).count();
}

} // namespace

int main(int argc, char** argv) {
  int threads = 0;
  double seconds = 3.0;
  std::string deviceName = "cpu";
  std::vector<std::string> configs{"compact", "reference"};
  std::vector<std::string> batches{"1", "16", "32"};
  std::vector<std::string> referenceBatches{"2"};
  std::vector<std::string> precisions{"fp32"};
  int trainSteps = 6;
  int volumeSlices = 155;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--threads")
      threads = std::atoi(v.c_str());
    else if (k == "--seconds")
      seconds = std::atof(v.c_str());
    else if (k == "--device")
      deviceName = v;
    else if (k == "--configs")
      configs = splitList(v);
    else if (k == "--batches")
      batches = splitList(v);
    else if (k == "--reference-batches")
      referenceBatches = splitList(v);
    else if (k == "--precisions")
      precisions = splitList(v);
    else if (k == "--train-steps")
      trainSteps = std::atoi(v.c_str());
    else if (k == "--volume-slices")
      volumeSlices = std::atoi(v.c_str());
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  try {
    const int usedThreads = setCpuThreads(threads);
    const std::string resolved = resolveDevice(deviceName);
    const torch::Device device(resolved);
    std::printf("device %s, CPU threads %d, LibTorch %s\n", resolved.c_str(), usedThreads, TORCH_VERSION);

    const double peak = matmulGflops(device, torch::kFloat32, seconds);
    std::printf("matmul fp32 %s: %.1f GFLOP/s (practical peak of this run)\n", device.is_cuda() ? "8192^3" : "1024^3",
                peak);
    double peakHalf = 0.0;
    if (device.is_cuda()) {
      peakHalf = matmulGflops(device, torch::kHalf, seconds);
      std::printf("matmul fp16 8192^3: %.1f GFLOP/s\n", peakHalf);
    }

    for (const auto& name : configs) {
      const ModelConfig config = ModelConfig::byName(name);
      const double flops = forwardFlopsPerSlice(config);
      CceVae model(config, 1);
      model.setDevice(resolved);
      auto& net = model.impl().net;
      net->eval();
      std::printf("\n%s: %lld parameters, %.3f GFLOP per slice (forward, mu path)\n", name.c_str(),
                  static_cast<long long>(model.parameterCount()), flops / 1e9);
      auto list = name == "reference" ? referenceBatches : batches;
      if (device.is_cuda() && name == "reference") list.push_back(std::to_string(volumeSlices));
      for (const auto& precisionName : precisions) {
        const Precision precision = parsePrecision(precisionName);
        if (!device.is_cuda() && precision != Precision::Float32) continue;
        for (const auto& bs : list) {
          const int batch = std::atoi(bs.c_str());
          c10::InferenceMode guard;
          auto x = torch::rand({batch, 1, config.inputSize, config.inputSize}, torch::TensorOptions().device(device));
          torch::Tensor y;
          const double t = timeIt(
            [&] {
              CudaAutocast ac(precision != Precision::Float32,
                              precision == Precision::Float16 ? at::kHalf : at::kBFloat16);
              auto [mu, logSigma] = net->encode(x);
              y = net->decode(mu);
            },
            seconds, device);
          const double slicesPerSecond = batch / t;
          const double gflops = slicesPerSecond * flops / 1e9;
          const double ref = precision == Precision::Float32 || peakHalf == 0.0 ? peak : peakHalf;
          std::printf("  forward %-4s batch %4d: %9.1f slices/s  %8.1f GFLOP/s  %5.1f %% of matmul  (%.2f ms/batch)\n",
                      precisionName.c_str(), batch, slicesPerSecond, gflops, 100.0 * gflops / ref, t * 1e3);
        }
      }
    }

    if (trainSteps > 1) {
      for (const auto& name : configs) {
        if (name == "reference" && !device.is_cuda()) continue; // 812 M parameters: not a CPU training job
        const ModelConfig config = ModelConfig::byName(name);
        for (const auto& precisionName : precisions) {
          const Precision precision = parsePrecision(precisionName);
          if (!device.is_cuda() && precision != Precision::Float32) continue;
          const double stepsPerSecond = trainingStepsPerSecond(config, device, precision, 16, trainSteps);
          std::printf("\ntraining %s %s batch 16 (+16 context-encoded twins, Adam): %.3f steps/s, %.2f s/step, "
                      "%.1f slices/s\n",
                      name.c_str(), precisionName.c_str(), stepsPerSecond, 1.0 / stepsPerSecond, 16 * stepsPerSecond);
        }
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "model_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
