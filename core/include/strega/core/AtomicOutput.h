#pragma once
/// \file
/// \brief AtomicOutput: write a file under a temporary name in the target folder, then rename it into place.

#include <filesystem>
#include <string_view>

namespace strega {

/// \brief Guarantees that `finalPath` is either absent/unchanged or complete: writers write tempPath(), then
/// commit() renames it over finalPath (atomic on POSIX within one file system). If commit() is never reached
/// (exception, early return) the temporary file is removed.
///
/// The temporary name keeps the final name's extensions (".nii.gz") so that format-sniffing writers work.
class AtomicOutput {
public:
  explicit AtomicOutput(std::filesystem::path finalPath);
  ~AtomicOutput();
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;

  const std::filesystem::path& tempPath() const { return m_temp; }
  const std::filesystem::path& finalPath() const { return m_final; }
  /// fsync the temporary file, rename it to the final path. Throws Error(Io) when it cannot.
  void commit();

private:
  std::filesystem::path m_final;
  std::filesystem::path m_temp;
  bool m_committed = false;
};

/// Write `bytes` to `path` atomically.
void writeFileAtomically(const std::filesystem::path& path, std::string_view bytes);

} // namespace strega
