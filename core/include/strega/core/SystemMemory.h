#pragma once
/// \file
/// \brief Memory figures of this machine and process, for refusing work up front that would not fit.

#include <cstdint>
#include <string>

namespace strega {

/// Memory a new allocation can take now, in bytes: MemAvailable of /proc/meminfo, lowered to what the cgroup
/// (v2 memory.max - memory.current, or v1 limit_in_bytes - usage_in_bytes) still allows when a limit is set, as
/// on a cluster node or in a container. 0 when unknown (no procfs).
std::uint64_t availableMemoryBytes();

/// Resident memory of this process now, in bytes (/proc/self/statm); 0 when unknown.
std::uint64_t residentMemoryBytes();

/// "1.5 GiB", "6.0 TiB": sizes for user messages (binary units).
std::string formatBytes(double bytes);

} // namespace strega
