// strega-cli info / convert end to end: the built binary is run as a user would, with real files.
#include "strega/core/Version.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const fs::path kColin27 = "/usr/share/mricron/templates/ch2.nii.gz";

struct CliRun {
  int exitCode = -1;
  std::string out, err;
  /// Lines of stderr (a trailing newline does not make an empty last line).
  std::vector<std::string> errLines() const {
    std::vector<std::string> lines;
    std::istringstream in(err);
    for (std::string line; std::getline(in, line);)
      lines.push_back(line);
    return lines;
  }
};

class CliTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::random_device rd;
    m_dir = fs::path(::testing::TempDir()) / ("strega-cli-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(m_dir);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(m_dir, ec);
  }
  fs::path dir() const { return m_dir; }

  /// Runs strega-cli with `args` (each single-quoted for the shell), stdout and stderr captured apart.
  CliRun cli(const std::vector<std::string>& args) const {
    std::string command = "'" + std::string(STREGA_CLI_EXE) + "'";
    for (const auto& a : args)
      command += " '" + a + "'";
    const fs::path out = m_dir / "stdout.txt", err = m_dir / "stderr.txt";
    command += " >'" + out.string() + "' 2>'" + err.string() + "' </dev/null";
    const int status = std::system(command.c_str());
    CliRun run;
    run.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.out = slurp(out);
    run.err = slurp(err);
    return run;
  }

  static std::string slurp(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), {});
  }

  /// A run that must fail with `exitCode` and exactly one line on stderr starting "strega-cli: error: ".
  void expectOneLineFailure(const std::vector<std::string>& args, int exitCode, const std::string& fragment) const {
    const CliRun run = cli(args);
    EXPECT_EQ(run.exitCode, exitCode) << "stderr: " << run.err;
    const auto lines = run.errLines();
    ASSERT_EQ(lines.size(), 1u) << "stderr:\n" << run.err;
    EXPECT_EQ(lines[0].rfind("strega-cli: error: ", 0), 0u) << lines[0];
    EXPECT_NE(lines[0].find(fragment), std::string::npos) << lines[0];
  }

  /// A tiny NIfTI-1 file with the given dims (uint8, voxels 0,1,2...).
  void writeNifti(const fs::path& file, std::vector<short> dims, std::size_t dataBytes) const {
    unsigned char h[352] = {};
    const int sizeofHdr = 348;
    std::memcpy(h, &sizeofHdr, 4);
    short dim[8] = {static_cast<short>(dims.size()), 1, 1, 1, 1, 1, 1, 1};
    for (std::size_t a = 0; a < dims.size(); ++a)
      dim[a + 1] = dims[a];
    std::memcpy(h + 40, dim, sizeof dim);
    const short datatype = 2, bitpix = 8;
    std::memcpy(h + 70, &datatype, 2);
    std::memcpy(h + 72, &bitpix, 2);
    const float pixdim[8] = {1, 1, 1, 1, 1, 1, 1, 1}, voxOffset = 352;
    std::memcpy(h + 76, pixdim, sizeof pixdim);
    std::memcpy(h + 108, &voxOffset, 4);
    std::memcpy(h + 344, "n+1", 4);
    std::ofstream out(file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(h), sizeof h);
    for (std::size_t n = 0; n < dataBytes; ++n)
      out.put(static_cast<char>(n));
  }

private:
  fs::path m_dir;
};

} // namespace

TEST_F(CliTest, Info_Colin27Json_SizeSpacingOriginDirection) {
  if (!fs::exists(kColin27)) GTEST_SKIP() << "mricron-data not installed";
  const CliRun run = cli({"info", kColin27.string(), "--json"});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_TRUE(run.err.empty()) << run.err;
  const auto json = nlohmann::json::parse(run.out);
  ASSERT_TRUE(json.is_array());
  ASSERT_EQ(json.size(), 1u);
  const auto& v = json[0];
  EXPECT_EQ(v["size"], nlohmann::json({181, 217, 181}));
  for (int a = 0; a < 3; ++a)
    EXPECT_NEAR(v["spacing"][a].get<double>(), 1.0, 1e-6);
  EXPECT_EQ(v["origin"], nlohmann::json({90.0, 125.0, -71.0}));
  // Row-major 3x3 in LPS: the file stores RAS axes, so i and j point to -x and -y.
  EXPECT_EQ(v["direction"], nlohmann::json({{-1.0, 0.0, 0.0}, {0.0, -1.0, 0.0}, {0.0, 0.0, 1.0}}));
  EXPECT_EQ(v["format"], "NIfTI");
  EXPECT_EQ(v["pixel_type"], "uint8");
  EXPECT_EQ(v["description"], "spm - algebra");
  EXPECT_EQ(v["modality"], "");
}

TEST_F(CliTest, Info_Colin27Text_HumanReadable) {
  if (!fs::exists(kColin27)) GTEST_SKIP() << "mricron-data not installed";
  const CliRun run = cli({"info", kColin27.string()});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_NE(run.out.find("181 x 217 x 181"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("RAS"), std::string::npos) << run.out;
}

TEST_F(CliTest, Convert_Colin27_InfoOfOutputMatchesInput) {
  if (!fs::exists(kColin27)) GTEST_SKIP() << "mricron-data not installed";
  const fs::path output = dir() / "out.nii.gz";
  const CliRun convert = cli({"convert", kColin27.string(), output.string()});
  ASSERT_EQ(convert.exitCode, 0) << convert.err;
  EXPECT_TRUE(convert.err.empty()) << convert.err;
  EXPECT_NE(convert.out.find("181x217x181"), std::string::npos) << convert.out;
  ASSERT_TRUE(fs::exists(output));
  const auto before = nlohmann::json::parse(cli({"info", kColin27.string(), "--json"}).out)[0];
  const auto after = nlohmann::json::parse(cli({"info", output.string(), "--json"}).out)[0];
  for (const char* key : {"size", "spacing", "origin", "direction", "pixel_type", "orientation"})
    EXPECT_EQ(after[key], before[key]) << key;
  // Only the output file is left: no temporary files beside it.
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir()))
    if (e.path().filename().string().find(".txt") == std::string::npos) names.push_back(e.path().filename().string());
  EXPECT_EQ(names, std::vector<std::string>{"out.nii.gz"});
}

TEST_F(CliTest, Convert_ToNrrdAndBack_SameGeometry) {
  if (!fs::exists(kColin27)) GTEST_SKIP() << "mricron-data not installed";
  ASSERT_EQ(cli({"convert", kColin27.string(), (dir() / "c.nrrd").string()}).exitCode, 0);
  ASSERT_EQ(cli({"convert", (dir() / "c.nrrd").string(), (dir() / "d.mha").string()}).exitCode, 0);
  const auto a = nlohmann::json::parse(cli({"info", kColin27.string(), "--json"}).out)[0];
  const auto b = nlohmann::json::parse(cli({"info", (dir() / "d.mha").string(), "--json"}).out)[0];
  for (const char* key : {"size", "spacing", "origin", "direction"})
    EXPECT_EQ(b[key], a[key]) << key;
  EXPECT_EQ(b["format"], "MetaImage");
}

TEST_F(CliTest, Info_FolderJson_OneObjectPerVolume) {
  writeNifti(dir() / "a.nii", {2, 2, 2}, 8);
  writeNifti(dir() / "b.nii", {3, 2, 2, 4}, 48);
  const CliRun run = cli({"info", dir().string(), "--json"});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  const auto json = nlohmann::json::parse(run.out);
  ASSERT_EQ(json.size(), 2u);
  EXPECT_EQ(json[0]["size"], nlohmann::json({2, 2, 2}));
  EXPECT_EQ(json[1]["size"], nlohmann::json({3, 2, 2}));
  EXPECT_EQ(json[1]["timepoints"], 4);
}

// ---- bad input: one line on stderr, the documented exit code ------------------------------------------------------

TEST_F(CliTest, Info_MissingPath_ExitIoOneLine) {
  expectOneLineFailure({"info", (dir() / "missing.nii.gz").string()}, 5, "no such file or folder");
}

TEST_F(CliTest, Info_EmptyFolder_ExitInvalidInputOneLine) {
  fs::create_directory(dir() / "empty");
  expectOneLineFailure({"info", (dir() / "empty").string()}, 3, "empty");
}

TEST_F(CliTest, Convert_TruncatedColin27_ExitInvalidInputOneLine) {
  if (!fs::exists(kColin27)) GTEST_SKIP() << "mricron-data not installed";
  const fs::path cut = dir() / "cut.nii.gz";
  fs::copy_file(kColin27, cut);
  fs::resize_file(cut, fs::file_size(cut) / 2);
  expectOneLineFailure({"convert", cut.string(), (dir() / "o.nii.gz").string()}, 3, "truncated");
  EXPECT_FALSE(fs::exists(dir() / "o.nii.gz"));
}

TEST_F(CliTest, Info_HeaderClaimsMoreData_ExitInvalidInputOneLine) {
  writeNifti(dir() / "short.nii", {10, 10, 10}, 100);
  expectOneLineFailure({"info", (dir() / "short.nii").string()}, 3, "truncated");
}

TEST_F(CliTest, Info_ZeroDimension_ExitInvalidInputOneLine) {
  writeNifti(dir() / "zero.nii", {4, 0, 4}, 16);
  expectOneLineFailure({"info", (dir() / "zero.nii").string()}, 3, "zero");
}

TEST_F(CliTest, Convert_4dWithoutFrame_ExitUnsupportedOneLine) {
  writeNifti(dir() / "4d.nii", {2, 2, 2, 3}, 24);
  expectOneLineFailure({"convert", (dir() / "4d.nii").string(), (dir() / "o.nii.gz").string()}, 4, "--frame");
  const CliRun run = cli({"convert", "--frame", "2", (dir() / "4d.nii").string(), (dir() / "o.nii.gz").string()});
  EXPECT_EQ(run.exitCode, 0) << run.err;
  EXPECT_TRUE(fs::exists(dir() / "o.nii.gz"));
}

TEST_F(CliTest, Info_NotAnImage_ExitInvalidInputOneLine) {
  std::ofstream(dir() / "notes.nii") << std::string(400, 'x');
  expectOneLineFailure({"info", (dir() / "notes.nii").string()}, 3, "not a NIfTI file");
}

TEST_F(CliTest, Info_SymlinkLoop_ExitIoOneLine) {
  fs::create_symlink(dir() / "loop", dir() / "loop");
  expectOneLineFailure({"info", (dir() / "loop").string()}, 5, "symbolic link loop");
}

TEST_F(CliTest, Convert_OutputFolderMissing_ExitIoOneLine) {
  if (!fs::exists(kColin27)) GTEST_SKIP() << "mricron-data not installed";
  expectOneLineFailure({"convert", kColin27.string(), (dir() / "nowhere" / "o.nii.gz").string()}, 5, "does not exist");
}

TEST_F(CliTest, Convert_UnwritableOutputFolder_ExitIoOneLine) {
  if (!fs::exists(kColin27)) GTEST_SKIP() << "mricron-data not installed";
  expectOneLineFailure({"convert", kColin27.string(), "/proc/strega-cli-test.nii.gz"}, 5, "cannot write");
}

TEST_F(CliTest, UnknownSubcommand_ExitUsage) {
  EXPECT_EQ(cli({"frobnicate"}).exitCode, 2);
  EXPECT_EQ(cli({"info"}).exitCode, 2); // PATH missing
}

// ---- help and version -----------------------------------------------------------------------------------------

TEST_F(CliTest, Help_MentionsExitCodes) {
  const CliRun run = cli({"--help"});
  EXPECT_EQ(run.exitCode, 0);
  EXPECT_NE(run.out.find("Exit codes"), std::string::npos) << run.out;
  for (const char* code : {"3 invalid input", "4 unsupported", "5 file system"})
    EXPECT_NE(run.out.find(code), std::string::npos) << code;
  EXPECT_NE(run.out.find("info"), std::string::npos);
  EXPECT_NE(run.out.find("convert"), std::string::npos);
}

TEST_F(CliTest, Version_PrintsVersion) {
  const CliRun run = cli({"--version"});
  EXPECT_EQ(run.exitCode, 0);
  EXPECT_NE(run.out.find(std::string("strega-cli ") + strega::versionString()), std::string::npos) << run.out;
}
