#pragma once
// Shared fixture of the strega-cli end-to-end tests that run the built binary (phantom, eval): a temporary
// folder per test, runs with stdout and stderr captured apart, one-line failure checks.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace strega::clitest {

namespace fs = std::filesystem;

struct CliResult {
  int exitCode = -1;
  std::string out, err;
  std::vector<std::string> errLines() const {
    std::vector<std::string> lines;
    std::istringstream in(err);
    for (std::string line; std::getline(in, line);)
      lines.push_back(line);
    return lines;
  }
};

inline std::string slurp(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

class CliFixture : public ::testing::Test {
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

  /// Runs strega-cli with `args` (each single-quoted for the shell).
  CliResult cli(const std::vector<std::string>& args) const {
    std::string command = "'" + std::string(STREGA_CLI_EXE) + "' -q";
    for (const auto& a : args)
      command += " '" + a + "'";
    const fs::path out = m_dir / "stdout.txt", err = m_dir / "stderr.txt";
    command += " >'" + out.string() + "' 2>'" + err.string() + "' </dev/null";
    const int status = std::system(command.c_str());
    CliResult run;
    run.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.out = slurp(out);
    run.err = slurp(err);
    return run;
  }

  /// A run that must fail with `exitCode` and exactly one stderr line "strega-cli: error: ..." holding `fragment`.
  void expectOneLineFailure(const std::vector<std::string>& args, int exitCode, const std::string& fragment) const {
    const CliResult run = cli(args);
    EXPECT_EQ(run.exitCode, exitCode) << "stderr: " << run.err;
    const auto lines = run.errLines();
    ASSERT_EQ(lines.size(), 1u) << "stderr:\n" << run.err;
    EXPECT_EQ(lines[0].rfind("strega-cli: error: ", 0), 0u) << lines[0];
    EXPECT_NE(lines[0].find(fragment), std::string::npos) << lines[0];
  }

private:
  fs::path m_dir;
};

} // namespace strega::clitest
