// strega-cli run / batch end to end on Colin27 with the shipped model: outputs, the mask contract, bad input,
// resume and shards.
#include "CliTestSupport.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <set>

using namespace strega::testing;
using nlohmann::json;

namespace {

json readJson(const fs::path& file) {
  std::ifstream in(file);
  return json::parse(in);
}

/// Geometry of a volume as `strega-cli info --json` prints it: size, spacing, origin, direction as numbers.
std::vector<double> geometryOf(const CliTest& test, const fs::path& file) {
  const CliRun run = test.cli({"info", file.string(), "--json"});
  EXPECT_EQ(run.exitCode, 0) << run.err;
  const json g = json::parse(run.out).at(0);
  std::vector<double> v;
  for (const char* key : {"size", "spacing", "origin"})
    for (const auto& x : g.at(key))
      v.push_back(x.get<double>());
  for (const auto& row : g.at("direction"))
    for (const auto& x : row)
      v.push_back(x.get<double>());
  return v;
}

/// The first `bytes` bytes of Colin27: a gzip stream that ends early.
void writeTruncatedNifti(const fs::path& file, std::size_t bytes) {
  std::ifstream in(kColin27, std::ios::binary);
  std::string data(bytes, '\0');
  in.read(data.data(), static_cast<std::streamsize>(bytes));
  std::ofstream(file, std::ios::binary).write(data.data(), static_cast<std::streamsize>(in.gcount()));
}

std::vector<std::string> csvLines(const fs::path& file) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

} // namespace

TEST_F(CliTest, Run_Colin27_WritesEveryOutputOnTheInputGrid) {
  if (!fs::exists(kColin27)) GTEST_SKIP() << "mricron-data not installed";
  const fs::path out = dir() / "ch2";
  const CliRun run = cli({"-q", "run", kColin27.string(), "-o", out.string()});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  for (const char* name :
       {"mask.nii.gz", "residual.nii.gz", "brain_mask.nii.gz", "tissue.nii.gz", "report.json", "report.html"})
    EXPECT_TRUE(fs::is_regular_file(out / name)) << name;
  EXPECT_FALSE(fs::exists(out / "seg.dcm")) << "a NIfTI input gets no DICOM SEG";
  const auto input = geometryOf(*this, kColin27);
  ASSERT_EQ(input.size(), 18u);
  for (const char* name : {"mask.nii.gz", "residual.nii.gz", "brain_mask.nii.gz", "tissue.nii.gz"}) {
    const auto g = geometryOf(*this, out / name);
    ASSERT_EQ(g.size(), input.size()) << name;
    for (std::size_t i = 0; i < g.size(); ++i)
      EXPECT_NEAR(g[i], input[i], 1e-4) << name << " value " << i;
  }

  const json report = readJson(out / "report.json");
  EXPECT_EQ(report.at("case"), "ch2");
  EXPECT_EQ(report.at("input").at("fingerprint").get<std::string>().size(), 16u);
  EXPECT_TRUE(report.at("registered").get<bool>());
  EXPECT_EQ(report.at("contrast"), "T1");
  EXPECT_GT(report.at("brain_volume_ml").get<double>(), 1200.0);
  EXPECT_LT(report.at("brain_volume_ml").get<double>(), 2000.0);
  EXPECT_GT(report.at("threshold").get<double>(), 0.0);
  std::set<std::string> stages;
  for (const auto& t : report.at("stage_timings"))
    stages.insert(t.at("stage").get<std::string>());
  for (const char* s : {"load", "preprocess", "model", "postprocess", "map to input grid"})
    EXPECT_TRUE(stages.count(s)) << s;
  // Colin27 is the healthy subject the default model was trained on: what it flags is the model's blind spot
  // (ventricle borders), measured at 2.8 mL. A much larger volume means the chain broke.
  double total = 0.0;
  for (const auto& f : report.at("findings")) {
    total += f.at("volume_ml").get<double>();
    EXPECT_EQ(f.at("centroid_mm").size(), 3u);
    EXPECT_FALSE(f.at("region").get<std::string>().empty());
  }
  EXPECT_NEAR(total, report.at("total_volume_ml").get<double>(), 1e-6);
  EXPECT_LT(total, 10.0);
  const std::string html = slurp(out / "report.html");
  EXPECT_NE(html.find("data:image/png;base64,"), std::string::npos);
  EXPECT_NE(html.find("ch2"), std::string::npos);
}

TEST_F(CliTest, Run_TruncatedInput_OneLineErrorAndNoMaskLeft) {
  if (!fs::exists(kColin27)) GTEST_SKIP() << "mricron-data not installed";
  const fs::path bad = dir() / "bad.nii.gz", out = dir() / "out";
  writeTruncatedNifti(bad, 200000);
  fs::create_directories(out);
  std::ofstream(out / "mask.nii.gz") << "a mask of an earlier run";
  expectOneLineFailure({"-q", "run", bad.string(), "-o", out.string()}, 3, "bad.nii.gz");
  EXPECT_FALSE(fs::exists(out / "mask.nii.gz")) << "a failed run must not leave a mask";
}

TEST_F(CliTest, Run_NotABrain_ClearErrorNoMask) {
  // A uniform block: loads fine, but there is no brain to find.
  const fs::path block = dir() / "block.nii", out = dir() / "out";
  writeNifti(block, {64, 64, 64}, 64 * 64 * 64);
  const CliRun run = cli({"-q", "run", block.string(), "-o", out.string()});
  EXPECT_EQ(run.exitCode, 3) << run.err;
  // One error line, last; before it only warnings (the loader's: the file holds no orientation).
  const auto lines = run.errLines();
  ASSERT_FALSE(lines.empty());
  for (std::size_t i = 0; i + 1 < lines.size(); ++i)
    EXPECT_EQ(lines[i].rfind("strega-cli: warning: ", 0), 0u) << lines[i];
  EXPECT_EQ(lines.back().rfind("strega-cli: error: ", 0), 0u) << lines.back();
  EXPECT_NE(lines.back().find("does not look like a head"), std::string::npos) << lines.back();
  EXPECT_FALSE(fs::exists(out / "mask.nii.gz"));
}

TEST_F(CliTest, Run_UnknownConfigKey_UsageError) {
  const fs::path config = dir() / "config.json";
  std::ofstream(config) << R"({"postprocess": {"min_area": 100}})";
  expectOneLineFailure({"run", kColin27.string(), "-o", (dir() / "o").string(), "--config", config.string()}, 2,
                       "postprocess.min_area");
}

TEST_F(CliTest, Batch_GoodAndBadCase_RowPerCaseResumeSkipsDoneCase) {
  if (!fs::exists(kColin27)) GTEST_SKIP() << "mricron-data not installed";
  const fs::path in = dir() / "in", out = dir() / "out";
  fs::create_directories(in);
  fs::copy_file(kColin27, in / "a.nii.gz");
  writeTruncatedNifti(in / "b.nii.gz", 100000);
  std::ofstream(in / "notes.txt") << "not a case";

  const CliRun first = cli({"-q", "batch", in.string(), "-o", out.string(), "--no-html"});
  EXPECT_EQ(first.exitCode, 3) << "a failed case is reported in the exit code: " << first.err;
  EXPECT_NE(first.err.find("b failed"), std::string::npos) << first.err;
  const auto lines = csvLines(out / "summary.csv");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1].rfind("a,done,", 0), 0u) << lines[1];
  EXPECT_EQ(lines[2].rfind("b,failed,", 0), 0u) << lines[2];
  EXPECT_TRUE(fs::is_regular_file(out / "a" / "mask.nii.gz"));
  EXPECT_FALSE(fs::exists(out / "b" / "mask.nii.gz"));
  EXPECT_FALSE(fs::exists(out / ".partial")) << "staging folder left behind";
  const json summary = readJson(out / "summary.json");
  EXPECT_EQ(summary.at("counts").at("done"), 1);
  EXPECT_EQ(summary.at("counts").at("failed"), 1);

  const auto maskTime = fs::last_write_time(out / "a" / "mask.nii.gz");
  const CliRun again = cli({"-q", "batch", in.string(), "-o", out.string(), "--no-html", "--resume"});
  EXPECT_EQ(again.exitCode, 3) << again.err;
  const auto resumed = csvLines(out / "summary.csv");
  ASSERT_EQ(resumed.size(), 3u);
  EXPECT_EQ(resumed[1].rfind("a,skipped,", 0), 0u) << resumed[1];
  EXPECT_EQ(fs::last_write_time(out / "a" / "mask.nii.gz"), maskTime) << "an up-to-date case was recomputed";

  // Another setting that changes the result: the case is recomputed.
  const CliRun changed =
    cli({"-q", "batch", in.string(), "-o", out.string(), "--no-html", "--resume", "--min-area-mm2", "100"});
  EXPECT_EQ(changed.exitCode, 3) << changed.err;
  EXPECT_EQ(csvLines(out / "summary.csv")[1].rfind("a,done,", 0), 0u);
}

TEST_F(CliTest, Batch_Shards_DisjointCompleteAndBalanced) {
  // Seven cases that fail fast (truncated files): sharding is about which cases a shard takes.
  if (!fs::exists(kColin27)) GTEST_SKIP() << "mricron-data not installed";
  const fs::path in = dir() / "in", out = dir() / "out";
  fs::create_directories(in);
  for (int i = 0; i < 7; ++i)
    writeTruncatedNifti(in / ("case" + std::to_string(i) + ".nii.gz"), 5000);
  std::multiset<std::string> seen;
  std::vector<std::size_t> sizes;
  for (int s = 1; s <= 3; ++s) {
    const std::string shard = std::to_string(s) + "/3";
    const CliRun run = cli({"-q", "batch", in.string(), "-o", out.string(), "--shard", shard});
    EXPECT_EQ(run.exitCode, 3) << run.err;
    const auto lines = csvLines(out / ("summary-shard-" + std::to_string(s) + "-of-3.csv"));
    ASSERT_GE(lines.size(), 1u);
    sizes.push_back(lines.size() - 1);
    for (std::size_t i = 1; i < lines.size(); ++i)
      seen.insert(lines[i].substr(0, lines[i].find(',')));
  }
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 7u) << "a case was in two shards";
  EXPECT_LE(*std::max_element(sizes.begin(), sizes.end()) - *std::min_element(sizes.begin(), sizes.end()), 1u);
  expectOneLineFailure({"batch", in.string(), "-o", out.string(), "--shard", "4/3"}, 2, "--shard");
}

TEST_F(CliTest, Run_DicomSeries_WritesSegReferencingTheSeries) {
  if (!fs::exists(kColin27)) GTEST_SKIP() << "mricron-data not installed";
  const fs::path series = dir() / "dicom", out = dir() / "out";
  const std::string make = "/usr/bin/python3 '" + std::string(STREGA_SOURCE_DIR) +
                           "/tests/io/tools/make_dicom_series.py' '" + kColin27.string() + "' '" + series.string() +
                           "' >/dev/null 2>&1";
  if (std::system(make.c_str()) != 0) GTEST_SKIP() << "pydicom not available";
  const CliRun run = cli({"-q", "run", series.string(), "-o", out.string(), "--no-html"});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  ASSERT_TRUE(fs::is_regular_file(out / "seg.dcm"));
  const json report = readJson(out / "report.json");
  EXPECT_TRUE(report.at("files").contains("seg.dcm"));
  EXPECT_EQ(report.at("input").at("format").get<std::string>().rfind("DICOM", 0), 0u);
  const std::string dump = "dcmdump '" + (out / "seg.dcm").string() + "' > '" + (dir() / "dump.txt").string() + "'";
  ASSERT_EQ(std::system(dump.c_str()), 0);
  const std::string text = slurp(dir() / "dump.txt");
  EXPECT_NE(text.find("(0008,0060) CS [SEG]"), std::string::npos);
  EXPECT_NE(text.find("ReferencedSeriesSequence"), std::string::npos);
}

TEST_F(CliTest, RunEval_LargePhantomLesion_DiceAboveRegressionFloor) {
  // A fixed BraTS-layout phantom (seed 11, one 35-45 mm T2 lesion, 40 mL) screened with the shipped model. Measured
  // Dice 0.744 with the default chain (0.704 with the 8,000-step model, 0.387 with the first); the floor is the
  // issue's 0.6: it catches a broken chain (a wrong map back, a flipped axis, a model that stopped loading) and a
  // model that falls back.
  if (!fs::exists(kColin27)) GTEST_SKIP() << "mricron-data not installed";
  const fs::path phantom = dir() / "phantom", results = dir() / "results", eval = dir() / "eval";
  const CliRun made = cli({"-q", "phantom", "-o", phantom.string(), "--cases", "1", "--seed", "11", "--contrast", "t2",
                           "--min-diameter-mm", "35", "--max-diameter-mm", "45"});
  ASSERT_EQ(made.exitCode, 0) << made.err;
  const CliRun run = cli(
    {"-q", "run", (phantom / "brats" / "phantom_001").string(), "-o", (results / "phantom_001").string(), "--no-html"});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  const CliRun scored =
    cli({"-q", "eval", "--pred", results.string(), "--truth", (phantom / "brats").string(), "-o", eval.string()});
  ASSERT_EQ(scored.exitCode, 0) << scored.err;
  const json summary = readJson(eval / "eval.json");
  const double dice = summary.at("cases").at(0).at("scores").at("dice").get<double>();
  std::printf("Dice of the large phantom lesion: %.3f\n", dice);
  EXPECT_GE(dice, 0.6) << "Dice of the large phantom lesion fell below the regression floor";
}

TEST_F(CliTest, RunHealthyPhantom_DefaultChainKeepsFalsePositivesUnderOneMl) {
  // A healthy T2 head (seed 11) with skull. Measured: 0.00 mL with the default chain, 0.17 mL with the paper's
  // (256 mm² area opening, no hole filling, no 3D opening; 2.4 mL with the first shipped model): the 2 mm opening
  // removes the thin rims of reconstruction error.
  if (!fs::exists(kColin27)) GTEST_SKIP() << "mricron-data not installed";
  const fs::path phantom = dir() / "phantom";
  const CliRun made = cli(
    {"-q", "phantom", "-o", phantom.string(), "--cases", "0", "--healthy", "1", "--seed", "11", "--contrast", "t2"});
  ASSERT_EQ(made.exitCode, 0) << made.err;
  const std::string head = (phantom / "heads" / "healthy_001.nii.gz").string();
  auto findingsMl = [&](const fs::path& out) {
    double total = 0.0;
    const json report = readJson(out / "report.json");
    for (const auto& f : report.at("findings"))
      total += f.at("volume_ml").get<double>();
    return total;
  };
  const CliRun chain = cli({"-q", "run", head, "-o", (dir() / "default").string(), "--no-html"});
  ASSERT_EQ(chain.exitCode, 0) << chain.err;
  const CliRun paper = cli({"-q", "run", head, "-o", (dir() / "paper").string(), "--no-html", "--opening-radius-mm",
                            "0", "--no-fill-holes", "--min-area-mm2", "256"});
  ASSERT_EQ(paper.exitCode, 0) << paper.err;
  const double defaultMl = findingsMl(dir() / "default"), paperMl = findingsMl(dir() / "paper");
  std::printf("false positives on the healthy head: default chain %.2f mL, paper's chain %.2f mL\n", defaultMl,
              paperMl);
  EXPECT_LE(defaultMl, 1.0) << "false positives on a healthy head (the issue's goal: at most 1 mL)";
  EXPECT_GT(paperMl, defaultMl) << "the options must reach the pipeline";
  const json paperConfig = readJson(dir() / "paper" / "report.json").at("config").at("postprocess");
  EXPECT_FALSE(paperConfig.at("fill_holes").get<bool>());
  EXPECT_EQ(paperConfig.at("opening_radius_mm").get<double>(), 0.0);
  EXPECT_EQ(paperConfig.at("min_area_mm2").get<double>(), 256.0);
  const json defaultConfig = readJson(dir() / "default" / "report.json").at("config").at("postprocess");
  EXPECT_EQ(defaultConfig.at("min_area_mm2").get<double>(), 128.0);
}
