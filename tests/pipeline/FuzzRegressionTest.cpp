// Run-options JSON that bench/fuzz/fuzz_config_json (or a review of what it exercises) found to reach undefined
// behaviour, kept in tests/pipeline/fuzz_regressions/: each must be applied or refused with strega::Error, and
// options that are accepted must be read back unchanged from runOptionsToJson(). The fuzz seeds must stay valid.
#include "strega/core/Error.h"
#include "strega/pipeline/CaseRunner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

using namespace strega;
using namespace strega::pipeline;
namespace fs = std::filesystem;

namespace {

std::string readText(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<fs::path> jsonFilesIn(const fs::path& folder) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(folder))
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

// Applies `text`; when accepted, the options must come back unchanged through runOptionsToJson().
void expectAppliedAndReadBackOrError(const std::string& text, const std::string& name) {
  RunOptions options;
  try {
    applyRunOptionsJson(text, options);
  } catch (const Error&) {
    return;
  }
  const std::string written = runOptionsToJson(options);
  RunOptions reread;
  ASSERT_NO_THROW(applyRunOptionsJson(written, reread)) << name << ":\n" << written;
  EXPECT_EQ(runOptionsToJson(reread), written) << name;
}

} // namespace

TEST(FuzzRegression, EveryConfig_AppliedAndReadBackOrRefused) {
  const auto files = jsonFilesIn(fs::path(STREGA_SOURCE_DIR) / "tests/pipeline/fuzz_regressions");
  ASSERT_FALSE(files.empty());
  for (const auto& file : files)
    expectAppliedAndReadBackOrError(readText(file), file.filename().string());
}

TEST(FuzzRegression, IntegerSettingGivenAHugeFloat_RefusedNotCast) {
  RunOptions options;
  try {
    applyRunOptionsJson(
      readText(fs::path(STREGA_SOURCE_DIR) / "tests/pipeline/fuzz_regressions/config_int_from_1e300.json"), options);
    FAIL() << "accepted otsu_bins = 1e300 (as " << options.postprocess.otsuBins << ")";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
    EXPECT_NE(e.userMessage().find("postprocess.otsu_bins"), std::string::npos) << e.userMessage();
  }
}

TEST(FuzzRegression, IntegerSettings_RangeOfTheirType) {
  RunOptions options;
  EXPECT_THROW(applyRunOptionsJson(R"({"preprocess": {"n4_shrink": -1}})", options), Error); // unsigned
  EXPECT_THROW(applyRunOptionsJson(R"({"inference": {"batch_size": 4294967297}})", options), Error);
  EXPECT_THROW(applyRunOptionsJson(R"({"inference": {"samples": 2.5}})", options), Error);
  EXPECT_NO_THROW(applyRunOptionsJson(R"({"inference": {"batch_size": 8, "seed": 18446744073709551615}})", options));
  EXPECT_EQ(options.inference.batchSize, 8);
  EXPECT_EQ(options.inference.seed, 18446744073709551615ull);
}

TEST(FuzzRegression, SeedCorpus_EveryConfigAppliedAndReadBack) {
  for (const auto& file : jsonFilesIn(fs::path(STREGA_SOURCE_DIR) / "bench/fuzz/corpus/fuzz_config_json")) {
    RunOptions options;
    EXPECT_NO_THROW(applyRunOptionsJson(readText(file), options)) << file.filename();
    expectAppliedAndReadBackOrError(readText(file), file.filename().string());
  }
}
