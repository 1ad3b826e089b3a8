// train_raw: `strega-cli train --preset default-model` for a machine that can build only core + model (a GPU
// server with Python's torch): the tissue map comes as raw uint8 labels plus a one-line geometry file, because
// the model-only build has no image reader. make the pair with bench/model/export_raw.sh on a full build.
//   train_raw TISSUE.u8 TISSUE.geometry OUTDIR [--steps N] [--device cuda] [--precision fp32] [recipe options]
// recipe options (as strega-cli train's): --fov-mm MM --latent Z --lr LR --seed S --batch-size N --kl-weight B
//   --context-weight CE --augment-rotation-deg D --augment-scale R --augment-translation F --augment-elastic-px PX
//   --augment-intensity-probability P --checkpoint-every N --threads N
// geometry line: nx ny nz  sx sy sz  ox oy oz  d00 d01 d02 d10 d11 d12 d20 d21 d22   (LPS, mm, row-major)
#include "strega/core/Error.h"
#include "strega/core/ProgressScope.h"
#include "strega/core/ProgressSink.h"
#include "strega/model/Training.h"
#include "strega/model/TrainingSet.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

using namespace strega;

namespace {

/// Prints progress once every ten seconds (a log, not a bar: the output is usually captured).
class LogSink final : public ProgressSink {
public:
  void progress(double fraction, std::string_view, std::string_view message) override {
    const auto now = std::chrono::steady_clock::now();
    if (now - m_last < std::chrono::seconds(10) && fraction < 1.0) return;
    m_last = now;
    std::printf("%5.1f %% %.*s\n", 100.0 * fraction, static_cast<int>(message.size()), message.data());
    std::fflush(stdout);
  }
  void warning(std::string_view message) override {
    std::printf("warning: %.*s\n", static_cast<int>(message.size()), message.data());
  }

private:
  std::chrono::steady_clock::time_point m_last{};
};

} // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: train_raw TISSUE.u8 TISSUE.geometry OUTDIR [--steps N] [--device D] [--precision P] "
                         "[--fov-mm MM] [--latent Z] [--lr LR] [--seed S] [--batch-size N] [--kl-weight B] "
                         "[--context-weight CE] [--augment-rotation-deg D] [--augment-scale R] "
                         "[--augment-translation F] [--augment-elastic-px PX] [--augment-intensity-probability P] "
                         "[--checkpoint-every N] [--threads N]\n");
    return 2;
  }
  try {
    model::TrainOptions o;
    model::applyDefaultModelPreset(o);
    o.outputDir = argv[3];
    o.device = "auto";
    for (int i = 4; i + 1 < argc; i += 2) {
      const std::string key = argv[i];
      if (key == "--steps")
        o.steps = std::atoll(argv[i + 1]);
      else if (key == "--device")
        o.device = argv[i + 1];
      else if (key == "--precision")
        o.precision = argv[i + 1];
      else if (key == "--fov-mm")
        o.config.fieldOfViewMm = std::atof(argv[i + 1]);
      else if (key == "--latent")
        o.config.latentDim = std::atoi(argv[i + 1]);
      else if (key == "--lr")
        o.learningRate = std::atof(argv[i + 1]);
      else if (key == "--seed")
        o.seed = std::strtoull(argv[i + 1], nullptr, 10);
      else if (key == "--batch-size")
        o.batchSize = std::atoi(argv[i + 1]);
      else if (key == "--kl-weight")
        o.klWeight = std::atof(argv[i + 1]);
      else if (key == "--context-weight")
        o.contextWeight = std::atof(argv[i + 1]);
      else if (key == "--augment-scale")
        o.augmentation.scaleRange = std::atof(argv[i + 1]);
      else if (key == "--augment-translation")
        o.augmentation.translationFraction = std::atof(argv[i + 1]);
      else if (key == "--augment-intensity-probability")
        o.augmentation.intensityProbability = std::atof(argv[i + 1]);
      else if (key == "--augment-rotation-deg")
        o.augmentation.rotationDegrees = std::atof(argv[i + 1]);
      else if (key == "--augment-elastic-px")
        o.augmentation.elasticPixels = std::atof(argv[i + 1]);
      else if (key == "--checkpoint-every")
        o.checkpointEvery = std::atoll(argv[i + 1]);
      else if (key == "--threads")
        o.threads = std::atoi(argv[i + 1]);
      else
        throw Error(ErrorKind::InvalidArgument, "unknown option " + key);
    }
    // After every option, so that a size given on the command line renames the preset's configuration once.
    o.config.name = o.config.nameFromShape();
    o.config.validate();
    ImageGeometry g;
    std::ifstream geometry(argv[2]);
    geometry >> g.size[0] >> g.size[1] >> g.size[2] >> g.spacingMm[0] >> g.spacingMm[1] >> g.spacingMm[2] >>
      g.originMm[0] >> g.originMm[1] >> g.originMm[2];
    for (double& d : g.direction)
      geometry >> d;
    if (!geometry) throw Error(ErrorKind::InvalidInput, std::string("cannot read the geometry line of ") + argv[2]);
    ImageF labels(g, 0.0f);
    std::ifstream raw(argv[1], std::ios::binary);
    std::string bytes(labels.voxelCount(), '\0');
    if (!raw.read(bytes.data(), static_cast<std::streamsize>(bytes.size())))
      throw Error(ErrorKind::InvalidInput, std::string("too few voxels in ") + argv[1]);
    for (std::size_t n = 0; n < bytes.size(); ++n)
      labels[n] = static_cast<float>(static_cast<unsigned char>(bytes[n]));
    model::TrainingSet data(o.config);
    const auto added = data.addVolume(model::toModelInput(labels), "colin27_tissue.nii.gz");
    std::printf("%zu slices from %s\n", added, argv[1]);
    LogSink sink;
    ProgressScope progress(sink, "train");
    const model::TrainResult r = model::train(data, o, progress);
    std::printf("trained steps %lld-%lld on %s: %.1f steps/s, final loss %.5f\n", static_cast<long long>(r.firstStep),
                static_cast<long long>(r.lastStep), r.device.c_str(), r.stepsPerSecond, r.finalLoss);
  } catch (const Error& e) {
    std::fprintf(stderr, "train_raw: %s (%s)\n", e.userMessage().c_str(), e.detail().c_str());
    return 1;
  }
  return 0;
}
