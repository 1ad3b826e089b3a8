#include "strega/core/SystemMemory.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <limits>
#include <unistd.h>

namespace strega {
namespace {

/// The first number in `file`; nullopt-like max() for "max", a missing file or anything unreadable.
std::uint64_t readNumber(const char* file) {
  std::ifstream in(file);
  std::uint64_t value = 0;
  if (in >> value) return value;
  return std::numeric_limits<std::uint64_t>::max();
}

/// What the cgroup of this process still allows, max() when it sets no limit.
std::uint64_t cgroupHeadroom() {
  constexpr auto none = std::numeric_limits<std::uint64_t>::max();
  // v2: the process's cgroup is mounted at /sys/fs/cgroup in a container (cgroup namespace).
  std::uint64_t limit = readNumber("/sys/fs/cgroup/memory.max");
  std::uint64_t used = readNumber("/sys/fs/cgroup/memory.current");
  if (limit == none) {
    limit = readNumber("/sys/fs/cgroup/memory/memory.limit_in_bytes");
    used = readNumber("/sys/fs/cgroup/memory/memory.usage_in_bytes");
    // v1 reports "no limit" as a page-rounded huge number.
    if (limit >= (std::uint64_t(1) << 60)) limit = none;
  }
  if (limit == none) return none;
  if (used == none) used = 0;
  return limit > used ? limit - used : 0;
}

} // namespace

std::uint64_t availableMemoryBytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key, unit;
  std::uint64_t kib = 0, available = 0;
  while (meminfo >> key >> kib >> unit)
    if (key == "MemAvailable:") {
      available = kib * 1024;
      break;
    }
  if (available == 0) return 0;
  return std::min(available, cgroupHeadroom());
}

std::uint64_t residentMemoryBytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t pages = 0, resident = 0;
  if (!(statm >> pages >> resident)) return 0;
  return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

std::string formatBytes(double bytes) {
  static const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int unit = 0;
  while (bytes >= 1024.0 && unit < 6) {
    bytes /= 1024.0;
    ++unit;
  }
  char text[64];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", bytes, units[unit]);
  return text;
}

} // namespace strega
