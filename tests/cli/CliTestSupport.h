#pragma once
/// \file
/// \brief CliTest: runs the built strega-cli binary as a user would (shell, exit code, stdout and stderr apart).

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace strega::testing {

namespace fs = std::filesystem;

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
public:
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

  /// Runs strega-cli with `args` (each single-quoted for the shell), stdout and stderr captured apart; with -q
  /// first when the fixture is quiet.
  CliRun cli(const std::vector<std::string>& args) const {
    std::string command = "'" + std::string(STREGA_CLI_EXE) + "'" + (m_quiet ? " -q" : "");
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

protected:
  bool m_quiet = false; ///< pass -q (no progress bar) on every run

private:
  fs::path m_dir;
};

} // namespace strega::testing
