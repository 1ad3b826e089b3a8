#pragma once
// Internal to pipeline/model: the CRC-32 checks that LibTorch's zip reader skips.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

namespace strega::model::detail {

/// CRC-32 as zip and gzip compute it (polynomial 0xEDB88320, reflected, initial and final XOR 0xFFFFFFFF).
std::uint32_t crc32(const void* data, std::size_t size);

/// \brief The CRC-32 stored in a zip file's central directory for each record, keyed as PyTorchStreamReader names
/// records: the path below the archive's top folder ("data.pkl", "data/0", "code/__torch__.py").
/// LibTorch 1.13's zip reader (miniz built without CRC checks) hands out bit-flipped records as they are, so a
/// damaged weight would load silently; the model loader compares every record it reads with these values.
/// Throws Error(Model) when the end-of-directory record or an entry is missing or points outside the file.
std::map<std::string, std::uint32_t> zipRecordChecksums(const std::filesystem::path& path);

} // namespace strega::model::detail
