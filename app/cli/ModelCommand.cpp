// strega-cli model info | export: what a model configuration or file holds.
#include "Commands.h"

#if STREGA_HAVE_MODEL
#include "TerminalProgress.h"

#include "strega/core/Error.h"
#include "strega/io/ImageReader.h"
#include "strega/io/ImageWriter.h"
#include "strega/model/Checkpoint.h"
#include "strega/model/Inference.h"
#include "strega/model/ModelConfig.h"
#include "strega/model/TrainingSet.h"
#include "strega/postprocess/Residual.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#endif

namespace strega::cli {

#if STREGA_HAVE_MODEL
namespace {

using namespace strega::model;

void printInfo(const ModelConfig& config, const CheckpointInfo* info, bool json) {
  const auto specs = parameterSpecs(config);
  const auto count = parameterCount(config);
  if (json) {
    nlohmann::json params = nlohmann::json::array();
    for (const auto& p : specs)
      params.push_back({{"name", p.name}, {"shape", p.shape}});
    nlohmann::json out = {{"config",
                           {{"name", config.name},
                            {"input_size", config.inputSize},
                            {"feature_maps", config.featureMaps},
                            {"latent_dim", config.latentDim},
                            {"field_of_view_mm", config.fieldOfViewMm},
                            {"pixel_size_mm", config.pixelSizeMm()}}},
                          {"architecture", describeArchitecture(config)},
                          {"parameter_shapes", params},
                          {"parameters", count},
                          {"bytes_fp32", count * 4},
                          {"gflop_per_slice", forwardFlopsPerSlice(config) / 1e9}};
    if (info) {
      out["format"] = info->format;
      if (info->formatVersion) out["format_version"] = info->formatVersion;
      out["metadata"] = info->metadata;
      out["resumable"] = info->hasOptimizerState;
    }
    std::cout << out.dump(2) << "\n";
    return;
  }
  if (info) {
    std::printf("format        %s%s\n", info->format.c_str(),
                info->formatVersion ? (" v" + std::to_string(info->formatVersion)).c_str() : "");
    if (info->hasOptimizerState) std::printf("resumable     yes (optimizer state stored)\n");
  }
  std::printf("config        %s: input 1x%dx%d (%.4g mm pixels over %.4g mm), feature maps %d/%d/%d/%d, z %d\n",
              config.name.c_str(), config.inputSize, config.inputSize, config.pixelSizeMm(), config.fieldOfViewMm,
              config.featureMaps[0], config.featureMaps[1], config.featureMaps[2], config.featureMaps[3],
              config.latentDim);
  std::printf("architecture\n");
  std::string arch = describeArchitecture(config);
  std::size_t start = 0;
  for (std::size_t nl; (nl = arch.find('\n', start)) != std::string::npos; start = nl + 1)
    std::printf("  %s\n", arch.substr(start, nl - start).c_str());
  std::printf("parameters\n");
  for (const auto& p : specs)
    std::printf("  %-40s %-22s %lld\n", p.name.c_str(), p.shapeText().c_str(),
                static_cast<long long>(p.elementCount()));
  std::printf("total         %lld parameters (%.1f MB fp32), %.3f GFLOP per slice\n", static_cast<long long>(count),
              count * 4 / 1e6, forwardFlopsPerSlice(config) / 1e9);
  if (info && !info->metadata.empty()) {
    std::printf("metadata\n");
    for (const auto& [k, v] : info->metadata)
      std::printf("  %-28s %s\n", k.c_str(), v.c_str());
  }
}

} // namespace
#endif

void registerModel(CLI::App& app, Context& context, int& exitCode) {
#if STREGA_HAVE_MODEL
  auto* model = app.add_subcommand("model", "Inspect or convert cceVAE models");
  model->require_subcommand(1);

  auto* info = model->add_subcommand("info", "Print a model's architecture, parameter names and shapes, and count");
  struct InfoArgs {
    std::string config, checkpoint;
    bool json = false;
  };
  auto a = std::make_shared<InfoArgs>();
  auto* configOption = info->add_option("--config", a->config, "a named configuration: reference or compact");
  auto* checkpointOption = info->add_option("--checkpoint", a->checkpoint,
                                            "a model file: StRegA checkpoint, safetensors, TorchScript or torch.save");
  configOption->excludes(checkpointOption);
  info->add_flag("--json", a->json, "print JSON (the count is under \"parameters\")");
  info->callback([a, &exitCode] {
    exitCode = runCommand([&] {
      if (!a->checkpoint.empty()) {
        const CheckpointInfo ci = inspectModel(a->checkpoint);
        printInfo(ci.config, &ci, a->json);
      } else {
        printInfo(ModelConfig::byName(a->config.empty() ? "compact" : a->config), nullptr, a->json);
      }
    });
  });

  auto* exp = model->add_subcommand("export", "Write a model's weights as safetensors (for PyTorch and other tools)");
  struct ExportArgs {
    std::string input, output, prefix;
  };
  auto e = std::make_shared<ExportArgs>();
  exp->add_option("MODEL", e->input, "model file (any format model info reads)")->required();
  exp->add_option("OUTPUT", e->output, "output .safetensors file")->required();
  exp->add_option("--prefix", e->prefix, "prefix for every parameter name, e.g. \"model.\"");
  exp->callback([e, &exitCode] {
    exitCode = runCommand([&] {
      exportSafetensors(loadModel(e->input), e->output, e->prefix);
      std::cout << "wrote " << e->output << "\n";
    });
  });

  auto* rec = model->add_subcommand("reconstruct", "Reconstruct a tissue map with a model (slice by slice, on the "
                                                   "input's grid) and report the mean absolute error and, per tissue "
                                                   "class, the mean output and the share of voxels the residual flags");
  struct ReconstructArgs {
    std::string model, input, output, device = "auto", precision = "fp32";
    int batch = 32, samples = 0, threads = 0;
  };
  auto r = std::make_shared<ReconstructArgs>();
  rec->add_option("MODEL", r->model, "model file")->required();
  rec->add_option("INPUT", r->input, "tissue map (labels 0-3 or values in [0,1]) on the atlas grid")->required();
  rec->add_option("OUTPUT", r->output, "reconstruction, e.g. recon.nii.gz (float32, input grid)")->required();
  rec->add_option("--device", r->device, "auto (default), cpu, cuda or cuda:N");
  rec->add_option("--batch-size", r->batch, "slices per forward pass (upper bound; halved on out-of-memory)");
  rec->add_option("--samples", r->samples, "0: decode mu (default); N: mean of N sampled decodings");
  rec->add_option("--precision", r->precision, "fp32 (default), fp16 or bf16 autocast (CUDA only)");
  rec->add_option("--threads", r->threads, "CPU threads (default: all cores)");
  rec->callback([r, &context, &exitCode] {
    exitCode = runCommand([&] {
      TerminalProgress bar(context.quiet);
      ProgressScope progress(bar, "reconstruct", context.cancel);
      CceVae net = loadModel(r->model);
      const ImageF input = toModelInput(io::readImage(r->input).image);
      InferenceOptions options;
      options.device = r->device;
      options.batchSize = r->batch;
      options.samples = r->samples;
      options.threads = r->threads;
      options.precision = parsePrecision(r->precision);
      const Reconstruction result = reconstructVolume(net, input, options, &progress);
      bar.finish();
      io::writeImage(result.image, r->output);
      // Per tissue class: a model that blurs towards one class shows here long before Dice does, and the share
      // above input + 0.2 is what the anomaly map flags on healthy tissue before any post-processing.
      const postprocess::ResidualOptions residual;
      struct ClassStats {
        const char* name;
        double value, outputSum = 0.0;
        std::size_t voxels = 0, flagged = 0;
      };
      ClassStats classes[] = {{"CSF", 1.0 / 3.0}, {"GM", 2.0 / 3.0}, {"WM", 1.0}};
      double error = 0.0;
      for (std::size_t i = 0; i < input.voxelCount(); ++i) {
        if (input[i] <= 0.0f) continue;
        error += std::abs(result.image[i] - input[i]);
        ClassStats& c = *std::min_element(std::begin(classes), std::end(classes), [&](auto& a, auto& b) {
          return std::abs(input[i] - a.value) < std::abs(input[i] - b.value);
        });
        ++c.voxels;
        c.outputSum += result.image[i];
        if (result.image[i] - input[i] > residual.saturateAbove) ++c.flagged;
      }
      std::size_t brain = 0;
      for (const ClassStats& c : classes)
        brain += c.voxels;
      std::printf("wrote %s: %zu slices on %s in %.2f s (batch %d), mean |x^ - x| inside the brain %.4f\n",
                  r->output.c_str(), result.slicesRun, result.device.c_str(), result.seconds, result.batchSize,
                  brain ? error / static_cast<double>(brain) : 0.0);
      std::printf("by tissue class: mean output, and the share of voxels more than %.1f above the input\n",
                  residual.saturateAbove);
      for (const ClassStats& c : classes)
        if (c.voxels > 0)
          std::printf("  %-3s (input %.3f): %zu voxels, mean output %.3f, %.1f %% above\n", c.name, c.value, c.voxels,
                      c.outputSum / static_cast<double>(c.voxels),
                      100.0 * static_cast<double>(c.flagged) / static_cast<double>(c.voxels));
    });
  });
#else
  (void)app;
  (void)exitCode;
#endif
  (void)context;
}

} // namespace strega::cli
