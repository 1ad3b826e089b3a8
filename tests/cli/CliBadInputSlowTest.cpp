// The bad-input corpus: real odd files (pydicom's and nibabel's test sets) and deliberate corruptions of real
// images (tests/cli/bad_inputs/make_bad_inputs.py), each through `info`, `convert` and `run`. Every input is
// either handled (exit 0; `run` writes a mask) or refused with exit code and one error line naming the reason,
// and a refused `run` leaves no mask. The outcome table is printed and kept in the build tree
// (tests/cli/bad_input_outcomes.md).
#include "CliTestSupport.h"

#include <cstdlib>
#include <fstream>

namespace strega::testing {
namespace {

/// Expected result of one command: exit code, and a fragment of the error line (or, for exit 0, of stderr).
struct Outcome {
  int exitCode;
  const char* fragment;
};

/// One corpus entry with its expected outcome for info, convert and run.
struct Entry {
  const char* name;
  Outcome info, convert, run;
};

constexpr Outcome kOk{0, ""};
constexpr Outcome kNotAVolume{4, "a single slice or less"};

// Exit codes: 3 invalid input, 4 unsupported input, 5 file system error (see `strega-cli --help`).
const Entry kCorpus[] = {
  // pydicom's test files
  {"dcm_mr_small.dcm", kOk, kOk, kNotAVolume},
  {"dcm_mr_truncated.dcm", {3, "truncated or corrupt"}, {3, "truncated or corrupt"}, {3, "truncated or corrupt"}},
  {"dcm_no_meta.dcm", {3, "not an image this program can read"}, {3, "not an image"}, {3, "not an image"}},
  {"dcm_big_endian.dcm", kOk, kOk, kNotAVolume},
  {"dcm_bad_vr.dcm", kOk, kOk, kNotAVolume},
  {"dcm_ct_small.dcm", kOk, kOk, kNotAVolume},
  {"dcm_jpeg2000.dcm", kOk, {4, "JPEG 2000"}, {4, "JPEG 2000"}},
  {"dcm_rle.dcm", kOk, kOk, kNotAVolume},
  {"dcm_waveform_ecg.dcm", {4, "without pixel data"}, {4, "without pixel data"}, {4, "without pixel data"}},
  {"dcm_rtplan.dcm", {4, "without pixel data"}, {4, "without pixel data"}, {4, "without pixel data"}},
  {"dcm_rtplan_truncated.dcm", {3, "truncated or corrupt"}, {3, "truncated or corrupt"}, {3, "truncated"}},
  {"dcm_rtdose_multiframe.dcm", kOk, {0, "DoseGridScaling"}, {4, "10.0 mm thick"}},
  {"dcm_rgb.dcm", kOk, {4, "colour images"}, {4, "colour images"}},
  {"dcm_structured_report.dcm", {4, "without pixel data"}, {4, "without pixel data"}, {4, "without pixel data"}},
  {"dcm_deflated.dcm", kOk, {0, "no PixelSpacing"}, kNotAVolume},
  {"dcm_missing_tsyntax.dcm", {3, "without Rows/Columns"}, {3, "without Rows/Columns"}, {3, "Rows/Columns"}},
  {"dcm_gzipped.dcm.gz", {3, "not an image"}, {3, "not an image"}, {3, "not an image"}},
  // nibabel's test files
  {"nii_example4d.nii.gz", kOk, {4, "--frame 0..1"}, {4, "--frame 0..1"}},
  {"nii_nifti2.nii.gz", kOk, {4, "--frame 0..1"}, {4, "--frame 0..1"}},
  {"analyze.hdr", {5, "analyze.img"}, {5, "analyze.img"}, {5, "analyze.img"}},
  {"minc1.mnc", {3, "not an image"}, {3, "not an image"}, {3, "not an image"}},
  {"freesurfer.mgz", {3, "not an image"}, {3, "not an image"}, {3, "not an image"}},
  {"ecat.v", {3, "not an image"}, {3, "not an image"}, {3, "not an image"}},
  {"cifti_dconn.nii", kOk, {4, "100 volumes"}, {4, "100 volumes"}},
  {"nii_anatomical_small.nii", kOk, kOk, {3, "field of view is too small"}},
  // deliberate corruptions of Colin27 and generated volumes
  {"empty.nii", {3, "empty"}, {3, "empty"}, {3, "empty"}},
  {"text_named.nii.gz", {3, "not a NIfTI file"}, {3, "not a NIfTI file"}, {3, "not a NIfTI file"}},
  {"nii_truncated_data.nii", {3, "truncated"}, {3, "truncated"}, {3, "truncated"}},
  {"nii_gzip_truncated.nii.gz", kOk, {3, "truncated or corrupt"}, {3, "truncated or corrupt"}},
  {"nii_header_only.nii", {3, "truncated"}, {3, "truncated"}, {3, "truncated"}},
  {"nii_header_bitflips.nii", {3, "truncated"}, {3, "truncated"}, {3, "truncated"}},
  {"nii_gzip_bitflips.nii.gz", kOk, {3, "gzip data check failed"}, {3, "gzip data check failed"}},
  {"nii_claims_terabytes.nii", {3, "32.0 TiB"}, {3, "32.0 TiB"}, {3, "32.0 TiB"}},
  {"nii_wrong_dimensions.nii", {3, "truncated"}, {3, "truncated"}, {3, "truncated"}},
  {"nii_nan_block.nii.gz", kOk, kOk, {0, "NaN or infinite and were set to 0"}},
  {"nii_inf_voxels.nii.gz", kOk, kOk, {0, "NaN or infinite and were set to 0"}},
  {"nii_all_nan.nii.gz", kOk, kOk, {3, "uniform"}},
  {"nii_all_zero.nii.gz", kOk, kOk, {3, "uniform"}},
  {"nii_1x1x1.nii.gz", kOk, kOk, {4, "1 x 1 x 1 voxels"}},
  {"nii_single_slice.nii.gz", kOk, kOk, kNotAVolume},
  {"nii_4d_two_frames.nii.gz", kOk, {4, "--frame 0..1"}, {4, "--frame 0..1"}},
  {"nii_singular_affine.nii", {3, "voxel spacing"}, {3, "voxel spacing"}, {3, "voxel spacing"}},
  {"nii_zero_spacing.nii", {0, ""}, {0, "no orientation"}, {3, "does not look like a head"}},
  {"nii_noise_cube.nii.gz", kOk, kOk, {3, "does not look like a head"}},
  {"dicom_missing_slice", kOk, {0, "1 slice missing"}, {0, "1 slice missing"}},
  {"dicom_mixed_sizes", kOk, {0, "1 slice missing"}, {3, "field of view is too small"}},
  {"dicom_series_one_corrupt_file", kOk, {0, "1 slice missing"}, {3, "field of view is too small"}},
  {"dicom_symlink_loop", {0, "skipped while scanning"}, {0, "skipped while scanning"}, kNotAVolume},
  {"folder_without_images", {3, "no DICOM series"}, {3, "no DICOM series"}, {3, "no DICOM series"}},
  {"dcm_header_bitflips.dcm", {3, "truncated or corrupt"}, {3, "truncated or corrupt"}, {3, "truncated"}},
};

class CliBadInput : public CliTest {
protected:
  void SetUp() override {
    CliTest::SetUp();
    m_quiet = true;
  }

  /// Checks `run` against `expected`; returns the table cell ("ok", "exit 3: <reason>").
  std::string check(const CliRun& run, const Outcome& expected, const std::string& what) const {
    SCOPED_TRACE(what);
    EXPECT_EQ(run.exitCode, expected.exitCode) << "stderr:\n" << run.err;
    const auto lines = run.errLines();
    for (std::size_t i = 0; i + 1 < lines.size(); ++i)
      EXPECT_EQ(lines[i].rfind("strega-cli: warning: ", 0), 0u) << "a stray stderr line: " << lines[i];
    if (expected.exitCode == 0) {
      if (!lines.empty())
        EXPECT_EQ(lines.back().rfind("strega-cli: warning: ", 0), 0u) << "a stray stderr line: " << lines.back();
      EXPECT_NE(run.err.find(expected.fragment), std::string::npos) << "stderr:\n" << run.err;
      return "ok" + std::string(*expected.fragment ? " (warning)" : "");
    }
    if (lines.empty()) {
      ADD_FAILURE() << "no error message";
      return "exit " + std::to_string(run.exitCode) + ", no message";
    }
    const std::string& error = lines.back();
    EXPECT_EQ(error.rfind("strega-cli: error: ", 0), 0u) << error;
    EXPECT_NE(error.find(expected.fragment), std::string::npos) << error;
    std::string reason = error.substr(std::min<std::size_t>(error.size(), 19));
    // The corpus folder differs per run: keep the table stable.
    for (std::size_t at; (at = reason.find(m_corpus.string() + "/")) != std::string::npos;)
      reason.erase(at, m_corpus.string().size() + 1);
    for (std::size_t at; (at = reason.find('|')) != std::string::npos;)
      reason.replace(at, 1, "/");
    return "exit " + std::to_string(run.exitCode) + ": " + reason;
  }

  fs::path m_corpus;
};

TEST_F(CliBadInput, EveryInputHandledOrRefusedWithOneLineReason_NoMaskAfterFailure) {
  m_corpus = dir() / "corpus";
  const std::string make = "/usr/bin/python3 '" + std::string(STREGA_SOURCE_DIR) +
                           "/tests/cli/bad_inputs/make_bad_inputs.py' '" + m_corpus.string() + "' > '" +
                           (dir() / "names.txt").string() + "'";
  if (std::system("/usr/bin/python3 -c 'import nibabel, pydicom, numpy' 2>/dev/null") != 0)
    GTEST_SKIP() << "needs /usr/bin/python3 with nibabel, pydicom and numpy";
  ASSERT_EQ(std::system(make.c_str()), 0) << make;

  // The corpus and the table must list the same inputs.
  std::ifstream namesFile(dir() / "names.txt");
  std::vector<std::string> made;
  for (std::string line; std::getline(namesFile, line);)
    made.push_back(line);
  ASSERT_EQ(made.size(), std::size(kCorpus));
  ASSERT_GE(made.size(), 30u);

  std::string table = "| input | info | convert | run |\n| --- | --- | --- | --- |\n";
  for (std::size_t i = 0; i < made.size(); ++i) {
    const Entry& e = kCorpus[i];
    ASSERT_EQ(made[i], e.name);
    const std::string input = (m_corpus / e.name).string();
    const fs::path out = dir() / "out" / e.name;
    fs::create_directories(out);
    const std::string info = check(cli({"info", input}), e.info, std::string(e.name) + ": info");
    const std::string convert =
      check(cli({"convert", input, (out / "converted.nii.gz").string()}), e.convert, std::string(e.name) + ": convert");
    if (e.convert.exitCode == 0)
      EXPECT_TRUE(fs::exists(out / "converted.nii.gz")) << e.name;
    else
      EXPECT_FALSE(fs::exists(out / "converted.nii.gz")) << e.name;
    const fs::path runDir = out / "run";
    const std::string run = check(cli({"run", input, "-o", runDir.string()}), e.run, std::string(e.name) + ": run");
    EXPECT_EQ(fs::exists(runDir / "mask.nii.gz"), e.run.exitCode == 0) << e.name;
    if (e.run.exitCode != 0) {
      // Nothing but the (empty) output folder: no partial outputs, no temporary files.
      std::error_code ec;
      for (fs::recursive_directory_iterator it(runDir, ec), end; !ec && it != end; it.increment(ec))
        ADD_FAILURE() << e.name << ": left behind after a refused run: " << it->path();
    }
    table += "| " + std::string(e.name) + " | " + info + " | " + convert + " | " + run + " |\n";
  }
  std::cout << table;
  std::ofstream(fs::path(STREGA_BINARY_DIR) / "tests" / "cli" / "bad_input_outcomes.md")
    << "# Bad-input corpus: outcomes (strega-cli info, convert, run)\n\n"
    << table;
}

} // namespace
} // namespace strega::testing
