#include "strega/core/AtomicOutput.h"

#include "strega/core/Error.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <random>
#include <unistd.h>

namespace strega {
namespace {

std::string uniqueToken() {
  static std::atomic<unsigned> counter{0};
  std::random_device rd;
  return std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + std::to_string(rd() % 100000);
}

// "mask.nii.gz" -> (".mask", ".nii.gz"): extensions are everything from the first dot after the first char.
std::pair<std::string, std::string> splitExtensions(const std::string& name) {
  const auto dot = name.find('.', 1);
  if (dot == std::string::npos) return {name, ""};
  return {name.substr(0, dot), name.substr(dot)};
}

} // namespace

AtomicOutput::AtomicOutput(std::filesystem::path finalPath) : m_final(std::move(finalPath)) {
  const auto [stem, extensions] = splitExtensions(m_final.filename().string());
  m_temp = m_final.parent_path() / ("." + stem + ".tmp-" + uniqueToken() + extensions);
}

AtomicOutput::~AtomicOutput() {
  if (!m_committed) {
    std::error_code ec;
    std::filesystem::remove(m_temp, ec);
  }
}

void AtomicOutput::commit() {
  const int fd = ::open(m_temp.c_str(), O_RDONLY);
  if (fd < 0)
    throw Error(ErrorKind::Io, "could not write " + m_final.string(),
                "temporary file " + m_temp.string() + " missing: " + std::strerror(errno));
  const bool synced = ::fsync(fd) == 0;
  const int syncErrno = errno;
  ::close(fd);
  if (!synced)
    throw Error(ErrorKind::Io, "could not write " + m_final.string() + ": " + std::strerror(syncErrno));
  std::error_code ec;
  std::filesystem::rename(m_temp, m_final, ec);
  if (ec) throw Error(ErrorKind::Io, "could not write " + m_final.string() + ": " + ec.message());
  m_committed = true;
}

void writeFileAtomically(const std::filesystem::path& path, std::string_view bytes) {
  AtomicOutput out(path);
  {
    std::ofstream file(out.tempPath(), std::ios::binary | std::ios::trunc);
    if (!file) throw Error(ErrorKind::Io, "could not create " + path.string() + ": " + std::strerror(errno));
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    file.flush();
    if (!file) throw Error(ErrorKind::Io, "could not write " + path.string() + " (disk full?)");
  }
  out.commit();
}

} // namespace strega
