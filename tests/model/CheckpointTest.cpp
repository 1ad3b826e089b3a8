// Model files: the strega checkpoint, imports from Python (safetensors, TorchScript, torch.save), and the
// cross-check of our forward pass against an independent PyTorch implementation.
#include "strega/model/Checkpoint.h"
#include "strega/core/Error.h"
#include "strega/model/CceVae.h"
#include "strega/model/Safetensors.h"
#include "strega/model/Training.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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

std::vector<float> pattern(int count, int size) {
  std::vector<float> v(static_cast<std::size_t>(count) * size * size);
  for (std::size_t i = 0; i < v.size(); ++i)
    v[i] = static_cast<float>((i * 37) % 101) / 100.0f;
  return v;
}

class CheckpointTest : public ::testing::Test {
protected:
  void SetUp() override {
    m_dir = fs::temp_directory_path() / ("strega-model-test-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(m_dir);
  }
  void TearDown() override { fs::remove_all(m_dir); }
  fs::path path(const std::string& name) const { return m_dir / name; }
  fs::path m_dir;
};

const char* kPython = "/usr/bin/python3";

bool pythonHasTorch() {
  static const bool ok = std::system((std::string(kPython) + " -c 'import torch, numpy' >/dev/null 2>&1").c_str()) == 0;
  return ok;
}

std::string script() { return std::string(STREGA_MODEL_PYTHON_DIR) + "/ccevae_reference.py"; }

int runPython(const std::string& args) {
  const std::string cmd = std::string(kPython) + " " + script() + " " + args + " 2>&1";
  return std::system(cmd.c_str());
}

void writeFloats(const fs::path& p, const std::vector<float>& v) {
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * 4));
}

std::vector<float> readFloats(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<float> v(bytes.size() / 4);
  std::memcpy(v.data(), bytes.data(), v.size() * 4);
  return v;
}

double maxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double m = 0.0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    m = std::max(m, double(std::abs(a[i] - b[i])));
  return m;
}

} // namespace

TEST_F(CheckpointTest, SaveLoad_GivesIdenticalOutputsConfigAndMetadata) {
  const CceVae model(tiny(), 9);
  saveModel(model, path("m.pt"), {{"note", "two\nlines"}});
  CheckpointInfo info;
  const CceVae back = loadModel(path("m.pt"), &info);
  EXPECT_EQ(info.format, "strega-checkpoint");
  EXPECT_EQ(info.formatVersion, kCheckpointFormatVersion);
  EXPECT_EQ(info.config, tiny());
  EXPECT_EQ(info.metadata.at("note"), "two\nlines");
  EXPECT_FALSE(info.hasOptimizerState);
  EXPECT_EQ(back.reconstruct(pattern(2, 32), 2), model.reconstruct(pattern(2, 32), 2));
  const auto a = model.stateDict(), b = back.stateDict();
  for (std::size_t i = 0; i < a.size(); ++i)
    EXPECT_EQ(a[i].values, b[i].values) << a[i].name;
}

TEST_F(CheckpointTest, Compact_SaveLoadRoundTrip) {
  const CceVae model(ModelConfig::compact(), 1);
  saveModel(model, path("c.pt"));
  const auto info = inspectModel(path("c.pt"));
  EXPECT_EQ(info.config, ModelConfig::compact());
  EXPECT_EQ(loadModel(path("c.pt")).reconstruct(pattern(1, 128), 1), model.reconstruct(pattern(1, 128), 1));
}

TEST_F(CheckpointTest, Truncated_RefusedWithModelError) {
  saveModel(CceVae(tiny(), 1), path("m.pt"));
  std::ifstream in(path("m.pt"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (std::size_t keep : {bytes.size() / 2, bytes.size() - 30, std::size_t{10}}) {
    std::ofstream(path("cut.pt"), std::ios::binary) << bytes.substr(0, keep);
    try {
      loadModel(path("cut.pt"));
      FAIL() << keep;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::Model) << e.userMessage();
    }
  }
}

TEST_F(CheckpointTest, ForeignFiles_RefusedWithModelOrIoError) {
  std::ofstream(path("text.pt")) << "this is not a model";
  try {
    loadModel(path("text.pt"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Model);
  }
  try {
    loadModel(path("missing.pt"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Io);
  }
  // A safetensors file of something else: names the first missing cceVAE parameter.
  writeSafetensors(path("other.safetensors"), {{"fc.weight", {2, 2}, {1, 2, 3, 4}}});
  try {
    loadModel(path("other.safetensors"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Model);
    EXPECT_NE(e.userMessage().find("enc.start.conv.weight"), std::string::npos) << e.userMessage();
  }
}

TEST_F(CheckpointTest, Safetensors_ImportWithAndWithoutModelPrefix) {
  const CceVae model(ModelConfig::compact(), 4);
  const auto expected = model.reconstruct(pattern(1, 128), 1);
  for (const std::string prefix : {"", "model."}) {
    exportSafetensors(model, path("w.safetensors"), prefix);
    EXPECT_EQ(SafetensorsFile::read(path("w.safetensors")).entries().front().name.rfind(prefix, 0), 0u);
    CheckpointInfo info;
    const CceVae back = loadModel(path("w.safetensors"), &info);
    EXPECT_EQ(info.format, "safetensors");
    EXPECT_EQ(info.config, ModelConfig::compact()) << prefix;
    EXPECT_EQ(back.reconstruct(pattern(1, 128), 1), expected) << prefix;
  }
}

TEST_F(CheckpointTest, Safetensors_HandWrittenAuthorsLayoutWithMismatch_NamesTheParameter) {
  // The fixture is written here by hand from the reference names, with compact shapes except one.
  auto weights = CceVae(ModelConfig::compact(), 1).stateDict();
  for (auto& w : weights)
    w.name = "model." + w.name;
  weights[9].shape = {128, 64, 8, 8}; // dec.start.conv.weight should be [128,128,8,8]
  weights[9].values.resize(128 * 64 * 64);
  writeSafetensors(path("bad.safetensors"), weights);
  try {
    loadModel(path("bad.safetensors"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Model);
    EXPECT_NE(e.userMessage().find("dec.start.conv.weight"), std::string::npos) << e.userMessage();
  }
}

TEST(InferConfig, ReferenceShapes_GiveTheReferenceConfig) {
  std::vector<NamedTensor> weights;
  for (const auto& spec : parameterSpecs(ModelConfig::reference()))
    weights.push_back({"model." + spec.name, spec.shape, {}});
  const auto c = inferConfig(weights);
  EXPECT_EQ(c, ModelConfig::reference());
}

TEST_F(CheckpointTest, TorchScriptFromPython_ImportsNamesAndOutputs) {
  if (!pythonHasTorch())
    GTEST_SKIP() << "/usr/bin/python3 lacks torch (install python3-torch) - TorchScript import not tested";
  const auto input = pattern(2, 128);
  writeFloats(path("x.f32"), input);
  ASSERT_EQ(runPython("torchscript --seed 5 --out " + path("m.ts").string() + " --input " + path("x.f32").string() +
                      " --output " + path("y.f32").string() + " --count 2"),
            0);
  CheckpointInfo info;
  const CceVae model = loadModel(path("m.ts"), &info);
  EXPECT_EQ(info.format, "torchscript");
  EXPECT_EQ(info.config, ModelConfig::compact());
  EXPECT_LT(maxAbsDiff(model.reconstruct(input, 2), readFloats(path("y.f32"))), 1e-4);
}

TEST_F(CheckpointTest, TorchSaveStateDictFromPython_BareAndAuthorsCheckpointLayout) {
  if (!pythonHasTorch())
    GTEST_SKIP() << "/usr/bin/python3 lacks torch (install python3-torch) - torch.save import not tested";
  const auto input = pattern(1, 128);
  writeFloats(path("x.f32"), input);
  for (const std::string variant : {"", "--wrap --prefix model.", "--half --prefix module."}) {
    ASSERT_EQ(runPython("torchsave --seed 6 " + variant + " --out " + path("s.pt").string() + " --input " +
                        path("x.f32").string() + " --output " + path("y.f32").string() + " --count 1"),
              0);
    CheckpointInfo info;
    const CceVae model = loadModel(path("s.pt"), &info);
    EXPECT_EQ(info.format, "torch.save") << variant;
    EXPECT_LT(maxAbsDiff(model.reconstruct(input, 1), readFloats(path("y.f32"))), 1e-4) << variant;
  }
}

TEST_F(CheckpointTest, CrossCheck_PythonPyTorchGivesTheSameReconstruction) {
  if (!pythonHasTorch()) GTEST_SKIP() << "/usr/bin/python3 lacks torch (install python3-torch) - cross-check skipped";
  // Our weights, exported as safetensors, loaded into an independent PyTorch implementation.
  const CceVae model(ModelConfig::compact(), 21);
  exportSafetensors(model, path("w.safetensors"), "model.");
  // A tissue-like input: nested discs of CSF / GM / WM values.
  std::vector<float> input(3 * 128 * 128, 0.0f);
  for (int s = 0; s < 3; ++s)
    for (int i = 0; i < 128; ++i)
      for (int j = 0; j < 128; ++j) {
        const double r = std::hypot(i - 64.0, j - 60.0 - 3 * s);
        input[(s * 128 + i) * 128 + j] = r < 20 ? 1.0f : r < 35 ? 2.0f / 3 : r < 45 ? 1.0f / 3 : 0.0f;
      }
  writeFloats(path("x.f32"), input);
  ASSERT_EQ(runPython("reconstruct --weights " + path("w.safetensors").string() + " --input " + path("x.f32").string() +
                      " --output " + path("y.f32").string() + " --count 3"),
            0);
  const auto ours = model.reconstruct(input, 3);
  const auto theirs = readFloats(path("y.f32"));
  ASSERT_EQ(theirs.size(), ours.size());
  EXPECT_LT(maxAbsDiff(ours, theirs), 1e-4);
}

TEST(ShippedModel, DefaultModel_IsTheTrainedCompactModelWithinTheSizeLimit) {
  const fs::path file = fs::path(STREGA_SOURCE_DIR) / "resources/models/strega-compact-colin27.pt";
  ASSERT_TRUE(fs::exists(file)) << "the default model must be shipped in resources/models";
  EXPECT_LE(fs::file_size(file), 25u * 1000 * 1000) << "issue limit: <= 25 MB";
  CheckpointInfo info;
  CceVae net = loadModel(file, &info);
  EXPECT_EQ(info.format, "strega-checkpoint");
  EXPECT_EQ(info.config.name, "custom"); // the compact network over a 192 mm field of view
  EXPECT_TRUE(info.config.sameArchitecture(ModelConfig::compact()));
  EXPECT_DOUBLE_EQ(info.config.fieldOfViewMm, 192.0);
  EXPECT_EQ(net.parameterCount(), 3414936);
  EXPECT_EQ(info.metadata.at("step"), "12000");
  EXPECT_EQ(info.metadata.at("volume_names"), "colin27_tissue.nii.gz");
  EXPECT_EQ(info.metadata.at("validation_slices_held_out"), "15"); // every 10th of Colin27's 152 brain slices
  // `strega-cli train --preset default-model` must reproduce it: every recorded training option but the machine's
  // (device, threads, precision) equals the preset's.
  TrainOptions preset;
  applyDefaultModelPreset(preset);
  for (const auto& [key, value] : decodeKeyValues(preset.toKeyValueText())) {
    if (key == "device" || key == "threads" || key == "precision") continue;
    ASSERT_TRUE(info.metadata.count(key)) << key;
    EXPECT_EQ(info.metadata.at(key), value) << key;
  }
  // A trained model reconstructs a healthy-looking slice far better than an untrained one: an ellipse of white
  // matter (1) with a grey-matter rim (2/3) on background, the size of Colin27's brain (67.5 x 84 mm semi-axes).
  const int S = info.config.inputSize;
  const double pixel = info.config.pixelSizeMm();
  std::vector<float> slice(static_cast<std::size_t>(S * S), 0.0f);
  for (int y = 0; y < S; ++y)
    for (int x = 0; x < S; ++x) {
      const double r = std::hypot((x - S / 2.0) * pixel / 67.5, (y - S / 2.0) * pixel / 84.4);
      slice[static_cast<std::size_t>(y * S + x)] = r < 0.85 ? 1.0f : r < 1.0 ? 2.0f / 3.0f : 0.0f;
    }
  auto meanError = [&](const CceVae& model) {
    const auto out = model.reconstruct(slice, 1);
    double error = 0.0;
    for (std::size_t i = 0; i < slice.size(); ++i)
      error += std::abs(out[i] - slice[i]);
    return error / static_cast<double>(slice.size());
  };
  const double trained = meanError(net), untrained = meanError(CceVae(info.config, 1));
  std::printf("mean |x^ - x| of a brain-like ellipse: trained %.4f, untrained %.4f\n", trained, untrained);
  EXPECT_LT(trained, 0.25 * untrained) << "mean |x^ - x| of a simple brain-like slice";
}
