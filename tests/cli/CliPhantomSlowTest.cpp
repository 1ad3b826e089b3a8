// strega-cli phantom end to end (label "slow": two generated heads take 15 to 40 s on 2 shared cores): files,
// the BraTS grid, the manifest, pre-processing of the BraTS layout without registration, and eval of the
// generated truth against itself.
#include "CliFixture.h"

#include "strega/io/ImageReader.h"
#include "strega/preprocess/BrainExtraction.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

using namespace strega;
using namespace strega::clitest;

TEST_F(CliFixture, Phantom_TwoCases_HeadsBratsManifest_EvalOfTruthIsPerfect) {
  if (!fs::exists("/usr/share/mricron/templates/ch2bet.nii.gz")) GTEST_SKIP() << "mricron-data not installed";
  const fs::path out = dir() / "phantom";
  const CliResult run = cli({"phantom", "-o", out.string(), "--cases", "2", "--seed", "5", "--contrast", "t2",
                             "--min-diameter-mm", "20", "--max-diameter-mm", "30", "--mass-effect"});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_NE(run.out.find("wrote 2 cases"), std::string::npos) << run.out;
  for (const char* name : {"phantom_001", "phantom_002"}) {
    const std::string n = name;
    EXPECT_TRUE(fs::exists(out / "heads" / (n + ".nii.gz")));
    EXPECT_TRUE(fs::exists(out / "heads" / (n + "_seg.nii.gz")));
    const auto image = io::readImage(out / "brats" / n / (n + "_t2.nii.gz"));
    const auto seg = io::readImage(out / "brats" / n / (n + "_seg.nii.gz"));
    for (const auto* g : {&image.image.geometry(), &seg.image.geometry()}) {
      EXPECT_EQ(g->size, (Size3{240, 240, 155}));
      EXPECT_NEAR(g->spacingMm[0], 1.0, 1e-6);
      EXPECT_NEAR(g->spacingMm[2], 1.0, 1e-6);
    }
    EXPECT_TRUE(image.image.geometry().sameGrid(seg.image.geometry(), 1e-3));
    // Skull-stripped as the pre-processing's BraTS path needs (registration is then skipped).
    EXPECT_TRUE(preprocess::detectSkullStripped(image.image).skullStripped);
    float maxLabel = 0;
    for (float v : seg.image.voxels())
      maxLabel = std::max(maxLabel, v);
    EXPECT_EQ(maxLabel, 2.0f);
  }
  const auto manifest = nlohmann::json::parse(slurp(out / "manifest.json"));
  ASSERT_EQ(manifest["case_list"].size(), 2u);
  for (const auto& c : manifest["case_list"]) {
    const double ml = c["lesion_volume_ml"].get<double>();
    // Whole-tumour diameter 20 to 30 mm, radius perturbed by at most 30 %.
    EXPECT_GT(ml, 4.0 / 3.0 * 3.14159 * std::pow(7.0, 3) / 1000.0);
    EXPECT_LT(ml, 4.0 / 3.0 * 3.14159 * std::pow(19.5, 3) / 1000.0);
    EXPECT_EQ(c["centroid_mm_lps"].size(), 3u);
    EXPECT_EQ(c["contrast"], "t2");
    EXPECT_GT(c["lesion"]["mass_effect_mm"].get<double>(), 0.0);
  }

  // RegistrationMode::Auto takes the BraTS-layout output as skull-stripped and registered: no registration.
  const CliResult pre = cli({"preprocess", (out / "brats/phantom_001/phantom_001_t2.nii.gz").string(), "-o",
                             (dir() / "pre").string(), "--no-native"});
  ASSERT_EQ(pre.exitCode, 0) << pre.err;
  const auto preJson = nlohmann::json::parse(slurp(dir() / "pre/preprocess.json"));
  EXPECT_EQ(preJson["registered"], false);
  EXPECT_EQ(preJson["skull_stripped_input"], true);

  const CliResult eval = cli({"eval", "--pred", (out / "brats").string(), "--truth", (out / "brats").string(), "-o",
                              (dir() / "eval").string(), "--baseline", "threshold"});
  ASSERT_EQ(eval.exitCode, 0) << eval.err;
  const auto json = nlohmann::json::parse(slurp(dir() / "eval/eval.json"));
  EXPECT_DOUBLE_EQ(json["summary"]["dice"]["mean"].get<double>(), 1.0);
  EXPECT_EQ(json["baseline"]["summary"]["scored"], 2);
  EXPECT_NE(slurp(dir() / "eval/eval.csv").find("baseline_dice"), std::string::npos);
  // The flat heads folder (image beside its _seg) works as truth and as prediction too.
  const CliResult heads = cli({"eval", "--pred", (out / "heads").string(), "--truth", (out / "heads").string(), "-o",
                               (dir() / "eval-heads").string()});
  ASSERT_EQ(heads.exitCode, 0) << heads.err;
  EXPECT_NE(heads.out.find("2 cases scored (2 with a lesion, 0 healthy), 0 missing, 0 failed; Dice 1.000"),
            std::string::npos)
    << heads.out;
}
