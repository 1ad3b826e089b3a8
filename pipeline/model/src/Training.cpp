// Training: augmentation, context-encoding boxes, the ceVAE loss, Adam, validation, checkpoints and resume.
#include "CceVaeImpl.h"
#include "CheckpointImpl.h"
#include "CudaAutocast.h"
#include "TrainingOps.h"

#include "strega/core/Error.h"
#include "strega/model/Checkpoint.h"
#include "strega/model/Inference.h"
#include "strega/model/Training.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <numeric>
#include <sstream>

namespace strega::model {
namespace detail {
namespace {

std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

} // namespace

Random::Random(std::uint64_t seed) {
  for (auto& s : m_s)
    s = splitmix64(seed);
}

std::uint64_t Random::next() {
  const std::uint64_t result = rotl(m_s[1] * 5, 7) * 9;
  const std::uint64_t t = m_s[1] << 17;
  m_s[2] ^= m_s[0];
  m_s[3] ^= m_s[1];
  m_s[1] ^= m_s[2];
  m_s[0] ^= m_s[3];
  m_s[2] ^= t;
  m_s[3] = rotl(m_s[3], 45);
  return result;
}

double Random::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

std::int64_t Random::uniformInt(std::int64_t lo, std::int64_t hi) {
  if (hi <= lo) return lo;
  const auto span = static_cast<double>(hi - lo + 1);
  return std::min(hi, lo + static_cast<std::int64_t>(uniform() * span));
}

double Random::normal() {
  const double u1 = 1.0 - uniform(); // (0, 1]
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

std::uint64_t mixSeed(std::uint64_t a, std::uint64_t b) {
  std::uint64_t x = a ^ (b * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull);
  splitmix64(x);
  return splitmix64(x);
}

LossTerms ceVaeLoss(const torch::Tensor& mu, const torch::Tensor& logSigma, const torch::Tensor& reconstruction,
                    const torch::Tensor& contextReconstruction, const torch::Tensor& x, double contextWeight,
                    double klWeight, double reconstructionWeight) {
  const auto m = mu.to(torch::kFloat32);
  const auto ls = logSigma.to(torch::kFloat32);
  const auto target = x.to(torch::kFloat32);
  LossTerms t;
  t.kl = (0.5 * ((2.0 * ls).exp() + m * m - 1.0) - ls).mean();
  t.l1 = (reconstruction.to(torch::kFloat32) - target).abs().mean();
  t.l1Context = (contextReconstruction.to(torch::kFloat32) - target).abs().mean();
  t.total = (1.0 - contextWeight) * (klWeight * t.kl + reconstructionWeight * t.l1) + contextWeight * t.l1Context;
  return t;
}

torch::Tensor applyContextBoxes(const torch::Tensor& x, Random& rng, int maxBoxes, bool lastBoxOnly,
                                std::vector<Box>* applied) {
  torch::NoGradGuard noGrad;
  auto out = x.clone();
  const std::int64_t B = x.size(0), H = x.size(2), W = x.size(3);
  const float lo = x.min().item<float>(), hi = x.max().item<float>();
  for (std::int64_t b = 0; b < B; ++b) {
    const auto n = rng.uniformInt(0, std::max(0, maxBoxes));
    std::vector<Box> boxes;
    for (std::int64_t i = 0; i < n; ++i) {
      Box box{};
      box.sample = b;
      box.height = rng.uniformInt(1, std::max<std::int64_t>(1, H / 2));
      box.width = rng.uniformInt(1, std::max<std::int64_t>(1, W / 2));
      box.top = rng.uniformInt(0, H - box.height);
      box.left = rng.uniformInt(0, W - box.width);
      box.value = static_cast<float>(rng.uniform(lo, hi));
      boxes.push_back(box);
    }
    if (lastBoxOnly && boxes.size() > 1) boxes.erase(boxes.begin(), boxes.end() - 1);
    for (const auto& box : boxes) {
      out.select(0, b).narrow(1, box.top, box.height).narrow(2, box.left, box.width).fill_(box.value);
      if (applied) applied->push_back(box);
    }
  }
  return out;
}

torch::Tensor augmentBatch(const torch::Tensor& x, Random& rng, const AugmentationOptions& o) {
  namespace F = torch::nn::functional;
  if (!o.enabled) return x;
  torch::NoGradGuard noGrad;
  const std::int64_t B = x.size(0), H = x.size(2), W = x.size(3);
  const auto device = x.device();
  const auto cpu = torch::TensorOptions().dtype(torch::kFloat32);

  // Affine: the sampling grid maps output to input coordinates (normalised to [-1, 1]).
  auto theta = torch::empty({B, 2, 3}, cpu);
  auto th = theta.accessor<float, 3>();
  for (std::int64_t b = 0; b < B; ++b) {
    const double angle = rng.uniform(-o.rotationDegrees, o.rotationDegrees) * M_PI / 180.0;
    const double s = rng.uniform(1.0 - o.scaleRange, 1.0 + o.scaleRange);
    const double aniso = rng.uniform(-o.scaleRange / 3.0, o.scaleRange / 3.0);
    const double sx = s * (1.0 + aniso), sy = s * (1.0 - aniso);
    const double tx = 2.0 * rng.uniform(-o.translationFraction, o.translationFraction);
    const double ty = 2.0 * rng.uniform(-o.translationFraction, o.translationFraction);
    const double flip = o.flipLeftRight && rng.chance(0.5) ? -1.0 : 1.0;
    const double c = std::cos(angle), sn = std::sin(angle);
    th[b][0][0] = static_cast<float>(c * flip / sx);
    th[b][0][1] = static_cast<float>(-sn / sy);
    th[b][0][2] = static_cast<float>(tx);
    th[b][1][0] = static_cast<float>(sn * flip / sx);
    th[b][1][1] = static_cast<float>(c / sy);
    th[b][1][2] = static_cast<float>(ty);
  }
  auto grid = F::affine_grid(theta, {B, 1, H, W}, false);

  // Elastic: smooth displacements interpolated from a coarse grid of random control-point offsets.
  const std::int64_t g = std::max(2, o.elasticControlPoints);
  auto control = torch::zeros({B, 2, g, g}, cpu);
  auto ct = control.accessor<float, 4>();
  for (std::int64_t b = 0; b < B; ++b) {
    if (!rng.chance(o.elasticProbability)) continue;
    for (std::int64_t c = 0; c < 2; ++c)
      for (std::int64_t i = 0; i < g; ++i)
        for (std::int64_t j = 0; j < g; ++j)
          ct[b][c][i][j] = static_cast<float>(rng.normal() * o.elasticPixels * 2.0 / (c == 0 ? W : H));
  }
  auto displacement = F::interpolate(
    control, F::InterpolateFuncOptions().size(std::vector<int64_t>{H, W}).mode(torch::kBicubic).align_corners(true));
  grid = grid + displacement.permute({0, 2, 3, 1});
  auto y =
    F::grid_sample(x, grid.to(device),
                   F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kZeros).align_corners(false));

  // Intensity: class values, gamma, bias field and noise, inside the brain only.
  auto knots = torch::empty({B, 4}, cpu);
  auto gamma = torch::empty({B, 1, 1, 1}, cpu);
  auto active = torch::empty({B, 1, 1, 1}, cpu);
  auto bias = torch::empty({B, 1, 3, 3}, cpu);
  auto kn = knots.accessor<float, 2>();
  auto ga = gamma.accessor<float, 4>();
  auto ac = active.accessor<float, 4>();
  auto bi = bias.accessor<float, 4>();
  for (std::int64_t b = 0; b < B; ++b) {
    ac[b][0][0][0] = rng.chance(o.intensityProbability) ? 1.0f : 0.0f;
    kn[b][0] = 0.0f;
    for (int k = 1; k < 4; ++k)
      kn[b][k] = static_cast<float>(k / 3.0 + rng.uniform(-o.classJitter, o.classJitter));
    const double up = 1.0 + o.gammaRange;
    ga[b][0][0][0] = static_cast<float>(std::exp(rng.uniform(-std::log(up), std::log(up))));
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j)
        bi[b][0][i][j] = static_cast<float>(rng.uniform(-1.0, 1.0));
  }
  auto noiseGenerator = makeGenerator(rng.next());
  auto noise = torch::randn({B, 1, H, W}, noiseGenerator, cpu) * o.noiseStd;
  auto field =
    1.0 +
    o.biasField *
      F::interpolate(
        bias, F::InterpolateFuncOptions().size(std::vector<int64_t>{H, W}).mode(torch::kBicubic).align_corners(true));
  knots = knots.to(device);
  const auto brain = (y > 1e-3f).to(torch::kFloat32);
  // Piecewise-linear remap of [0, 1/3, 2/3, 1] onto the jittered knots.
  auto segment = (y * 3.0).floor().clamp(0, 2).to(torch::kLong).view({B, -1});
  auto lower = knots.gather(1, segment).view_as(y);
  auto upper = knots.gather(1, segment + 1).view_as(y);
  auto t = y * 3.0 - segment.view_as(y).to(torch::kFloat32);
  auto remapped = (lower + t * (upper - lower)).clamp_min(0.0).pow(gamma.to(device));
  auto changed = (remapped * field.to(device) + noise.to(device)) * brain;
  const auto a = active.to(device);
  return (a * changed + (1.0 - a) * y).clamp(0.0, 1.0);
}

} // namespace detail

std::string TrainOptions::toKeyValueText() const {
  std::ostringstream out;
  out.precision(10);
  const auto& a = augmentation;
  out << "config=" << config.name << "\n"
      << "initial_weights=" << initialWeights.string() << "\n"
      << "batch_size=" << batchSize << "\nsteps=" << steps << "\nepochs=" << epochs << "\nseed=" << seed
      << "\nlearning_rate=" << learningRate << "\ncontext_weight=" << contextWeight << "\nkl_weight=" << klWeight
      << "\nreconstruction_weight=" << reconstructionWeight << "\nmax_boxes=" << maxBoxes
      << "\nlast_box_only=" << lastBoxOnly << "\nvalidation_fraction=" << validationFraction
      << "\nvalidation_slices=" << validationSlices << "\ncheckpoint_every=" << checkpointEvery << "\ndevice=" << device
      << "\nprecision=" << precision << "\nthreads=" << threads << "\naugmentation=" << a.enabled
      << "\naug_rotation_degrees=" << a.rotationDegrees << "\naug_scale_range=" << a.scaleRange
      << "\naug_translation_fraction=" << a.translationFraction << "\naug_flip_left_right=" << a.flipLeftRight
      << "\naug_elastic_probability=" << a.elasticProbability << "\naug_elastic_pixels=" << a.elasticPixels
      << "\naug_elastic_control_points=" << a.elasticControlPoints
      << "\naug_intensity_probability=" << a.intensityProbability << "\naug_class_jitter=" << a.classJitter
      << "\naug_gamma_range=" << a.gammaRange << "\naug_bias_field=" << a.biasField << "\naug_noise_std=" << a.noiseStd
      << "\n";
  return out.str();
}

namespace {

namespace fs = std::filesystem;
using detail::Random;

std::string utcNow() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string formatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<long long>(seconds);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", s / 3600, (s / 60) % 60);
  else
    std::snprintf(buf, sizeof buf, "%lldm%02llds", s / 60, s % 60);
  return buf;
}

/// Slices `indices` of the set as a CPU tensor [n,1,S,S].
torch::Tensor gatherSlices(const TrainingSet& data, const std::vector<std::size_t>& indices) {
  const int S = data.config().inputSize;
  auto t = torch::empty({static_cast<int64_t>(indices.size()), 1, S, S}, torch::kFloat32);
  float* dst = t.data_ptr<float>();
  for (std::size_t i = 0; i < indices.size(); ++i)
    std::memcpy(dst + i * data.sliceSize(), data.slice(indices[i]), data.sliceSize() * sizeof(float));
  return t;
}

struct StepOutput {
  detail::LossTerms terms;
};

/// Forward pass of x and its context-encoded twin in one batch, and the loss.
detail::LossTerms forwardLoss(detail::Net& net, const torch::Tensor& x, const torch::Tensor& xt,
                              const torch::Tensor& eps, const TrainOptions& o, bool autocast, at::ScalarType dtype) {
  const auto B = x.size(0);
  torch::Tensor mu, logSigma, reconstruction;
  {
    CudaAutocast guard(autocast, dtype);
    auto both = torch::cat({x, xt}, 0);
    std::tie(mu, logSigma) = net->encode(both);
    auto z = mu + logSigma.exp() * eps.to(mu.scalar_type());
    reconstruction = net->decode(z);
  }
  return detail::ceVaeLoss(mu.narrow(0, 0, B), logSigma.narrow(0, 0, B), reconstruction.narrow(0, 0, B),
                           reconstruction.narrow(0, B, B), x, o.contextWeight, o.klWeight, o.reconstructionWeight);
}

} // namespace

TrainResult train(const TrainingSet& data, const TrainOptions& o, ProgressScope& progress) {
  if (o.outputDir.empty()) throw Error(ErrorKind::InvalidArgument, "training needs an output folder");
  if (o.batchSize < 1) throw Error(ErrorKind::InvalidArgument, "batch size must be at least 1");
  if (o.checkpointEvery < 1) throw Error(ErrorKind::InvalidArgument, "checkpoint interval must be at least 1 step");
  if (!(o.learningRate > 0.0)) throw Error(ErrorKind::InvalidArgument, "learning rate must be positive");
  if (!data.config().sameArchitecture(o.config) || data.config().fieldOfViewMm != o.config.fieldOfViewMm)
    throw Error(ErrorKind::Internal, "the training set was sliced for another model configuration");
  if (data.sliceCount() == 0) throw Error(ErrorKind::InvalidInput, "no non-empty slices to train on");
  const int threads = setCpuThreads(o.threads);

  std::error_code ec;
  fs::create_directories(o.outputDir, ec);
  if (ec) throw Error(ErrorKind::Io, "cannot create the output folder " + o.outputDir.string(), ec.message());
  TrainResult result;
  result.checkpointPath = o.outputDir / "checkpoint.pt";
  result.modelPath = o.outputDir / "model.pt";
  result.csvPath = o.outputDir / "loss.csv";
  result.plotPath = o.outputDir / "loss.png";

  const auto split = data.split(o.validationFraction);
  if (split.training.empty())
    throw Error(ErrorKind::InvalidInput, "no training slices left after the validation split");
  result.trainingSlices = split.training.size();
  result.validationSlices = split.validation.size();
  const auto nTrain = static_cast<std::int64_t>(split.training.size());
  const std::int64_t B = o.batchSize;
  const std::int64_t totalSteps =
    o.steps > 0 ? o.steps : std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(o.epochs * nTrain / B)));

  // Model: resumed, fine-tuned or fresh.
  CceVae model(o.config, o.seed);
  std::int64_t startStep = 0;
  double secondsBefore = 0.0;
  TrainingLog log;
  if (o.resume && fs::exists(result.checkpointPath)) {
    CheckpointInfo info;
    model = loadModel(result.checkpointPath, &info);
    if (!info.config.sameArchitecture(o.config) || info.config.fieldOfViewMm != o.config.fieldOfViewMm)
      throw Error(ErrorKind::InvalidArgument, "the checkpoint in " + o.outputDir.string() + " is of configuration '" +
                                                info.config.name + "', not '" + o.config.name +
                                                "': use another output folder or the same configuration");
    if (!info.hasOptimizerState)
      throw Error(ErrorKind::Model, result.checkpointPath.string() + " holds no optimizer state: cannot resume");
    try {
      startStep = std::stoll(info.metadata.at("step"));
    } catch (const std::exception&) {
      throw Error(ErrorKind::Model, result.checkpointPath.string() + " lacks its step count: cannot resume");
    }
    log = TrainingLog::fromCsv(info.trainingLogCsv);
    log.truncateAfter(startStep);
    if (!log.records().empty()) secondsBefore = log.records().back().seconds;
    result.resumed = true;
  } else if (!o.initialWeights.empty()) {
    CheckpointInfo info;
    model = loadModel(o.initialWeights, &info);
    if (!info.config.sameArchitecture(o.config))
      throw Error(ErrorKind::InvalidArgument, "the initial weights " + o.initialWeights.string() +
                                                " are of another architecture than '" + o.config.name + "'");
  }
  result.device = model.setDevice(o.device, &progress);
  const torch::Device device(result.device);

  // Precision: bf16 autocast by default on CUDA; fp16 with dynamic loss scaling; always fp32 on the CPU.
  Precision precision = Precision::Float32;
  if (o.precision == "auto")
    precision = device.is_cuda() ? Precision::BFloat16 : Precision::Float32;
  else
    precision = parsePrecision(o.precision);
  if (!device.is_cuda() && precision != Precision::Float32) {
    progress.warn(std::string("mixed precision (") + toString(precision) +
                  ") is for CUDA; training in fp32 on the CPU");
    precision = Precision::Float32;
  }
  const bool autocast = precision != Precision::Float32;
  const auto autocastType = precision == Precision::Float16 ? at::kHalf : at::kBFloat16;
  double lossScale = precision == Precision::Float16 ? 65536.0 : 1.0;
  int goodSteps = 0;

  auto& net = model.impl().net;
  torch::optim::Adam optimizer(net->parameters(), torch::optim::AdamOptions(o.learningRate));
  if (result.resumed) detail::loadOptimizerState(result.checkpointPath, optimizer, device);

  // A fixed validation batch set: evenly spaced slices, fixed boxes and noise.
  std::vector<std::size_t> validation;
  if (!split.validation.empty()) {
    const std::size_t n = std::min<std::size_t>(split.validation.size(), std::max(1, o.validationSlices));
    for (std::size_t i = 0; i < n; ++i)
      validation.push_back(split.validation[i * split.validation.size() / n]);
  }
  auto validationLoss = [&]() -> double {
    if (validation.empty()) return std::numeric_limits<double>::quiet_NaN();
    torch::NoGradGuard noGrad;
    net->eval();
    Random rng(detail::mixSeed(o.seed, 0xFA11DA7Eull));
    double sum = 0.0;
    std::size_t count = 0;
    for (std::size_t begin = 0; begin < validation.size(); begin += static_cast<std::size_t>(B)) {
      const std::vector<std::size_t> idx(validation.begin() + begin,
                                         validation.begin() + std::min(validation.size(), begin + B));
      auto x = gatherSlices(data, idx).to(device);
      auto xt = detail::applyContextBoxes(x, rng, o.maxBoxes, o.lastBoxOnly);
      auto gen = detail::makeGenerator(rng.next());
      auto eps = torch::randn({2 * x.size(0), o.config.latentDim}, gen, torch::kFloat32).to(device);
      auto terms = forwardLoss(net, x, xt, eps, o, autocast, autocastType);
      sum += terms.total.item<double>() * static_cast<double>(idx.size());
      count += idx.size();
    }
    net->train();
    return sum / static_cast<double>(count);
  };

  auto metadata = [&](std::int64_t step) {
    std::map<std::string, std::string> m = decodeKeyValues(o.toKeyValueText());
    m["step"] = std::to_string(step);
    m["epoch"] = std::to_string(step * B / nTrain);
    m["total_steps"] = std::to_string(totalSteps);
    m["training_slices"] = std::to_string(split.training.size());
    m["validation_slices_held_out"] = std::to_string(split.validation.size()); // validation_slices: the cap per pass
    m["validation_by_volume"] = split.byVolume ? "1" : "0";
    m["volumes"] = std::to_string(data.volumeCount());
    std::string names;
    for (std::size_t v = 0; v < data.volumeCount(); ++v) {
      if (v) names += ';';
      names += data.volumeName(v);
    }
    m["volume_names"] = names;
    m["trained_on_device"] = result.device;
    m["cpu_threads"] = std::to_string(threads);
    m["saved_at"] = utcNow();
    if (!log.records().empty()) {
      m["train_loss"] = std::to_string(log.records().back().loss);
      for (auto it = log.records().rbegin(); it != log.records().rend(); ++it)
        if (std::isfinite(it->validationLoss)) {
          m["validation_loss"] = std::to_string(it->validationLoss);
          break;
        }
    }
    return m;
  };
  auto saveCheckpoint = [&](std::int64_t step) {
    detail::saveCheckpointArchive(model, result.checkpointPath, metadata(step), log.toCsv(), &optimizer);
    log.writeCsv(result.csvPath);
    if (!log.records().empty()) log.writePlot(result.plotPath, "cceVAE " + o.config.name + " training");
  };

  // Batches: a fresh permutation of the training slices per epoch, derived from (seed, epoch).
  std::int64_t permutationEpoch = -1;
  std::vector<std::size_t> permutation;
  auto trainingIndex = [&](std::int64_t position) {
    const std::int64_t epoch = position / nTrain;
    if (epoch != permutationEpoch) {
      permutation = split.training;
      Random rng(detail::mixSeed(o.seed ^ 0xB47C4E5ull, static_cast<std::uint64_t>(epoch)));
      for (std::size_t i = permutation.size(); i > 1; --i)
        std::swap(permutation[i - 1],
                  permutation[static_cast<std::size_t>(rng.uniformInt(0, static_cast<std::int64_t>(i) - 1))]);
      permutationEpoch = epoch;
    }
    return permutation[static_cast<std::size_t>(position % nTrain)];
  };

  result.firstStep = startStep + 1;
  result.lastStep = startStep;
  net->train();
  const auto start = std::chrono::steady_clock::now();
  std::int64_t lastSaved = startStep;
  try {
    for (std::int64_t step = startStep + 1; step <= totalSteps; ++step) {
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const std::int64_t doneHere = step - result.firstStep;
      char message[96];
      if (doneHere > 0 && !log.records().empty())
        std::snprintf(message, sizeof message, "step %lld/%lld loss %.4g ETA %s", static_cast<long long>(step),
                      static_cast<long long>(totalSteps), log.records().back().loss,
                      formatDuration(elapsed / doneHere * (totalSteps - step + 1)).c_str());
      else
        std::snprintf(message, sizeof message, "step %lld/%lld", static_cast<long long>(step),
                      static_cast<long long>(totalSteps));
      progress.update(static_cast<double>(step - 1) / static_cast<double>(totalSteps), message);

      std::vector<std::size_t> idx(static_cast<std::size_t>(B));
      for (std::int64_t b = 0; b < B; ++b)
        idx[static_cast<std::size_t>(b)] = trainingIndex((step - 1) * B + b);
      Random rng(detail::mixSeed(o.seed, static_cast<std::uint64_t>(step)));
      auto x = detail::augmentBatch(gatherSlices(data, idx).to(device), rng, o.augmentation);
      auto xt = detail::applyContextBoxes(x, rng, o.maxBoxes, o.lastBoxOnly);
      auto gen = detail::makeGenerator(rng.next());
      auto eps = torch::randn({2 * B, o.config.latentDim}, gen, torch::kFloat32).to(device);

      auto terms = forwardLoss(net, x, xt, eps, o, autocast, autocastType);
      optimizer.zero_grad();
      const double lossValue = terms.total.item<double>();
      if (!std::isfinite(lossValue) && precision != Precision::Float16)
        throw Error(ErrorKind::Model, "training diverged: the loss became " + std::to_string(lossValue) + " at step " +
                                        std::to_string(step) + " (try a lower learning rate)");
      bool stepTaken = true;
      if (precision == Precision::Float16) {
        (terms.total * lossScale).backward();
        bool finite = std::isfinite(lossValue);
        for (auto& p : net->parameters())
          if (p.grad().defined()) finite = finite && torch::isfinite(p.grad()).all().item<bool>();
        if (!finite) {
          lossScale = std::max(1.0, lossScale / 2.0);
          goodSteps = 0;
          stepTaken = false;
        } else {
          for (auto& p : net->parameters())
            if (p.grad().defined()) p.mutable_grad().div_(lossScale);
          if (++goodSteps == 2000) lossScale *= 2.0, goodSteps = 0;
        }
      } else {
        terms.total.backward();
      }
      if (stepTaken) optimizer.step();

      LossRecord record;
      record.step = step;
      record.epoch = (step - 1) * B / nTrain;
      record.loss = lossValue;
      record.kl = terms.kl.item<double>();
      record.l1 = terms.l1.item<double>();
      record.l1Context = terms.l1Context.item<double>();
      record.seconds = secondsBefore + std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      log.add(record);
      result.lastStep = step;

      if (step % o.checkpointEvery == 0 || step == totalSteps) {
        const double v = validationLoss();
        LossRecord last = log.records().back();
        last.validationLoss = v;
        log.truncateAfter(step - 1);
        log.add(last);
        saveCheckpoint(step);
        lastSaved = step;
      }
    }
  } catch (const Cancelled&) {
    if (result.lastStep > lastSaved) saveCheckpoint(result.lastStep);
    throw;
  } catch (...) {
    detail::rethrowAsModelError("training failed");
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::int64_t ran = result.lastStep - startStep;
  result.stepsPerSecond = ran > 0 && seconds > 0 ? ran / seconds : 0.0;
  if (result.lastStep > lastSaved || !fs::exists(result.checkpointPath)) saveCheckpoint(result.lastStep);
  saveModel(model, result.modelPath, metadata(result.lastStep));
  log.writeCsv(result.csvPath);
  if (!log.records().empty()) log.writePlot(result.plotPath, "cceVAE " + o.config.name + " training");

  // Summary: mean loss over the last checkpoint interval and the last validation loss.
  const auto& records = log.records();
  std::size_t window = std::min<std::size_t>(records.size(), static_cast<std::size_t>(o.checkpointEvery));
  double sum = 0.0;
  for (std::size_t i = records.size() - window; i < records.size(); ++i)
    sum += records[i].loss;
  result.finalLoss = window ? sum / static_cast<double>(window) : 0.0;
  result.finalValidationLoss = std::numeric_limits<double>::quiet_NaN();
  for (auto it = records.rbegin(); it != records.rend(); ++it)
    if (std::isfinite(it->validationLoss)) {
      result.finalValidationLoss = it->validationLoss;
      break;
    }
  result.log = log;
  progress.update(1.0, "done");
  return result;
}

void applyDefaultModelPreset(TrainOptions& o) {
  // The compact network over a 192 mm field of view: 1.5 mm pixels instead of 1.875 mm resolve sulci and
  // ventricle borders the model has to reproduce, and 192 mm still holds every axial section of a brain
  // registered to Colin27 (at most 176 mm front to back).
  o.config = ModelConfig::compact();
  o.config.fieldOfViewMm = 192.0;
  o.config.name = o.config.nameFromShape();
  o.batchSize = 16;
  o.steps = 12000;
  o.seed = 1;
  o.learningRate = 5e-4;
  o.validationFraction = 0.1;
  o.checkpointEvery = 500;
  // Spatial augmentation sized to what the model meets: every input is registered to the atlas (affine, then
  // deformable) before it is sliced, so what is left is the registration's residual and local anatomical
  // variation, not head pose. Larger deformations spend the compact model's capacity on shapes it never sees and
  // blur every reconstruction (MODEL_CARD.md, Training procedure).
  auto& a = o.augmentation;
  a.rotationDegrees = 3.0;
  a.scaleRange = 0.05;
  a.translationFraction = 0.03;
  a.elasticProbability = 0.9;
  a.elasticPixels = 1.0;
  a.intensityProbability = 0.9;
  a.classJitter = 0.05;
  a.gammaRange = 0.3;
  a.biasField = 0.08;
  a.noiseStd = 0.02;
}

} // namespace strega::model
