// strega-cli train and model info / reconstruct / export end to end, on a tiny tissue map and a tiny custom
// model (a few steps on the CPU): what a method developer types, checked through the files it leaves.
#include "CliFixture.h"

#include "strega/io/ImageReader.h"
#include "strega/io/ImageWriter.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <cstdint>

using namespace strega;
using namespace strega::clitest;

namespace {

/// Concentric CSF / GM / WM rings with a CSF "ventricle" in the middle: labels 0-3 on 48 x 48 x 6 voxels of 1 mm.
Mask tissueMap() {
  ImageGeometry g;
  g.size = {48, 48, 6};
  Mask m(g, 0);
  for (std::size_t k = 0; k < 6; ++k)
    for (std::size_t j = 0; j < 48; ++j)
      for (std::size_t i = 0; i < 48; ++i) {
        const double r = std::hypot(double(i) - 24.0, double(j) - 24.0);
        m.at(i, j, k) = r < 4 ? 1 : r < 12 ? 3 : r < 17 ? 2 : r < 20 ? 1 : 0;
      }
  return m;
}

/// Steps recorded in loss.csv (first column, header skipped).
std::vector<int> loggedSteps(const fs::path& csv) {
  std::ifstream in(csv);
  std::vector<int> steps;
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line))
    if (!line.empty()) steps.push_back(std::stoi(line.substr(0, line.find(','))));
  return steps;
}

double number(const nlohmann::json& value) {
  return value.is_string() ? std::stod(value.get<std::string>()) : value.get<double>();
}

class CliTrainModel : public CliFixture {
protected:
  /// `train` on tissue/ into model/ with a 7,452-parameter model (feature maps 4, z 8) for `steps` steps.
  CliResult train(int steps) const {
    return cli({"train",
                (dir() / "tissue").string(),
                "--output",
                (dir() / "model").string(),
                "--steps",
                std::to_string(steps),
                "--batch-size",
                "2",
                "--checkpoint-every",
                "1",
                "--kl-weight",
                "0.002",
                "--context-weight",
                "0.25",
                "--augment-rotation-deg",
                "7.5",
                "--augment-scale",
                "0.1",
                "--augment-translation",
                "0.02",
                "--augment-elastic-mm",
                "3",
                "--augment-intensity-probability",
                "0.25",
                "--latent",
                "8",
                "--feature-maps",
                "4",
                "4",
                "4",
                "4",
                "--validation",
                "0",
                "--device",
                "cpu",
                "--threads",
                "1"});
  }
  void SetUp() override {
    CliFixture::SetUp();
    fs::create_directories(dir() / "tissue");
    io::writeMask(tissueMap(), dir() / "tissue/subject_tissue.nii.gz");
  }
};

} // namespace

TEST_F(CliTrainModel, Train_RecordsLossWeights_ResumesWhereItStopped_ModelCommandsReadTheResult) {
  const fs::path model = dir() / "model";
  CliResult run = train(3);
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_NE(run.out.find("6 training / 0 validation slices"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("no validation slices held out"), std::string::npos) << run.out;
  for (const char* file : {"model.pt", "checkpoint.pt", "loss.csv", "loss.png"})
    EXPECT_TRUE(fs::exists(model / file)) << file;
  EXPECT_EQ(loggedSteps(model / "loss.csv"), (std::vector<int>{1, 2, 3}));

  // Run again with more steps: it continues from the checkpoint instead of starting over.
  run = train(5);
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_NE(run.out.find("steps 4-5 of 5 (resumed)"), std::string::npos) << run.out;
  EXPECT_EQ(loggedSteps(model / "loss.csv"), (std::vector<int>{1, 2, 3, 4, 5}));

  // The loss weights given on the command line are what the model file says it was trained with.
  run = cli({"model", "info", "--checkpoint", (model / "model.pt").string(), "--json"});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  const auto info = nlohmann::json::parse(run.out);
  EXPECT_EQ(info.at("parameters").get<long long>(), 7452);
  const auto& metadata = info.at("metadata");
  EXPECT_DOUBLE_EQ(number(metadata.at("kl_weight")), 0.002);
  // The cap per validation pass and the number of slices held out are two keys (one overwrote the other once).
  EXPECT_DOUBLE_EQ(number(metadata.at("validation_slices")), 256);
  EXPECT_DOUBLE_EQ(number(metadata.at("validation_slices_held_out")), 0);
  EXPECT_DOUBLE_EQ(number(metadata.at("context_weight")), 0.25);
  EXPECT_DOUBLE_EQ(number(metadata.at("aug_rotation_degrees")), 7.5);
  EXPECT_DOUBLE_EQ(number(metadata.at("aug_scale_range")), 0.1);
  EXPECT_DOUBLE_EQ(number(metadata.at("aug_translation_fraction")), 0.02);
  EXPECT_NEAR(number(metadata.at("aug_elastic_pixels")), 3.0 / 1.875, 1e-9) << "mm on the 1.875 mm model grid";
  EXPECT_DOUBLE_EQ(number(metadata.at("aug_intensity_probability")), 0.25);

  const fs::path recon = dir() / "recon.nii.gz";
  run = cli({"model", "reconstruct", (model / "model.pt").string(), (dir() / "tissue/subject_tissue.nii.gz").string(),
             recon.string(), "--device", "cpu", "--threads", "1"});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_NE(run.out.find("6 slices on cpu"), std::string::npos) << run.out;
  // Per tissue class, with the voxel counts of the rings.
  std::array<std::size_t, 4> voxelsOfLabel{};
  const Mask tissue = tissueMap();
  for (std::size_t v = 0; v < tissue.voxelCount(); ++v)
    ++voxelsOfLabel[tissue[v]];
  for (const auto& [name, count] :
       {std::pair{"CSF (input 0.333): ", voxelsOfLabel[1]}, std::pair{"GM  (input 0.667): ", voxelsOfLabel[2]},
        std::pair{"WM  (input 1.000): ", voxelsOfLabel[3]}})
    EXPECT_NE(run.out.find(name + std::to_string(count) + " voxels, mean output "), std::string::npos) << name << "\n"
                                                                                                       << run.out;
  EXPECT_TRUE(io::readImage(recon).image.geometry().sameGrid(tissueMap().geometry()));

  const fs::path weights = dir() / "w.safetensors";
  run = cli({"model", "export", (model / "model.pt").string(), weights.string(), "--prefix", "model."});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  // safetensors: 8-byte little-endian header length, then a JSON header naming every tensor.
  std::ifstream in(weights, std::ios::binary);
  std::uint64_t headerBytes = 0;
  in.read(reinterpret_cast<char*>(&headerBytes), 8);
  ASSERT_GT(headerBytes, 0u);
  ASSERT_LT(headerBytes, 100000u);
  std::string header(headerBytes, '\0');
  in.read(header.data(), static_cast<std::streamsize>(headerBytes));
  const auto tensors = nlohmann::json::parse(header);
  EXPECT_EQ(tensors.at("model.enc.start.conv.weight").at("shape"), nlohmann::json({4, 1, 3, 3}));
  EXPECT_EQ(tensors.at("model.dec.end.conv.weight").at("shape"), nlohmann::json({4, 1, 4, 4}));
  EXPECT_EQ(tensors.size(), 18u + 1u); // 18 parameters and __metadata__
}

TEST_F(CliTrainModel, Train_BadInputs_ClearErrorsAndNoModel) {
  fs::create_directories(dir() / "empty");
  expectOneLineFailure({"train", (dir() / "empty").string(), "--output", (dir() / "out").string()}, 3,
                       "no NIfTI tissue maps found");
  fs::create_directories(dir() / "blank");
  io::writeMask(Mask(tissueMap().geometry(), 0), dir() / "blank/b_tissue.nii.gz");
  const CliResult blank = cli({"train", (dir() / "blank").string(), "--output", (dir() / "out").string()});
  EXPECT_EQ(blank.exitCode, 3);
  ASSERT_FALSE(blank.errLines().empty());
  EXPECT_NE(blank.errLines().back().find("strega-cli: error: the inputs hold no non-empty slice"), std::string::npos)
    << blank.err;
  EXPECT_FALSE(fs::exists(dir() / "out/model.pt"));
  EXPECT_EQ(cli({"train", (dir() / "tissue").string(), "--output", (dir() / "out").string(), "--context-weight", "1.5"})
              .exitCode,
            2);
  EXPECT_EQ(
    cli({"train", (dir() / "tissue").string(), "--output", (dir() / "out").string(), "--kl-weight", "-1"}).exitCode, 2);
  EXPECT_EQ(
    cli({"train", (dir() / "tissue").string(), "--output", (dir() / "out").string(), "--augment-scale", "2"}).exitCode,
    2);
}
