// Model files that bench/fuzz/fuzz_checkpoint found to crash, exhaust memory or leak, kept in
// tests/model/fuzz_regressions/ and loaded as the fuzz target loads them: each must load or throw strega::Error.
// The seeds of the fuzz target (one file of each format) must keep loading.
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
