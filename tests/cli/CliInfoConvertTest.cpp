// strega-cli info / convert end to end: the built binary is run as a user would, with real files.
#include "CliTestSupport.h"

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

using namespace strega::testing;

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

TEST_F(CliTest, Version_NamesTheCommitOfTheSourcesItWasBuiltFrom) {
  // The commit is read at build time: a binary built incrementally after a commit must not report the commit
  // CMake was configured at (report.json and model metadata cite it).
  const fs::path source = STREGA_SOURCE_DIR;
  if (!fs::exists(source / ".git") || std::system("git --version >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "not a git checkout";
  const fs::path describe = dir() / "describe.txt";
  const std::string command = "git -C '" + source.string() +
                              "' describe --always --dirty --abbrev=12 --exclude='*' >'" + describe.string() +
                              "' 2>/dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0);
  std::string commit = slurp(describe);
  while (!commit.empty() && (commit.back() == '\n' || commit.back() == '\r'))
    commit.pop_back();
  ASSERT_FALSE(commit.empty());
  const CliRun run = cli({"--version"});
  EXPECT_EQ(run.exitCode, 0);
  EXPECT_NE(run.out.find("(commit " + commit + ")"), std::string::npos) << run.out << " vs " << commit;
}
