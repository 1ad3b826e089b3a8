#pragma once
/// \file
/// \brief Reading and writing the safetensors format (8-byte little-endian header length, JSON header, raw data)
/// without a JSON library.

#include "strega/model/NamedTensor.h"

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace strega::model {

/// \brief The parsed table of contents of a safetensors file plus its bytes.
///
/// Supported element types for conversion: F32, F16, BF16, F64 (little-endian, as the format prescribes).
/// Entries keep the file's order of offsets. Parsing validates that every entry lies inside the data area and
/// that its byte length matches its dtype and shape; anything else throws Error(Model) naming the problem.
class SafetensorsFile {
public:
  struct Entry {
    std::string name;
    std::string dtype; ///< "F32", "F16", "BF16", "F64", ... as written in the file
    std::vector<std::int64_t> shape;
    std::size_t begin = 0, end = 0; ///< byte offsets relative to the data area
  };

  /// Parse a whole file held in memory.
  static SafetensorsFile parse(std::string bytes);
  /// Read and parse a file; throws Error(Io) if unreadable, Error(Model) if malformed or truncated.
  static SafetensorsFile read(const std::filesystem::path& path);

  const std::vector<Entry>& entries() const { return m_entries; }
  /// The "__metadata__" string map (empty when absent).
  const std::map<std::string, std::string>& metadata() const { return m_metadata; }
  /// The entry's values converted to float32; throws Error(Model) for an unsupported dtype.
  NamedTensor tensor(const Entry& entry) const;
  /// All entries as float32 tensors.
  std::vector<NamedTensor> tensors() const;

private:
  std::string m_bytes;
  std::size_t m_dataStart = 0;
  std::vector<Entry> m_entries;
  std::map<std::string, std::string> m_metadata;
};

/// Serialise tensors as safetensors (F32) with an optional string metadata map.
std::string encodeSafetensors(const std::vector<NamedTensor>& tensors,
                              const std::map<std::string, std::string>& metadata = {});
/// Write encodeSafetensors() to `path` atomically.
void writeSafetensors(const std::filesystem::path& path, const std::vector<NamedTensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

} // namespace strega::model
