// Colin27 written as DICOM series by independent code (pydicom), loaded by StRegA and compared with dcm2niix's
// conversion of the same files in world coordinates: axial, oblique, and shuffled with random file names.
#include "DicomReader.h"
#include "DicomTestSupport.h"

#include "strega/core/Error.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

namespace strega::io {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

const fs::path kColin27 = "/usr/share/mricron/templates/ch2.nii.gz";

/// The geometry lines printed by make_dicom_series.py ("size", "spacing", "origin", "direction").
std::map<std::string, std::vector<double>> parseGeometry(const std::string& text) {
  std::map<std::string, std::vector<double>> fields;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string key;
    words >> key;
    double value = 0;
    while (words >> value)
      fields[key].push_back(value);
  }
  return fields;
}

void writeRawWithGeometry(const ImageF& image, const fs::path& raw, const fs::path& geometryFile) {
  std::ofstream out(raw, std::ios::binary);
  out.write(reinterpret_cast<const char*>(image.data()),
            static_cast<std::streamsize>(image.voxelCount() * sizeof(float)));
  const ImageGeometry& g = image.geometry();
  std::ofstream geometry(geometryFile);
  geometry << std::setprecision(17) << "size " << g.size[0] << " " << g.size[1] << " " << g.size[2] << "\n"
           << "spacing " << g.spacingMm[0] << " " << g.spacingMm[1] << " " << g.spacingMm[2] << "\n"
           << "origin " << g.originMm[0] << " " << g.originMm[1] << " " << g.originMm[2] << "\n"
           << "direction";
  for (double d : g.direction)
    geometry << " " << d;
  geometry << "\n";
}

/// strega-cli: $STREGA_CLI when set, else the one built beside this test.
fs::path cliBinary() {
  if (const char* fromEnvironment = std::getenv("STREGA_CLI"); fromEnvironment != nullptr && *fromEnvironment != 0)
    return fromEnvironment;
  for (const char* relative : {"app/cli/strega-cli", "bin/strega-cli"}) {
    const fs::path candidate = fs::path(STREGA_BINARY_DIR) / relative;
    if (fs::exists(candidate)) return candidate;
  }
  return {};
}

struct Variant {
  const char* name;
  const char* generatorOptions;
};

class DicomColin27Series : public ::testing::TestWithParam<Variant> {
protected:
  void SetUp() override {
    if (test::pythonWithPydicom().empty()) GTEST_SKIP() << "no python3 with pydicom/nibabel/numpy";
    if (!fs::exists(kColin27)) GTEST_SKIP() << "mricron-data (Colin27) is not installed";
  }
};

TEST_P(DicomColin27Series, Read_SeriesWrittenByPydicom_MatchesDcm2niixInWorldCoordinates) {
  const Variant& variant = GetParam();
  TempDir work("strega-dicom-colin27");
  const fs::path series = work.path() / "series";
  const std::string python = test::pythonWithPydicom();
  std::string truthText;
  ASSERT_EQ(test::runCommand(python + " " + test::shellQuote((test::toolsFolder() / "make_dicom_series.py").string()) +
                               " " + test::shellQuote(kColin27.string()) + " " + test::shellQuote(series.string()) +
                               " " + variant.generatorOptions,
                             &truthText),
            0);
  const auto truth = parseGeometry(truthText);
  ASSERT_EQ(truth.count("direction"), 1u) << truthText;

  // Load: geometry must be what the files say (slices sorted along the normal, spacing per axis).
  const auto start = std::chrono::steady_clock::now();
  const LoadedImage loaded = dicom::read(series, {}, nullptr);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << variant.name << ": loaded " << loaded.info.fileCount << " files in " << std::fixed
            << std::setprecision(3) << seconds << " s\n";
  const ImageGeometry& g = loaded.image.geometry();
  for (int a = 0; a < 3; ++a) {
    EXPECT_EQ(g.size[a], static_cast<std::size_t>(truth.at("size")[a])) << a;
    EXPECT_NEAR(g.spacingMm[a], truth.at("spacing")[a], 1e-5) << a;
    EXPECT_NEAR(g.originMm[a], truth.at("origin")[a], 1e-4) << a;
  }
  for (int n = 0; n < 9; ++n)
    EXPECT_NEAR(g.direction[n], truth.at("direction")[n], 1e-6) << n;
  EXPECT_TRUE(loaded.info.warnings.empty()) << loaded.info.warnings.front();
  EXPECT_EQ(loaded.info.modality, "MR");
  EXPECT_EQ(loaded.info.metadata.at("PatientName"), "Colin^TwentySeven");
  EXPECT_EQ(loaded.info.storedPixelType, PixelType::Float32); // slope 0.25: values are not integers

  if (!test::haveProgram("dcm2niix"))
    GTEST_SKIP() << "dcm2niix is not installed: geometry checked against the generator only";
  const fs::path reference = work.path() / "dcm2niix";
  fs::create_directories(reference);
  ASSERT_EQ(test::runCommand("dcm2niix -z y -f out -o " + test::shellQuote(reference.string()) + " " +
                             test::shellQuote(series.string()) + " > /dev/null 2>&1"),
            0);
  const fs::path referenceNifti = reference / "out.nii.gz";
  ASSERT_TRUE(fs::exists(referenceNifti));

  const fs::path raw = work.path() / "ours.raw";
  const fs::path geometry = work.path() / "ours.txt";
  writeRawWithGeometry(loaded.image, raw, geometry);
  const std::string compare = python + " " +
                              test::shellQuote((test::toolsFolder() / "compare_with_nifti.py").string()) + " " +
                              test::shellQuote(referenceNifti.string());
  std::string report;
  EXPECT_EQ(
    test::runCommand(compare + " --raw " + test::shellQuote(raw.string()) + " " + test::shellQuote(geometry.string()),
                     &report),
    0)
    << report;
  std::cout << variant.name << " vs dcm2niix (in-process read):\n" << report;

  // The same through the command line, when strega-cli is built: `strega-cli convert SERIES out.nii.gz`.
  const fs::path cli = cliBinary();
  if (cli.empty()) {
    std::cout << "strega-cli not built: convert not checked\n";
    return;
  }
  const fs::path converted = work.path() / "strega.nii.gz";
  std::string cliOutput;
  const int status = test::runCommand(test::shellQuote(cli.string()) + " convert " + test::shellQuote(series.string()) +
                                        " " + test::shellQuote(converted.string()) + " 2>&1",
                                      &cliOutput);
  ASSERT_EQ(status, 0) << cliOutput;
  report.clear();
  EXPECT_EQ(test::runCommand(compare + " --nifti " + test::shellQuote(converted.string()), &report), 0) << report;
  std::cout << variant.name << " vs dcm2niix (strega-cli convert):\n" << report;
}

INSTANTIATE_TEST_SUITE_P(DicomColin27, DicomColin27Series,
                         ::testing::Values(Variant{"axial", ""}, Variant{"oblique", "--oblique"},
                                           Variant{"axial_shuffled", "--shuffle --seed 5"},
                                           Variant{"oblique_shuffled", "--oblique --shuffle --seed 7"}),
                         [](const auto& info) { return std::string(info.param.name); });

} // namespace
} // namespace strega::io
