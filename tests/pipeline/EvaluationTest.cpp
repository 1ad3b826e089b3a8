// Evaluation: metrics on synthetic masks with exact expected values, resampling between grids, truth and
// prediction discovery (BraTS naming variants), missing predictions, the threshold baseline and the report files.
#include "strega/pipeline/Evaluation.h"
#include "strega/core/Error.h"
#include "strega/io/ImageWriter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>

using namespace strega;
using namespace strega::pipeline;
namespace fs = std::filesystem;

namespace {

ImageGeometry grid(std::size_t n, double spacing = 1.0, Vec3 origin = {0, 0, 0}) {
  ImageGeometry g;
  g.size = {n, n, n};
  g.spacingMm = {spacing, spacing, spacing};
  g.originMm = origin;
  return g;
}

/// A mask on `g` set to `value` over the index box [lo, hi] (inclusive).
Mask box(const ImageGeometry& g, Size3 lo, Size3 hi, std::uint8_t value = 1) {
  Mask m(g, 0);
  for (std::size_t k = lo[2]; k <= hi[2]; ++k)
    for (std::size_t j = lo[1]; j <= hi[1]; ++j)
      for (std::size_t i = lo[0]; i <= hi[0]; ++i)
        m.at(i, j, k) = value;
  return m;
}

class EvalFolders : public ::testing::Test {
protected:
  void SetUp() override {
    std::random_device rd;
    m_dir = fs::path(::testing::TempDir()) / ("strega-eval-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(m_dir);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(m_dir, ec);
  }
  fs::path dir() const { return m_dir; }
  /// Write `mask` to dir()/relative, creating folders.
  fs::path put(const fs::path& relative, const Mask& mask) const {
    const fs::path p = m_dir / relative;
    fs::create_directories(p.parent_path());
    io::writeMask(mask, p);
    return p;
  }

private:
  fs::path m_dir;
};

} // namespace

TEST(ScoreMasks, ShiftedCube_ExactDiceSensitivityPrecision) {
  const auto g = grid(10);
  const Mask truth = box(g, {2, 2, 2}, {5, 5, 5});
  const Mask predicted = box(g, {4, 2, 2}, {7, 5, 5}); // half of it overlaps: 32 of 64 voxels
  const MaskScores s = scoreMasks(predicted, truth);
  EXPECT_DOUBLE_EQ(s.dice, 0.5);
  EXPECT_DOUBLE_EQ(s.sensitivity, 0.5);
  EXPECT_DOUBLE_EQ(s.precision, 0.5);
  EXPECT_DOUBLE_EQ(s.trueVolumeMl, 0.064);
  EXPECT_DOUBLE_EQ(s.predictedVolumeMl, 0.064);
  EXPECT_GT(s.hd95Mm, 0.0);
  EXPECT_LE(s.hd95Mm, 2.0);
}

TEST(ScoreMasks, TruthLabelsCoreAndOedema_AreOneWholeTumour) {
  const auto g = grid(10);
  Mask truth = box(g, {2, 2, 2}, {5, 5, 5}, 2);
  truth.at(3, 3, 3) = 1;
  const MaskScores s = scoreMasks(box(g, {2, 2, 2}, {5, 5, 5}), truth);
  EXPECT_DOUBLE_EQ(s.dice, 1.0);
  EXPECT_DOUBLE_EQ(s.hd95Mm, 0.0);
}

TEST(ScoreMasks, BothEmpty_DiceOne_PredictionOnly_DiceZero) {
  const auto g = grid(8);
  const MaskScores empty = scoreMasks(Mask(g, 0), Mask(g, 0));
  EXPECT_DOUBLE_EQ(empty.dice, 1.0);
  EXPECT_DOUBLE_EQ(empty.hd95Mm, 0.0);
  const MaskScores falseAlarm = scoreMasks(box(g, {1, 1, 1}, {2, 2, 2}), Mask(g, 0));
  EXPECT_DOUBLE_EQ(falseAlarm.dice, 0.0);
  EXPECT_TRUE(std::isinf(falseAlarm.hd95Mm));
}

TEST(ResampleNearest, TwoMillimetreFlippedGrid_MatchesTruthExactly) {
  // Truth: 1 mm LPS grid, cube over x, y, z in [4, 11] mm.
  const auto fine = grid(20);
  const Mask truth = box(fine, {4, 4, 4}, {11, 11, 11});
  // Prediction: 2 mm grid with x stored right-to-left (RAS-like); voxel centres at x = 20.5 - 2 m, y, z = 0.5 + 2 m.
  ImageGeometry coarse = grid(10, 2.0, {20.5, 0.5, 0.5});
  coarse.direction = {-1, 0, 0, 0, 1, 0, 0, 0, 1};
  // x in [4, 11] -> m in {5..8}; y, z in [4, 11] -> m in {2..5} (nearest centres, no ties).
  const Mask predicted = box(coarse, {5, 2, 2}, {8, 5, 5});
  const Mask onTruth = resampleNearest(predicted, fine);
  EXPECT_EQ(onTruth.geometry().size, fine.size);
  const MaskScores s = scoreMasks(predicted, truth);
  EXPECT_DOUBLE_EQ(s.dice, 1.0);
  EXPECT_DOUBLE_EQ(s.predictedVolumeMl, 0.512);
  EXPECT_DOUBLE_EQ(s.trueVolumeMl, 0.512);
}

TEST(ResampleNearest, NoOverlap_ThrowsInvalidInput) {
  const Mask far(grid(5, 1.0, {500.0, 0.0, 0.0}), 1);
  try {
    scoreMasks(far, Mask(grid(5), 1));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidInput);
    EXPECT_NE(e.userMessage().find("do not overlap"), std::string::npos);
  }
}

TEST(ThresholdBaseline, BrightBlockFound_SmallSpotRemovedByAreaOpening) {
  ImageGeometry g;
  g.size = {50, 50, 12};
  const Mask brain = box(g, {5, 5, 1}, {44, 44, 10});
  ImageF image(g, 0.0f);
  for (std::size_t n = 0; n < image.voxelCount(); ++n)
    image[n] = brain[n] ? 100.0f : 0.0f;
  const Mask block = box(g, {10, 10, 4}, {29, 29, 6}); // 20 x 20 mm = 400 mm² per slice
  for (std::size_t n = 0; n < image.voxelCount(); ++n)
    if (block[n]) image[n] = 200.0f;
  for (std::size_t j = 35; j < 38; ++j)
    for (std::size_t i = 35; i < 38; ++i)
      image.at(i, j, 8) = 200.0f; // 9 mm²: below the default 128 mm² opening
  const Mask bright = thresholdBaseline(image, brain, false, BaselineOptions{});
  EXPECT_DOUBLE_EQ(scoreMasks(bright, block).dice, 1.0);

  // T1: lesions darker than the brain.
  for (std::size_t n = 0; n < image.voxelCount(); ++n)
    if (block[n]) image[n] = 20.0f;
  image.at(36, 36, 8) = 100.0f;
  const Mask dark = thresholdBaseline(image, brain, true, BaselineOptions{});
  EXPECT_DOUBLE_EQ(scoreMasks(dark, block).dice, 1.0);
}

TEST_F(EvalFolders, FindTruthCases_BratsNamingVariantsAndFlatFiles) {
  const auto g = grid(6);
  put("A/A_seg.nii.gz", box(g, {1, 1, 1}, {2, 2, 2}));
  put("A/A_t2.nii.gz", Mask(g, 1));
  put("B/B-seg.nii.gz", box(g, {1, 1, 1}, {2, 2, 2}));
  put("B/B-t2w.nii.gz", Mask(g, 1));
  put("B/B-t2f.nii.gz", Mask(g, 1));
  put("B/B-t1n.nii", Mask(g, 1));
  put("C_seg.nii.gz", Mask(g, 0));
  put("C.nii.gz", Mask(g, 1));
  const auto cases = findTruthCases(dir());
  ASSERT_EQ(cases.size(), 3u);
  EXPECT_EQ(cases[0].name, "A");
  EXPECT_EQ(cases[0].segmentation.filename(), "A_seg.nii.gz");
  EXPECT_EQ(cases[1].name, "B");
  EXPECT_EQ(cases[1].segmentation.filename(), "B-seg.nii.gz");
  EXPECT_EQ(cases[2].name, "C");
  EXPECT_EQ(cases[2].segmentation.filename(), "C_seg.nii.gz");

  EXPECT_EQ(findModalityImage(cases[0])->path.filename(), "A_t2.nii.gz");
  EXPECT_EQ(findModalityImage(cases[1])->path.filename(), "B-t2w.nii.gz");
  const auto flair = findModalityImage(cases[1], "flair");
  EXPECT_EQ(flair->path.filename(), "B-t2f.nii.gz");
  EXPECT_EQ(flair->modality, "flair");
  EXPECT_EQ(findModalityImage(cases[1], "t1")->path.filename(), "B-t1n.nii");
  // A flat head beside its _seg: taken as the preferred modality.
  const auto plain = findModalityImage(cases[2], "t1");
  EXPECT_EQ(plain->path.filename(), "C.nii.gz");
  EXPECT_EQ(plain->modality, "t1");
}

TEST_F(EvalFolders, FindTruthCases_PlainMasks_EmptyAndMissingFolders) {
  const auto g = grid(4);
  put("flat/X.nii.gz", Mask(g, 0));
  put("flat/Y.nii", Mask(g, 1));
  const auto cases = findTruthCases(dir() / "flat");
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_EQ(cases[0].name, "X");
  EXPECT_EQ(cases[1].name, "Y");
  EXPECT_FALSE(findModalityImage(cases[0]).has_value());

  fs::create_directories(dir() / "empty");
  try {
    findTruthCases(dir() / "empty");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidInput);
  }
  try {
    findTruthCases(dir() / "absent");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Io);
  }
}

TEST_F(EvalFolders, FindPrediction_RunLayoutFlatAndBratsLayouts) {
  const auto g = grid(4);
  put("pred/A/mask.nii.gz", Mask(g, 1));
  put("pred/A.nii.gz", Mask(g, 0)); // the run layout wins
  put("pred/B.nii.gz", Mask(g, 1));
  put("pred/C/C-seg.nii.gz", Mask(g, 1));
  EXPECT_EQ(findPrediction(dir() / "pred", "A"), dir() / "pred/A/mask.nii.gz");
  EXPECT_EQ(findPrediction(dir() / "pred", "B"), dir() / "pred/B.nii.gz");
  EXPECT_EQ(findPrediction(dir() / "pred", "C"), dir() / "pred/C/C-seg.nii.gz");
  EXPECT_TRUE(findPrediction(dir() / "pred", "D").empty());
}

TEST_F(EvalFolders, Evaluate_MissingAndUnreadablePredictions_AreRowsOutsideTheMean) {
  const auto g = grid(10);
  const Mask cube = box(g, {2, 2, 2}, {5, 5, 5});
  put("truth/A/A_seg.nii.gz", cube);
  put("truth/B/B_seg.nii.gz", cube);
  put("truth/C/C_seg.nii.gz", cube);
  put("truth/D/D_seg.nii.gz", cube);
  put("pred/A/mask.nii.gz", cube);                         // Dice 1
  put("pred/B/mask.nii.gz", box(g, {4, 2, 2}, {7, 5, 5})); // Dice 0.5
  fs::create_directories(dir() / "pred/C");
  std::ofstream(dir() / "pred/C/mask.nii.gz") << "not an image"; // unreadable
  EvalOptions options;
  options.predDir = dir() / "pred";
  options.truthDir = dir() / "truth";
  const EvalReport report = evaluate(options);
  ASSERT_EQ(report.rows.size(), 4u);
  EXPECT_DOUBLE_EQ(report.rows[0].scores->dice, 1.0);
  EXPECT_DOUBLE_EQ(report.rows[1].scores->dice, 0.5);
  EXPECT_FALSE(report.rows[2].scores.has_value());
  EXPECT_FALSE(report.rows[2].predictionMissing);
  EXPECT_NE(report.rows[2].reason.find("prediction unusable"), std::string::npos);
  EXPECT_FALSE(report.rows[3].scores.has_value());
  EXPECT_TRUE(report.rows[3].predictionMissing);
  EXPECT_NE(report.rows[3].reason.find("no prediction"), std::string::npos);
  EXPECT_EQ(report.summary.scored, 2u);
  EXPECT_EQ(report.summary.missing, 1u);
  EXPECT_EQ(report.summary.failed, 1u);
  EXPECT_DOUBLE_EQ(report.summary.dice.mean, 0.75);
  EXPECT_DOUBLE_EQ(report.summary.dice.sd, 0.25);

  writeEvalReport(report, dir() / "out");
  for (const char* f : {"eval.csv", "eval.json", "eval.md", "eval.png"})
    EXPECT_TRUE(fs::exists(dir() / "out" / f)) << f;
  std::ifstream csv(dir() / "out/eval.csv");
  std::stringstream text;
  text << csv.rdbuf();
  EXPECT_NE(text.str().find("\nD,missing,"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("\nA,ok,,1.0000,"), std::string::npos) << text.str();
}

TEST_F(EvalFolders, ReadEvalReport_RoundTripsWhatTheWriterWrote) {
  const auto g = grid(10);
  const Mask cube = box(g, {2, 2, 2}, {5, 5, 5});
  put("truth/A/A_seg.nii.gz", cube);
  put("truth/B/B_seg.nii.gz", cube);
  put("truth/H/H_seg.nii.gz", Mask(g, 0));
  put("truth/M/M_seg.nii.gz", cube);
  put("pred/A/mask.nii.gz", box(g, {4, 2, 2}, {7, 5, 5})); // Dice 0.5
  put("pred/B/mask.nii.gz", Mask(g, 0));                   // Dice 0, HD95 infinite
  put("pred/H/mask.nii.gz", box(g, {0, 0, 0}, {1, 1, 1})); // healthy with 8 false-positive voxels
  // The baseline's image beside A only: the others get a reason.
  ImageF image(g, 100.0f);
  for (std::size_t n = 0; n < image.voxelCount(); ++n)
    if (cube[n]) image[n] = 1000.0f;
  io::writeImage(image, dir() / "truth/A/A_t2.nii.gz");
  EvalOptions options;
  options.predDir = dir() / "pred";
  options.truthDir = dir() / "truth";
  options.baseline = BaselineOptions{"flair", 1.5, 4.0};
  const EvalReport written = evaluate(options);
  writeEvalReport(written, dir() / "out");

  const EvalReport read = readEvalReport(dir() / "out");
  EXPECT_EQ(read.predDir, written.predDir);
  EXPECT_EQ(read.truthDir, written.truthDir);
  ASSERT_EQ(read.rows.size(), 4u);
  for (std::size_t i = 0; i < read.rows.size(); ++i) {
    const EvalRow &a = read.rows[i], &b = written.rows[i];
    EXPECT_EQ(a.caseName, b.caseName);
    EXPECT_EQ(a.reason, b.reason);
    EXPECT_EQ(a.predictionMissing, b.predictionMissing);
    EXPECT_EQ(a.truthPath, b.truthPath);
    EXPECT_EQ(a.predictionPath, b.predictionPath);
    EXPECT_EQ(a.baselineReason, b.baselineReason);
    EXPECT_EQ(a.baselineImage, b.baselineImage);
    ASSERT_EQ(a.scores.has_value(), b.scores.has_value()) << a.caseName;
    if (a.scores) {
      EXPECT_DOUBLE_EQ(a.scores->dice, b.scores->dice);
      EXPECT_DOUBLE_EQ(a.scores->precision, b.scores->precision);
      EXPECT_EQ(a.scores->hd95Mm, b.scores->hd95Mm) << a.caseName; // infinity included
      EXPECT_DOUBLE_EQ(a.scores->predictedVolumeMl, b.scores->predictedVolumeMl);
    }
    ASSERT_EQ(a.baseline.has_value(), b.baseline.has_value()) << a.caseName;
  }
  EXPECT_DOUBLE_EQ(read.rows[0].scores->dice, 0.5);
  EXPECT_TRUE(std::isinf(read.rows[1].scores->hd95Mm));
  EXPECT_TRUE(read.rows[3].predictionMissing);
  ASSERT_TRUE(read.rows[0].baseline.has_value());
  EXPECT_DOUBLE_EQ(read.rows[0].baseline->dice, 1.0);
  EXPECT_EQ(read.summary.scored, 3u);
  EXPECT_EQ(read.summary.healthyCases, 1u);
  EXPECT_EQ(read.summary.missing, 1u);
  EXPECT_DOUBLE_EQ(read.summary.dice.mean, 0.25);
  EXPECT_DOUBLE_EQ(read.summary.falsePositiveMl.mean, written.summary.falsePositiveMl.mean);
  ASSERT_TRUE(read.baseline && read.baselineSummary);
  EXPECT_EQ(read.baseline->modality, "flair");
  EXPECT_DOUBLE_EQ(read.baseline->k, 1.5);
  EXPECT_DOUBLE_EQ(read.baseline->minAreaMm2, 4.0);
  EXPECT_DOUBLE_EQ(read.baselineSummary->dice.mean, written.baselineSummary->dice.mean);
  // What strega-cli eval prints, the same from the read report as from the computed one.
  EXPECT_EQ(evalSummaryLine(read), evalSummaryLine(written));
  EXPECT_EQ(evalSummaryLine(read), "3 cases scored (2 with a lesion, 1 healthy), 1 missing, 0 failed; Dice 0.250 ± "
                                   "0.250, false positives on healthy cases 0.01 mL; threshold baseline Dice 1.000 "
                                   "± 0.000");
  EXPECT_EQ(renderDicePlot(read).pixels, renderDicePlot(written).pixels);
}

TEST_F(EvalFolders, ReadEvalReport_MissingOrForeignFile_Throws) {
  try {
    readEvalReport(dir() / "absent");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Io);
  }
  std::ofstream(dir() / "eval.json") << R"({"tool": "something else"})";
  try {
    readEvalReport(dir());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidInput);
  }
}

TEST_F(EvalFolders, Evaluate_MissingPredictionFolder_ThrowsIo) {
  put("truth/A_seg.nii.gz", Mask(grid(4), 0));
  EvalOptions options;
  options.predDir = dir() / "nowhere";
  options.truthDir = dir() / "truth";
  try {
    evaluate(options);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Io);
  }
}

TEST(Summarize, HealthyCases_CountedAsFalsePositivesNotInDice) {
  auto row = [](double dice, double predictedMl, double trueMl) {
    strega::pipeline::EvalRow r;
    strega::pipeline::MaskScores s;
    s.dice = dice;
    s.predictedVolumeMl = predictedMl;
    s.trueVolumeMl = trueMl;
    r.scores = s;
    return r;
  };
  const std::vector<strega::pipeline::EvalRow> rows{row(0.8, 10, 12), row(0.6, 20, 18), row(0.0, 3.0, 0.0),
                                                    row(1.0, 0.0, 0.0)};
  const auto s = strega::pipeline::summarize(rows, false);
  EXPECT_EQ(s.scored, 4u);
  EXPECT_EQ(s.healthyCases, 2u);
  EXPECT_NEAR(s.dice.mean, 0.7, 1e-12) << "healthy cases must not enter the Dice mean";
  EXPECT_EQ(s.dice.count, 2u);
  EXPECT_NEAR(s.falsePositiveMl.mean, 1.5, 1e-12);
}

TEST_F(EvalFolders, DiceByLesionSize_StrataOfTrueVolume_BaselineOverTheSameCases_InReportFiles) {
  auto row = [](double dice, double trueMl, std::optional<double> baselineDice) {
    strega::pipeline::EvalRow r;
    strega::pipeline::MaskScores s;
    s.dice = dice;
    s.trueVolumeMl = trueMl;
    r.scores = s;
    if (baselineDice) {
      s.dice = *baselineDice;
      r.baseline = s;
    }
    return r;
  };
  strega::pipeline::EvalReport report;
  report.baseline = strega::pipeline::BaselineOptions{};
  // 2 and 4.9 mL: small; 5 mL starts the middle stratum; 20 mL the largest; the healthy case enters none.
  report.rows = {row(0.0, 2.0, 0.1),           row(0.2, 4.9, 0.3),  row(0.6, 5.0, 0.5),
                 row(0.8, 20.0, std::nullopt), row(0.9, 60.0, 0.7), row(1.0, 0.0, 1.0)};
  const auto strata = strega::pipeline::diceByLesionSize(report);
  ASSERT_EQ(strata.size(), 3u);
  EXPECT_EQ(strata[0].dice.count, 2u);
  EXPECT_NEAR(strata[0].dice.mean, 0.1, 1e-12);
  EXPECT_NEAR(strata[0].baselineDice->mean, 0.2, 1e-12);
  EXPECT_EQ(strata[1].dice.count, 1u);
  EXPECT_NEAR(strata[1].dice.mean, 0.6, 1e-12);
  EXPECT_EQ(strata[2].dice.count, 2u);
  EXPECT_NEAR(strata[2].dice.mean, 0.85, 1e-12);
  EXPECT_EQ(strata[2].baselineDice->count, 1u) << "a case without a baseline score leaves only the baseline's mean";
  EXPECT_TRUE(std::isinf(strata[2].maxMl));

  report.summary = strega::pipeline::summarize(report.rows, false);
  report.baselineSummary = strega::pipeline::summarize(report.rows, true);
  strega::pipeline::writeEvalReport(report, dir() / "out");
  std::ifstream mdFile(dir() / "out/eval.md");
  const std::string md((std::istreambuf_iterator<char>(mdFile)), {});
  EXPECT_NE(md.find("| under 5 mL | 2 | 0.100 ± 0.100 | 0.200 ± 0.100 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 20 mL and more | 2 | 0.850 ± 0.050 | 0.700 ± 0.000 |"), std::string::npos) << md;
  std::ifstream jsonFile(dir() / "out/eval.json");
  const std::string json((std::istreambuf_iterator<char>(jsonFile)), {});
  EXPECT_NE(json.find("\"dice_by_lesion_size\""), std::string::npos);
  EXPECT_NE(json.find("\"max_ml\": null"), std::string::npos) << "the largest stratum is open-ended";
}

TEST_F(EvalFolders, SummaryByModality_GroupsByNameSuffix_InReportFilesAndSummaryLine) {
  auto row = [](const std::string& name, double dice, double predictedMl, double trueMl) {
    strega::pipeline::EvalRow r;
    r.caseName = name;
    strega::pipeline::MaskScores s;
    s.dice = dice;
    s.predictedVolumeMl = predictedMl;
    s.trueVolumeMl = trueMl;
    r.scores = s;
    r.baseline = s;
    r.baseline->dice = dice / 2.0;
    return r;
  };
  strega::pipeline::EvalReport report;
  report.baseline = strega::pipeline::BaselineOptions{};
  // The layout of `strega-cli phantom --contrast both`: every head twice, T1 and T2.
  report.rows = {row("phantom_001_t1", 0.4, 5, 10), row("phantom_001_t2", 0.9, 9, 10),
                 row("phantom_002_t1", 0.6, 7, 20), row("phantom_002_t2", 0.8, 18, 20),
                 row("healthy_001_t1", 1.0, 0, 0),  row("healthy_001_t2", 0.0, 0.5, 0)};
  const auto groups = strega::pipeline::summaryByModality(report);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].modality, "t1") << "groups keep the order in which the cases come";
  EXPECT_NEAR(groups[0].summary.dice.mean, 0.5, 1e-12);
  EXPECT_EQ(groups[0].summary.healthyCases, 1u);
  EXPECT_NEAR(groups[0].summary.falsePositiveMl.mean, 0.0, 1e-12);
  EXPECT_EQ(groups[1].modality, "t2");
  EXPECT_NEAR(groups[1].summary.dice.mean, 0.85, 1e-12);
  EXPECT_NEAR(groups[1].summary.falsePositiveMl.mean, 0.5, 1e-12);
  ASSERT_TRUE(groups[1].baselineSummary);
  EXPECT_NEAR(groups[1].baselineSummary->dice.mean, 0.425, 1e-12);

  report.summary = strega::pipeline::summarize(report.rows, false);
  report.baselineSummary = strega::pipeline::summarize(report.rows, true);
  EXPECT_NE(
    strega::pipeline::evalSummaryLine(report).find("; by contrast: t1 Dice 0.500 ± 0.100, t2 Dice 0.850 ± 0.050"),
    std::string::npos)
    << strega::pipeline::evalSummaryLine(report);
  strega::pipeline::writeEvalReport(report, dir() / "out");
  std::ifstream mdFile(dir() / "out/eval.md");
  const std::string md((std::istreambuf_iterator<char>(mdFile)), {});
  EXPECT_NE(md.find("| t2 | 2 | 0.850 ± 0.050 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 1 | 0.50 ± 0.00 | 0.425 ± 0.025 |"), std::string::npos) << md;
  EXPECT_NE(md.find("128 mm² by default, a disc of 13 mm) removes lesions under about 1.1 mL"), std::string::npos)
    << "the text follows the default chain's area opening\n"
    << md;
  std::ifstream jsonFile(dir() / "out/eval.json");
  const std::string json((std::istreambuf_iterator<char>(jsonFile)), {});
  EXPECT_NE(json.find("\"summary_by_modality\""), std::string::npos);
  EXPECT_NE(json.find("\"modality\": \"t2\""), std::string::npos);

  // A contrast with healthy cases only has no Dice to show.
  report.rows.push_back(row("healthy_002_flair", 1.0, 0, 0));
  EXPECT_NE(strega::pipeline::evalSummaryLine(report).find(", flair no lesion case"), std::string::npos)
    << strega::pipeline::evalSummaryLine(report);
  report.rows.pop_back();

  // One contrast only (or names without a suffix): no grouping, nothing added.
  report.rows.erase(
    std::remove_if(report.rows.begin(), report.rows.end(), [](const auto& r) { return r.caseName.ends_with("_t2"); }),
    report.rows.end());
  EXPECT_TRUE(strega::pipeline::summaryByModality(report).empty());
  EXPECT_EQ(strega::pipeline::evalSummaryLine(report).find("by contrast"), std::string::npos);
}
