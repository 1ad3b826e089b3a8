#pragma once
// Internal to pipeline/model: the CRC-32 checks that LibTorch's zip reader skips (the CRC itself: strega::crc32).

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

namespace strega::model::detail {

/// \brief The CRC-32 stored in a zip file's central directory for each record, keyed as PyTorchStreamReader names
/// records: the path below the archive's top folder ("data.pkl", "data/0", "code/__torch__.py").
/// LibTorch 1.13's zip reader (miniz built without CRC checks) hands out bit-flipped records as they are, so a
/// damaged weight would load silently; the model loader compares every record it reads with these values.
/// Throws Error(Model) when the end-of-directory record or an entry is missing or points outside the file.
std::map<std::string, std::uint32_t> zipRecordChecksums(const std::filesystem::path& path);

} // namespace strega::model::detail
