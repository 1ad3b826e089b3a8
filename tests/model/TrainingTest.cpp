// Training: the loss against a hand computation, context boxes, augmentation, determinism, resume.
#include "TrainingOps.h"

#include "strega/core/Error.h"
#include "strega/core/ProgressScope.h"
#include "strega/model/CceVae.h"
#include "strega/model/Checkpoint.h"
#include "strega/model/Training.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace strega;
using namespace strega::model;
namespace fs = std::filesystem;

namespace {

ModelConfig tiny() {
  ModelConfig c;
  c.name = "custom";
  c.inputSize = 32;
  c.featureMaps = {4, 8, 8, 16};
  c.latentDim = 8;
  c.fieldOfViewMm = 32.0;
  return c;
}

TrainingSet tinySet(int slices = 12) {
  TrainingSet set(tiny());
  std::vector<float> s(32 * 32);
  for (int n = 0; n < slices; ++n) {
    for (int i = 0; i < 32; ++i)
      for (int j = 0; j < 32; ++j) {
        const double r = std::hypot(i - 16.0, j - 15.0 - n % 3);
        s[i * 32 + j] = r < 5 ? 1.0f : r < 9 ? 2.0f / 3 : r < 12 - n % 2 ? 1.0f / 3 : 0.0f;
      }
    set.addSlice(s.data(), n < 8 ? "a" : "b");
  }
  return set;
}

class TrainingTest : public ::testing::Test {
protected:
  void SetUp() override {
    m_dir = fs::temp_directory_path() / ("strega-train-test-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(m_dir);
  }
  void TearDown() override { fs::remove_all(m_dir); }
  TrainOptions options(const std::string& sub, std::int64_t steps) {
    TrainOptions o;
    o.config = tiny();
    o.outputDir = m_dir / sub;
    o.batchSize = 4;
    o.steps = steps;
    o.seed = 42;
    o.checkpointEvery = 2;
    o.device = "cpu";
    o.validationFraction = 0.25;
    return o;
  }
  fs::path m_dir;
};

void expectSameWeights(const CceVae& a, const CceVae& b) {
  const auto wa = a.stateDict(), wb = b.stateDict();
  ASSERT_EQ(wa.size(), wb.size());
  for (std::size_t i = 0; i < wa.size(); ++i)
    EXPECT_EQ(wa[i].values, wb[i].values) << wa[i].name;
}

} // namespace

TEST(TrainingLoss, HandMadeBatch_EqualsHandComputation) {
  const auto mu = torch::tensor({{0.5f, -1.0f}});
  const auto logSigma = torch::tensor({{0.0f, static_cast<float>(std::log(2.0))}});
  const auto x = torch::tensor({0.0f, 1.0f, 1.0f, 0.0f}).view({1, 1, 2, 2});
  const auto reconstruction = torch::tensor({0.5f, 1.0f, 1.0f, 0.0f}).view({1, 1, 2, 2});
  const auto context = torch::tensor({0.0f, 0.0f, 1.0f, 0.0f}).view({1, 1, 2, 2});
  const auto t = model::detail::ceVaeLoss(mu, logSigma, reconstruction, context, x, 0.5, 0.01, 1.0);
  // KL per dim: ½(σ² + μ² − 1) − log σ = ½(1 + 0.25 − 1) = 0.125 and ½(4 + 1 − 1) − ln 2; mean of the two.
  const double kl = (0.125 + (2.0 - std::log(2.0))) / 2.0;
  EXPECT_NEAR(t.kl.item<double>(), kl, 1e-6);
  EXPECT_NEAR(t.l1.item<double>(), 0.125, 1e-7);       // one pixel off by 0.5, of 4
  EXPECT_NEAR(t.l1Context.item<double>(), 0.25, 1e-7); // one pixel off by 1, of 4
  EXPECT_NEAR(t.total.item<double>(), 0.5 * (0.01 * kl + 0.125) + 0.5 * 0.25, 1e-6);
}

TEST(ContextBoxes, DrawnBoxes_InsideBoundsAtMostHalfSideValueWithinBatchRange) {
  model::detail::Random rng(3);
  const auto x = torch::rand({8, 1, 20, 30}) * 0.5 + 0.25; // values in [0.25, 0.75]
  const float lo = x.min().item<float>(), hi = x.max().item<float>();
  int total = 0;
  for (int round = 0; round < 50; ++round) {
    std::vector<model::detail::Box> boxes;
    const auto xt = model::detail::applyContextBoxes(x, rng, 2, false, &boxes);
    std::vector<int> perSample(8, 0);
    auto changed = (xt != x).any(1); // [8,20,30]
    auto covered = torch::zeros({8, 20, 30}, torch::kBool);
    for (const auto& b : boxes) {
      ++perSample[b.sample];
      EXPECT_GE(b.top, 0);
      EXPECT_GE(b.left, 0);
      EXPECT_GE(b.height, 1);
      EXPECT_GE(b.width, 1);
      EXPECT_LE(b.height, 10);
      EXPECT_LE(b.width, 15);
      EXPECT_LE(b.top + b.height, 20);
      EXPECT_LE(b.left + b.width, 30);
      EXPECT_GE(b.value, lo);
      EXPECT_LE(b.value, hi);
      covered.select(0, b.sample).narrow(0, b.top, b.height).narrow(1, b.left, b.width).fill_(true);
    }
    for (int n : perSample)
      EXPECT_LE(n, 2);
    // Nothing outside the boxes changed; the last box of a sample (drawn over earlier ones) holds its value.
    EXPECT_FALSE((changed & ~covered).any().item<bool>());
    for (std::size_t i = 0; i < boxes.size(); ++i) {
      const auto& b = boxes[i];
      if (i + 1 < boxes.size() && boxes[i + 1].sample == b.sample) continue;
      EXPECT_TRUE(
        (xt[b.sample][0].narrow(0, b.top, b.height).narrow(1, b.left, b.width) == b.value).all().item<bool>());
    }
    total += static_cast<int>(boxes.size());
  }
  EXPECT_GT(total, 300); // about one box per sample on average (uniform 0..2)
}

TEST(ContextBoxes, LastBoxOnly_AppliesAtMostOneBoxPerSample) {
  model::detail::Random rng(4);
  const auto x = torch::rand({16, 1, 16, 16});
  std::vector<model::detail::Box> boxes;
  model::detail::applyContextBoxes(x, rng, 2, true, &boxes);
  std::vector<int> perSample(16, 0);
  for (const auto& b : boxes)
    EXPECT_LE(++perSample[b.sample], 1);
}

TEST(Augmentation, SameGenerator_SameResult_InRangeAndDisabledIsIdentity) {
  auto x = torch::zeros({4, 1, 32, 32});
  x.narrow(2, 8, 16).narrow(3, 8, 16).fill_(2.0f / 3);
  AugmentationOptions o;
  model::detail::Random a(9), b(9);
  const auto ya = model::detail::augmentBatch(x, a, o), yb = model::detail::augmentBatch(x, b, o);
  EXPECT_TRUE(torch::equal(ya, yb));
  EXPECT_GE(ya.min().item<float>(), 0.0f);
  EXPECT_LE(ya.max().item<float>(), 1.0f);
  EXPECT_FALSE(torch::equal(ya, x));
  EXPECT_EQ(ya.sizes(), x.sizes());
  o.enabled = false;
  EXPECT_TRUE(torch::equal(model::detail::augmentBatch(x, a, o), x));
}

TEST(Random, PortableSequence) {
  model::detail::Random r(1);
  const auto first = r.next();
  model::detail::Random again(1);
  EXPECT_EQ(again.next(), first);
  for (int i = 0; i < 1000; ++i) {
    const auto v = r.uniformInt(2, 5);
    EXPECT_GE(v, 2);
    EXPECT_LE(v, 5);
    const double u = r.uniform();
    EXPECT_GE(u, 0.0);
    EXPECT_LT(u, 1.0);
  }
}

TEST_F(TrainingTest, FixedSeed_TwoRunsGiveBitIdenticalWeights) {
  const auto data = tinySet();
  NullProgressSink sink;
  ProgressScope scope(sink, "train");
  const auto a = train(data, options("a", 4), scope);
  const auto b = train(data, options("b", 4), scope);
  EXPECT_EQ(a.lastStep, 4);
  expectSameWeights(loadModel(a.modelPath), loadModel(b.modelPath));
  ASSERT_EQ(a.log.records().size(), 4u);
  for (std::size_t i = 0; i < 4; ++i)
    EXPECT_EQ(a.log.records()[i].loss, b.log.records()[i].loss);
  // A different seed trains differently.
  auto o = options("c", 4);
  o.seed = 43;
  const auto c = train(data, o, scope);
  EXPECT_NE(c.log.records()[0].loss, a.log.records()[0].loss);
}

TEST_F(TrainingTest, Resume_ContinuesExactlyLikeAnUninterruptedRun) {
  const auto data = tinySet();
  NullProgressSink sink;
  ProgressScope scope(sink, "train");
  const auto straight = train(data, options("straight", 6), scope);
  const auto first = train(data, options("split", 2), scope);
  EXPECT_FALSE(first.resumed);
  const auto second = train(data, options("split", 6), scope);
  EXPECT_TRUE(second.resumed);
  EXPECT_EQ(second.firstStep, 3);
  EXPECT_EQ(second.lastStep, 6);
  expectSameWeights(loadModel(straight.modelPath), loadModel(second.modelPath));
  ASSERT_EQ(second.log.records().size(), 6u);
  for (std::size_t i = 0; i < 6; ++i)
    EXPECT_EQ(second.log.records()[i].loss, straight.log.records()[i].loss) << i;
}

TEST_F(TrainingTest, Outputs_CsvPngModelAndResumableCheckpoint) {
  const auto data = tinySet();
  RecordingProgressSink sink;
  ProgressScope scope(sink, "train");
  const auto r = train(data, options("out", 4), scope);
  EXPECT_EQ(r.trainingSlices, 8u); // 12 slices of volumes a (8) and b (4): b is held out
  EXPECT_EQ(r.validationSlices, 4u);
  EXPECT_TRUE(std::isfinite(r.finalValidationLoss));
  std::ifstream csv(r.csvPath);
  std::string line;
  int lines = 0;
  while (std::getline(csv, line))
    ++lines;
  EXPECT_EQ(lines, 5); // header + 4 steps
  std::ifstream png(r.plotPath, std::ios::binary);
  char sig[8] = {};
  png.read(sig, 8);
  EXPECT_EQ(std::string(sig, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  CheckpointInfo info;
  loadModel(r.checkpointPath, &info);
  EXPECT_TRUE(info.hasOptimizerState);
  EXPECT_EQ(info.metadata.at("step"), "4");
  CheckpointInfo modelInfo;
  loadModel(r.modelPath, &modelInfo);
  EXPECT_FALSE(modelInfo.hasOptimizerState);
  EXPECT_EQ(modelInfo.metadata.at("seed"), "42");
  bool sawLoss = false;
  for (const auto& e : sink.events())
    if (e.message.find("loss") != std::string::npos && e.message.find("ETA") != std::string::npos) sawLoss = true;
  EXPECT_TRUE(sawLoss);
}

TEST_F(TrainingTest, ResumeWithAnotherConfig_Refused) {
  const auto data = tinySet();
  NullProgressSink sink;
  ProgressScope scope(sink, "train");
  train(data, options("x", 2), scope);
  auto o = options("x", 4);
  o.config.latentDim = 16;
  TrainingSet other(o.config);
  std::vector<float> s(32 * 32, 0.5f);
  other.addSlice(s.data(), "a");
  EXPECT_THROW(train(other, o, scope), Error);
}

namespace {
class CancelAtStep3 : public ProgressSink {
public:
  explicit CancelAtStep3(CancelToken t) : m_token(std::move(t)) {}
  void progress(double, std::string_view, std::string_view message) override {
    if (message.rfind("step 3/", 0) == 0) m_token.requestCancel();
  }

private:
  CancelToken m_token;
};
} // namespace

TEST_F(TrainingTest, Cancel_SavesACheckpointThenThrows) {
  const auto data = tinySet();
  CancelToken token;
  CancelAtStep3 sink(token);
  ProgressScope scope(sink, "train", token);
  auto o = options("cancel", 10);
  o.checkpointEvery = 100;
  EXPECT_THROW(train(data, o, scope), Cancelled);
  CheckpointInfo info;
  loadModel(o.outputDir / "checkpoint.pt", &info);
  EXPECT_EQ(info.metadata.at("step"), "3");
}
