// Model files that bench/fuzz/fuzz_checkpoint found to crash, exhaust memory or leak, kept in
// tests/model/fuzz_regressions/ and loaded as the fuzz target loads them: each must load or throw strega::Error.
// The seeds of the fuzz target (one file of each format) must keep loading.
#include "CheckpointImpl.h"
#include "ZipChecksums.h"

#include "strega/core/Error.h"
#include "strega/model/Checkpoint.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <vector>

using namespace strega;
using namespace strega::model;
namespace fs = std::filesystem;

namespace {

const fs::path kRegressions = fs::path(STREGA_SOURCE_DIR) / "tests/model/fuzz_regressions";
const fs::path kSeeds = fs::path(STREGA_SOURCE_DIR) / "bench/fuzz/corpus/fuzz_checkpoint";

std::vector<fs::path> filesIn(const fs::path& folder) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(folder))
    if (entry.is_regular_file() && entry.path().extension() != ".md") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

} // namespace

TEST(FuzzRegression, EveryInput_LoadsOrThrowsError) {
  const auto files = filesIn(kRegressions);
  ASSERT_FALSE(files.empty());
  for (const auto& file : files) {
    try {
      loadModel(file);
    } catch (const Error&) {
    } catch (const std::exception& e) {
      ADD_FAILURE() << file.filename() << " threw a non-strega exception: " << e.what();
    }
  }
}

TEST(FuzzRegression, PickleStringLongerThanItsRecord_RefusedBeforeLibTorchFillsIt) {
  try {
    loadModel(kRegressions / "torchscript_pickle_string_claims_2gb.pt");
    FAIL() << "loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Model);
    EXPECT_NE(e.userMessage().find("corrupt"), std::string::npos) << e.userMessage();
    EXPECT_NE(e.detail().find("bytes are left"), std::string::npos) << e.detail();
  }
}

TEST(FuzzRegression, PickleMemoIndexOutOfSequence_RefusedBeforeLibTorchGrowsItsMemo) {
  try {
    loadModel(kRegressions / "torchscript_pickle_memo_index_claims_30gb.pt");
    FAIL() << "loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Model);
    EXPECT_NE(e.detail().find("memo index"), std::string::npos) << e.detail();
  }
}

TEST(FuzzRegression, SeedCorpus_EveryFormatStillLoads) {
  for (const auto& file : filesIn(kSeeds)) {
    CheckpointInfo info;
    EXPECT_NO_THROW(loadModel(file, &info)) << file.filename();
    EXPECT_EQ(info.config.latentDim, 2) << file.filename() << " (" << info.format << ")";
  }
}

TEST(FuzzRegression, ZipDirectory_ChecksumsOfEveryRecordByItsName) {
  const auto checksums = strega::model::detail::zipRecordChecksums(kSeeds / "strega_checkpoint.pt");
  ASSERT_TRUE(checksums.count("data.pkl"));
  ASSERT_TRUE(checksums.count("code/__torch__.py"));
  EXPECT_GT(checksums.size(), 20u);
  EXPECT_THROW(strega::model::detail::zipRecordChecksums(kSeeds / "weights.safetensors"), Error) << "not a zip file";
}

TEST(FuzzRegression, BitFlippedRecords_RefusedByTheirChecksum) {
  // One bit of a weight (made from the seed checkpoint), and the two archives whose mangled TorchScript code once
  // crashed LibTorch's compiler (the fuzzer's flips left their CRCs stale).
  for (const char* name : {"strega_checkpoint_weight_bit_flipped.pt", "torchscript_code_crashes_type_parser.pt",
                           "torchscript_code_crashes_type_parser_2.pt"}) {
    try {
      loadModel(kRegressions / name);
      ADD_FAILURE() << name << " loaded";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::Model);
      EXPECT_NE(e.userMessage().find("corrupt (a checksum does not match)"), std::string::npos) << e.userMessage();
    }
  }
}

TEST(FuzzRegression, MangledTorchScriptCode_WeightsReadWithoutLibTorchsCompiler) {
  // The seed checkpoint with "__parameters__" mangled as in the crash above, checksums recomputed: the weights are
  // read by our own unpickler, which never looks at the code.
  CheckpointInfo info;
  const CceVae mangled = loadModel(kRegressions / "strega_checkpoint_mangled_code_checksums_valid.pt", &info);
  EXPECT_EQ(info.format, "strega-checkpoint");
  const CceVae seed = loadModel(kSeeds / "strega_checkpoint.pt");
  const auto a = mangled.stateDict(), b = seed.stateDict();
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].name, b[i].name);
    EXPECT_EQ(a[i].values, b[i].values) << a[i].name;
  }
}

TEST(FuzzRegression, MangledTorchScriptCode_RefusedBeforeResumeCompilesIt) {
  // Resuming training restores the optimizer through LibTorch, which compiles the code first: the code must be the
  // attribute declarations strega writes.
  torch::optim::Adam optimizer(std::vector<torch::Tensor>{torch::zeros({1}, torch::requires_grad())});
  try {
    strega::model::detail::loadOptimizerState(kRegressions / "strega_checkpoint_mangled_code_checksums_valid.pt",
                                              optimizer, torch::kCPU);
    FAIL() << "restored";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Model);
    EXPECT_NE(e.userMessage().find("damaged or was not written by StRegA"), std::string::npos) << e.userMessage();
    EXPECT_NE(e.detail().find("___torch_mangle_3.py line 2"), std::string::npos) << e.detail();
  }
}
