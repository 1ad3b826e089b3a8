// strega-cli eval (and phantom's argument checks) end to end, on small synthetic BraTS-layout folders.
#include "CliFixture.h"

#include "strega/io/ImageWriter.h"

#include <nlohmann/json.hpp>

using namespace strega;
using namespace strega::clitest;

namespace {

ImageGeometry smallGrid() {
  ImageGeometry g;
  g.size = {40, 40, 8};
  return g;
}

/// A 16 x 16 x 3 lesion (256 mm² per slice: kept by the baseline's area opening) at (10, 10, 2).
Mask lesion(std::uint8_t label = 2) {
  Mask m(smallGrid(), 0);
  for (std::size_t k = 2; k < 5; ++k)
    for (std::size_t j = 10; j < 26; ++j)
      for (std::size_t i = 10; i < 26; ++i)
        m.at(i, j, k) = label;
  return m;
}

/// A skull-stripped T2-like image: brain 100 (a 1-voxel zero border), the lesion 250.
ImageF t2Image() {
  ImageF image(smallGrid(), 0.0f);
  const Mask l = lesion();
  for (std::size_t k = 1; k < 7; ++k)
    for (std::size_t j = 1; j < 39; ++j)
      for (std::size_t i = 1; i < 39; ++i)
        image.at(i, j, k) = l.at(i, j, k) ? 250.0f : 100.0f;
  return image;
}

class CliEval : public CliFixture {
protected:
  /// BraTS folder with case A (old naming) and B (new naming).
  fs::path makeTruth() const {
    const fs::path truth = dir() / "truth";
    fs::create_directories(truth / "A");
    fs::create_directories(truth / "B");
    io::writeMask(lesion(), truth / "A/A_seg.nii.gz");
    io::writeImage(t2Image(), truth / "A/A_t2.nii.gz");
    io::writeMask(lesion(1), truth / "B/B-seg.nii.gz");
    io::writeImage(t2Image(), truth / "B/B-t2w.nii.gz");
    return truth;
  }
};

} // namespace

TEST_F(CliEval, TruthAgainstItself_DiceOne_BaselineColumnsAndFiles) {
  const fs::path truth = makeTruth(), out = dir() / "out";
  const CliResult run =
    cli({"eval", "--pred", truth.string(), "--truth", truth.string(), "-o", out.string(), "--baseline", "threshold"});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_TRUE(run.err.empty()) << run.err;
  EXPECT_NE(run.out.find("2 cases scored"), std::string::npos) << run.out;
  for (const char* f : {"eval.csv", "eval.json", "eval.md", "eval.png"})
    EXPECT_TRUE(fs::exists(out / f)) << f;
  const auto json = nlohmann::json::parse(slurp(out / "eval.json"));
  EXPECT_EQ(json["summary"]["scored"], 2);
  EXPECT_DOUBLE_EQ(json["summary"]["dice"]["mean"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(json["summary"]["hd95_mm"]["mean"].get<double>(), 0.0);
  // The bright lesion is exactly what the threshold finds here.
  EXPECT_DOUBLE_EQ(json["baseline"]["summary"]["dice"]["mean"].get<double>(), 1.0);
  EXPECT_EQ(json["cases"][1]["baseline"]["image"].get<std::string>(), (truth / "B/B-t2w.nii.gz").string());
  const std::string csv = slurp(out / "eval.csv");
  EXPECT_EQ(csv.rfind("case,status,reason,dice,sensitivity,precision,hd95_mm,pred_volume_ml,true_volume_ml", 0), 0u);
  EXPECT_NE(csv.find(",baseline_modality,baseline_dice,"), std::string::npos);
  EXPECT_NE(csv.find("\nA,ok,,1.0000,1.0000,1.0000,0.00,0.768,0.768,"), std::string::npos) << csv;
  EXPECT_NE(slurp(out / "eval.md").find("threshold baseline"), std::string::npos);
  EXPECT_EQ(slurp(out / "eval.png").substr(1, 3), "PNG");
}

TEST_F(CliEval, RunLayoutPredictions_MissingCaseIsARow) {
  const fs::path truth = makeTruth(), pred = dir() / "pred", out = dir() / "out";
  fs::create_directories(pred / "A");
  io::writeMask(lesion(1), pred / "A/mask.nii.gz");
  const CliResult run = cli({"eval", "--pred", pred.string(), "--truth", truth.string(), "-o", out.string()});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_NE(run.out.find("1 cases scored (1 with a lesion, 0 healthy), 1 missing, 0 failed"), std::string::npos) << run.out;
  EXPECT_NE(run.err.find("warning: B: no prediction"), std::string::npos) << run.err;
  const std::string csv = slurp(out / "eval.csv");
  EXPECT_NE(csv.find("\nB,missing,"), std::string::npos) << csv;
  EXPECT_EQ(csv.find("baseline_dice"), std::string::npos);
}

TEST_F(CliEval, BadInput_OneLineErrors) {
  const fs::path truth = makeTruth();
  fs::create_directories(dir() / "empty");
  expectOneLineFailure(
    {"eval", "--pred", (dir() / "absent").string(), "--truth", truth.string(), "-o", (dir() / "o").string()}, 5,
    "does not exist");
  expectOneLineFailure(
    {"eval", "--pred", truth.string(), "--truth", (dir() / "absent").string(), "-o", (dir() / "o").string()}, 5,
    "does not exist");
  expectOneLineFailure(
    {"eval", "--pred", truth.string(), "--truth", (dir() / "empty").string(), "-o", (dir() / "o").string()}, 3,
    "no ground-truth masks");
  EXPECT_EQ(cli({"eval", "--truth", truth.string(), "-o", (dir() / "o").string()}).exitCode, 2);
  EXPECT_EQ(cli({"eval", "--pred", truth.string(), "--truth", truth.string(), "-o", (dir() / "o").string(),
                 "--baseline", "otsu"})
              .exitCode,
            2);
}

TEST_F(CliEval, NothingScored_ExitInvalidInput) {
  const fs::path truth = makeTruth();
  fs::create_directories(dir() / "nopred");
  const CliResult run =
    cli({"eval", "--pred", (dir() / "nopred").string(), "--truth", truth.string(), "-o", (dir() / "o").string()});
  EXPECT_EQ(run.exitCode, 3);
  ASSERT_FALSE(run.errLines().empty());
  EXPECT_NE(run.errLines().back().find("no case could be scored"), std::string::npos) << run.err;
  EXPECT_TRUE(fs::exists(dir() / "o/eval.csv"));
}

TEST_F(CliEval, PhantomBadArguments_OneLineErrors) {
  expectOneLineFailure({"phantom", "-o", (dir() / "p").string(), "--min-diameter-mm", "40", "--max-diameter-mm", "20"},
                       2, "--min-diameter-mm");
  expectOneLineFailure({"phantom", "-o", (dir() / "p").string(), "--cases", "0"}, 2, "nothing to make");
  EXPECT_EQ(cli({"phantom", "-o", (dir() / "p").string(), "--contrast", "flair"}).exitCode, 2);
}
