// The network through its torch-free public API: construction, shapes, passes, devices, volume inference.
#include "strega/model/CceVae.h"
#include "strega/core/Error.h"
#include "strega/core/ProgressScope.h"
#include "strega/model/Checkpoint.h"
#include "strega/model/Inference.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>

using namespace strega;
using namespace strega::model;
namespace fs = std::filesystem;

namespace {

std::vector<float> pattern(int count, int size) {
  std::vector<float> v(static_cast<std::size_t>(count) * size * size);
  for (std::size_t i = 0; i < v.size(); ++i)
    v[i] = static_cast<float>((i * 37) % 101) / 100.0f;
  return v;
}

ModelConfig tiny() {
  ModelConfig c;
  c.name = "custom";
  c.inputSize = 32;
  c.featureMaps = {4, 8, 8, 16};
  c.latentDim = 8;
  c.fieldOfViewMm = 32.0;
  return c;
}

} // namespace

TEST(CceVae, Compact_LiveParametersEqualTheSpecs) {
  const CceVae model(ModelConfig::compact());
  const auto live = model.parameters();
  const auto specs = parameterSpecs(ModelConfig::compact());
  ASSERT_EQ(live.size(), specs.size());
  for (std::size_t i = 0; i < live.size(); ++i) {
    EXPECT_EQ(live[i].name, specs[i].name);
    EXPECT_EQ(live[i].shape, specs[i].shape);
  }
  EXPECT_EQ(model.parameterCount(), parameterCount(ModelConfig::compact()));
}

TEST(CceVae, Reference_ConstructsWithTheAuthorsLayout) {
  // 812,295,576 fp32 parameters: 3.25 GB of memory and a few seconds of initialisation.
  const CceVae model(ModelConfig::reference());
  EXPECT_EQ(model.parameterCount(), 812295576);
  const auto live = model.parameters();
  const auto specs = parameterSpecs(ModelConfig::reference());
  ASSERT_EQ(live.size(), 18u);
  for (std::size_t i = 0; i < live.size(); ++i) {
    EXPECT_EQ(live[i].name, specs[i].name);
    EXPECT_EQ(live[i].shape, specs[i].shape);
  }
}

TEST(CceVae, EncodeDecode_HaveTheConfiguredShapes) {
  const CceVae model(ModelConfig::compact(), 7);
  const auto enc = model.encode(pattern(3, 128), 3);
  EXPECT_EQ(enc.mu.size(), 3u * 128);
  EXPECT_EQ(enc.logSigma.size(), 3u * 128);
  const auto dec = model.decode(enc.mu, 3);
  EXPECT_EQ(dec.size(), 3u * 128 * 128);
  // reconstruct() from mu is decode(encode().mu).
  EXPECT_EQ(model.reconstruct(pattern(3, 128), 3), dec);
}

TEST(CceVae, SameSeed_SameWeights_DifferentSeed_Different) {
  const auto a = CceVae(tiny(), 5).stateDict(), b = CceVae(tiny(), 5).stateDict(), c = CceVae(tiny(), 6).stateDict();
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    EXPECT_EQ(a[i].values, b[i].values);
  EXPECT_NE(a[0].values, c[0].values);
  EXPECT_EQ(a[1].values, std::vector<float>{0.25f}); // PReLU slope
}

TEST(CceVae, SampledReconstruction_AveragesAndDependsOnSeed) {
  const CceVae model(tiny(), 1);
  const auto x = pattern(2, 32);
  const auto one = model.reconstruct(x, 2, 4, 11), same = model.reconstruct(x, 2, 4, 11),
             other = model.reconstruct(x, 2, 4, 12);
  EXPECT_EQ(one, same);
  EXPECT_NE(one, other);
}

TEST(CceVae, LoadStateDict_AcceptsModelPrefix) {
  CceVae a(tiny(), 1), b(tiny(), 2);
  auto weights = a.stateDict();
  for (auto& w : weights)
    w.name = "model." + w.name;
  b.loadStateDict(weights);
  EXPECT_EQ(a.reconstruct(pattern(1, 32), 1), b.reconstruct(pattern(1, 32), 1));
}

TEST(CceVae, LoadStateDict_ShapeMismatch_RefusedNamingTheParameterAndUnchanged) {
  CceVae model(tiny(), 1);
  const auto before = model.stateDict();
  auto weights = CceVae(tiny(), 2).stateDict();
  weights[4].shape = {8, 4, 3, 3}; // enc.middle_blocks.3.conv.weight should be [8,8,3,3]
  weights[4].values.resize(8 * 4 * 9);
  try {
    model.loadStateDict(weights, "test file");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Model);
    EXPECT_NE(e.userMessage().find("enc.middle_blocks.3.conv.weight"), std::string::npos) << e.userMessage();
    EXPECT_NE(e.userMessage().find("[8,4,3,3]"), std::string::npos) << e.userMessage();
  }
  const auto after = model.stateDict();
  for (std::size_t i = 0; i < before.size(); ++i)
    EXPECT_EQ(before[i].values, after[i].values);
}

TEST(CceVae, LoadStateDict_MissingOrExtraParameter_Refused) {
  CceVae model(tiny(), 1);
  auto weights = model.stateDict();
  weights.pop_back();
  EXPECT_THROW(model.loadStateDict(weights), Error);
  weights = model.stateDict();
  weights.push_back({"enc.extra.weight", {1}, {1.0f}});
  EXPECT_THROW(model.loadStateDict(weights), Error);
}

TEST(Device, CudaRequestedWithoutCuda_ClearModelError) {
  if (cudaAvailable()) GTEST_SKIP() << "this machine has CUDA";
  try {
    resolveDevice("cuda");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Model);
    EXPECT_NE(e.userMessage().find("CUDA"), std::string::npos);
  }
  EXPECT_THROW(resolveDevice("cuda:1"), Error);
}

TEST(Device, Auto_FallsBackToCpuWithAWarning) {
  if (cudaAvailable()) GTEST_SKIP() << "this machine has CUDA";
  RecordingProgressSink sink;
  ProgressScope scope(sink, "test");
  EXPECT_EQ(resolveDevice("auto", &scope), "cpu");
  ASSERT_EQ(sink.warnings().size(), 1u);
  EXPECT_NE(sink.warnings()[0].find("CPU"), std::string::npos);
  EXPECT_EQ(resolveDevice("CPU"), "cpu");
  try {
    resolveDevice("tpu");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
  }
}

TEST(Device, SetCpuThreads_ZeroMeansAllCores) {
  EXPECT_GE(setCpuThreads(0), 1);
  EXPECT_EQ(setCpuThreads(1), 1);
  setCpuThreads(0);
}

namespace {
ImageF brainLikeVolume(Size3 size) {
  ImageGeometry g;
  g.size = size;
  ImageF v(g, 0.0f);
  for (std::size_t k = 1; k + 1 < size[2]; ++k)
    for (std::size_t j = 0; j < size[1]; ++j)
      for (std::size_t i = 0; i < size[0]; ++i) {
        const double r = std::hypot(i - size[0] / 2.0, j - size[1] / 2.0);
        v.at(i, j, k) = r < 4 ? 1.0f : r < 7 ? 2.0f / 3 : r < 9 ? 1.0f / 3 : 0.0f;
      }
  return v;
}
} // namespace

TEST(Inference, ReconstructVolume_SameGridEqualsSliceWiseReconstruct) {
  CceVae model(tiny(), 3);
  auto volume = brainLikeVolume({32, 32, 6}); // 1 mm on a 32 mm grid of 32 pixels: exact pad/crop
  InferenceOptions options;
  options.device = "cpu";
  options.batchSize = 3;
  const auto result = reconstructVolume(model, volume, options);
  EXPECT_TRUE(result.image.geometry().sameGrid(volume.geometry()));
  EXPECT_EQ(result.slicesRun, 4u); // first and last slices are empty
  EXPECT_EQ(result.device, "cpu");
  // Slice 2 equals the network's own reconstruction of that slice; empty slices stay 0.
  std::vector<float> slice(32 * 32);
  for (std::size_t j = 0; j < 32; ++j)
    for (std::size_t i = 0; i < 32; ++i)
      slice[j * 32 + i] = volume.at(i, j, 2);
  const auto expected = model.reconstruct(slice, 1);
  for (std::size_t j = 0; j < 32; ++j)
    for (std::size_t i = 0; i < 32; ++i)
      ASSERT_NEAR(result.image.at(i, j, 2), expected[j * 32 + i], 1e-5);
  EXPECT_EQ(result.image.at(5, 5, 0), 0.0f);
}

TEST(Inference, KlGradient_MatchesFiniteDifferencesOfTheEncodersKl) {
  // The shipped model (a fresh one has mu ~ 0 and log sigma ~ 0, where the KL is flat) on a volume on its own grid
  // (128 pixels of the model's pixel size), so that slices pass to the network unchanged.
  CceVae net = loadModel(fs::path(STREGA_SOURCE_DIR) / "resources/models/strega-compact-colin27.pt");
  ASSERT_EQ(net.config().inputSize, 128);
  const double pixel = net.config().pixelSizeMm();
  ImageGeometry g;
  g.size = {128, 128, 3};
  g.spacingMm = {pixel, pixel, pixel};
  ImageF volume(g, 0.0f);
  for (std::size_t j = 0; j < 128; ++j)
    for (std::size_t i = 0; i < 128; ++i) {
      const double r = std::hypot(i - 64.0, (j - 64.0) * 1.2);
      const double tissue = r < 20 ? 1.0 : r < 35 ? 2.0 / 3 : r < 40 ? 1.0 / 3 : 0.0; // WM, GM, CSF rings
      // A smooth texture inside the head, so that no pixel sits exactly on a tissue value, where the network has kinks
      const double texture = tissue > 0.0 ? 0.04 * std::sin(i / 5.0) * std::cos(j / 7.0) - 0.05 : 0.0;
      volume.at(i, j, 1) = static_cast<float>(tissue + texture);
    }
  InferenceOptions options;
  options.device = "cpu";
  const auto plain = reconstructVolume(net, volume, options);
  EXPECT_TRUE(plain.klGradient.empty()) << "only when asked";
  options.klGradient = true;
  const auto result = reconstructVolume(net, volume, options);
  ASSERT_TRUE(result.klGradient.geometry().sameGrid(volume.geometry()));
  // The reconstruction decodes the gradient pass's mu: the same image as without the gradient.
  float largestDifference = 0.0f;
  for (std::size_t v = 0; v < plain.image.voxelCount(); ++v)
    largestDifference = std::max(largestDifference, std::abs(plain.image[v] - result.image[v]));
  EXPECT_LT(largestDifference, 1e-5f);
  std::vector<float> slice(128 * 128);
  for (std::size_t j = 0; j < 128; ++j)
    for (std::size_t i = 0; i < 128; ++i)
      slice[j * 128 + i] = volume.at(i, j, 1);
  auto kl = [&](const std::vector<float>& x) { // KL(q(z|x) || N(0, I)) from the public encoder
    const auto e = net.encode(x, 1);
    double sum = 0.0;
    for (std::size_t d = 0; d < e.mu.size(); ++d)
      sum += 0.5 * (std::exp(2.0 * e.logSigma[d]) + e.mu[d] * e.mu[d] - 1.0) - e.logSigma[d];
    return sum;
  };
  // A central difference: the network is piecewise smooth (PReLU), and a step can still cross a unit's kink, which
  // changes the slope within it: the derivative must agree with the difference for at least one of four steps; a
  // wrong gradient agrees with none.
  double largest = 0.0;
  for (const auto& [i, j] : {std::pair{64, 64}, std::pair{64, 30}, std::pair{90, 70}, std::pair{40, 50}}) {
    const double analytic = result.klGradient.at(i, j, 1);
    std::string differences;
    bool agrees = false;
    for (double h : {0.0005, 0.001, 0.003, 0.01}) {
      auto plus = slice, minus = slice;
      plus[static_cast<std::size_t>(j) * 128 + i] += static_cast<float>(h);
      minus[static_cast<std::size_t>(j) * 128 + i] -= static_cast<float>(h);
      const double numeric = std::abs(kl(plus) - kl(minus)) / (2.0 * h);
      agrees = agrees || std::abs(analytic - numeric) <= 2e-3 + 0.05 * numeric;
      largest = std::max(largest, numeric);
      differences += " " + std::to_string(numeric);
    }
    EXPECT_TRUE(agrees) << "pixel " << i << "," << j << ": autograd " << analytic << ", differences" << differences;
  }
  EXPECT_GT(largest, 1e-2) << "a gradient of zero everywhere would pass trivially";
  for (float v : result.klGradient.voxels())
    ASSERT_TRUE(std::isfinite(v) && v >= 0.0f);
}

TEST(Inference, BatchSize_DoesNotChangeTheResult) {
  CceVae model(tiny(), 3);
  const auto volume = brainLikeVolume({32, 32, 7});
  InferenceOptions one, many;
  one.device = many.device = "cpu";
  one.batchSize = 1;
  many.batchSize = 16;
  const auto a = reconstructVolume(model, volume, one), b = reconstructVolume(model, volume, many);
  for (std::size_t n = 0; n < volume.voxelCount(); ++n)
    ASSERT_NEAR(a.image[n], b.image[n], 1e-5);
}

TEST(Inference, MemoryBudget_BoundsTheBatch) {
  CceVae model(tiny(), 3);
  InferenceOptions options;
  options.device = "cpu";
  options.batchSize = 64;
  options.memoryBudgetMb = 0; // smaller than one slice: batch 1
  EXPECT_EQ(reconstructVolume(model, brainLikeVolume({32, 32, 5}), options).batchSize, 1);
  EXPECT_GT(activationBytesPerSlice(ModelConfig::reference()), activationBytesPerSlice(ModelConfig::compact()));
}

TEST(Inference, NaNInput_InvalidInputError) {
  CceVae model(tiny(), 3);
  auto volume = brainLikeVolume({32, 32, 4});
  volume.at(3, 3, 2) = NAN;
  try {
    reconstructVolume(model, volume);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidInput);
  }
}

TEST(Inference, CudaDeviceWithoutCuda_ModelError) {
  if (cudaAvailable()) GTEST_SKIP() << "this machine has CUDA";
  CceVae model(tiny(), 3);
  InferenceOptions options;
  options.device = "cuda:0";
  try {
    reconstructVolume(model, brainLikeVolume({32, 32, 4}), options);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Model);
  }
}

namespace {
/// Cancels after the first batch has been reported.
class CancelAfterFirstBatch : public ProgressSink {
public:
  explicit CancelAfterFirstBatch(CancelToken t) : m_token(std::move(t)) {}
  void progress(double, std::string_view, std::string_view message) override {
    if (message.find("slice 1/") == 0 || message.find("slice 2/") == 0) m_token.requestCancel();
  }

private:
  CancelToken m_token;
};
} // namespace

TEST(Inference, Cancellation_BetweenBatchesThrowsCancelled) {
  CceVae model(tiny(), 3);
  CancelToken token;
  CancelAfterFirstBatch sink(token);
  ProgressScope scope(sink, "reconstruct", token);
  InferenceOptions options;
  options.device = "cpu";
  options.batchSize = 1;
  EXPECT_THROW(reconstructVolume(model, brainLikeVolume({32, 32, 8}), options, &scope), Cancelled);
}
