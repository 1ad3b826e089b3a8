#pragma once
// Shared by the libFuzzer targets: a scratch folder in /dev/shm (one per process, emptied per input), and the
// rule for what a loader may do with bad input. A strega::Error is the expected answer to a broken file; any
// other exception escapes LLVMFuzzerTestOneInput, aborts, and libFuzzer keeps the input as a crash.

#include "strega/core/Error.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <unistd.h>

namespace strega::fuzz {

/// \brief A folder of its own for this process under /dev/shm (RAM, so that a write per execution is cheap).
class ScratchDir {
public:
  ScratchDir() {
    const char* base = std::getenv("STREGA_FUZZ_TMP");
    m_path = std::filesystem::path(base && *base ? base : "/dev/shm") / ("strega-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(m_path);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  /// An empty subfolder `name` (removed and made again).
  std::filesystem::path freshFolder(const std::string& name) const {
    const auto folder = m_path / name;
    std::error_code ec;
    std::filesystem::remove_all(folder, ec);
    std::filesystem::create_directories(folder);
    return folder;
  }
  const std::filesystem::path& path() const { return m_path; }

private:
  std::filesystem::path m_path;
};

/// Write `size` bytes to `file` (replacing it).
inline void writeFile(const std::filesystem::path& file, const std::uint8_t* data, std::size_t size) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
}

/// Runs `body`; a strega::Error is the expected outcome for bad input, anything else escapes.
template <class Body> void expectLoadsOrError(Body&& body) {
  try {
    body();
  } catch (const strega::Error&) {
  }
}

} // namespace strega::fuzz
