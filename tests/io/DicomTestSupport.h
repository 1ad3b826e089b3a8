#pragma once
// Helpers shared by the DICOM tests: temporary folders, the Python interpreter that has pydicom, running commands.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace strega::test {

/// A fresh folder under the system temporary directory, removed with everything in it on destruction.
class TempDir {
public:
  explicit TempDir(const std::string& prefix = "strega-dicom") {
    static std::atomic<int> counter{0};
    const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    m_path =
      std::filesystem::temp_directory_path() / (prefix + "-" + std::to_string(stamp) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(m_path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::permissions(m_path, std::filesystem::perms::owner_all, std::filesystem::perm_options::add, ec);
    std::filesystem::remove_all(m_path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return m_path; }

private:
  std::filesystem::path m_path;
};

/// `text` quoted for /bin/sh.
inline std::string shellQuote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'')
      quoted += "'\\''";
    else
      quoted += c;
  }
  return quoted + "'";
}

/// Runs a shell command; returns its exit status and puts its standard output in `output`.
inline int runCommand(const std::string& command, std::string* output = nullptr) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  std::array<char, 4096> buffer{};
  std::size_t got = 0;
  while ((got = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
    if (output != nullptr) output->append(buffer.data(), got);
  }
  const int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/// A Python 3 interpreter that can import pydicom, nibabel and numpy (Debian's /usr/bin/python3 first, since a
/// python3 earlier on PATH may be another installation without them); empty when there is none.
inline const std::string& pythonWithPydicom() {
  static const std::string python = [] {
    for (const char* candidate : {"/usr/bin/python3", "python3"}) {
      const std::string command = std::string(candidate) + " -c 'import pydicom, nibabel, numpy' > /dev/null 2>&1";
      if (runCommand(command) == 0) return std::string(candidate);
    }
    return std::string();
  }();
  return python;
}

/// True when `program` is on PATH.
inline bool haveProgram(const std::string& program) {
  return runCommand("command -v " + shellQuote(program) + " > /dev/null 2>&1") == 0;
}

/// Folder of the Python helpers used by the tests.
inline std::filesystem::path toolsFolder() { return std::filesystem::path(STREGA_SOURCE_DIR) / "tests/io/tools"; }

/// Little-endian float32 values of a file.
inline std::vector<float> readFloats(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::vector<float> values;
  if (!in) return values;
  in.seekg(0, std::ios::end);
  const auto bytes = static_cast<std::size_t>(in.tellg());
  in.seekg(0);
  values.resize(bytes / sizeof(float));
  in.read(reinterpret_cast<char*>(values.data()), static_cast<std::streamsize>(values.size() * sizeof(float)));
  return values;
}

} // namespace strega::test
