#include "ZipChecksums.h"

#include "strega/core/Error.h"

#include <algorithm>
#include <fstream>
#include <vector>

namespace strega::model::detail {
namespace {

[[noreturn]] void corrupt(const std::filesystem::path& path, const std::string& detail) {
  throw Error(ErrorKind::Model, "the model file " + path.string() + " is truncated or corrupt", detail);
}

std::uint64_t littleEndian(const std::vector<char>& bytes, std::size_t at, int width) {
  std::uint64_t v = 0;
  for (int i = width - 1; i >= 0; --i)
    v = (v << 8) | static_cast<unsigned char>(bytes[at + static_cast<std::size_t>(i)]);
  return v;
}

std::vector<char> readAt(std::ifstream& in, std::uint64_t offset, std::uint64_t size) {
  std::vector<char> bytes(static_cast<std::size_t>(size));
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (static_cast<std::uint64_t>(in.gcount()) != size) bytes.clear();
  return bytes;
}

} // namespace

std::map<std::string, std::uint32_t> zipRecordChecksums(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::Io, "cannot open model file " + path.string());
  in.seekg(0, std::ios::end);
  const std::uint64_t fileSize = static_cast<std::uint64_t>(in.tellg());

  // End of central directory: 22 bytes plus a comment of up to 65535 bytes at the end of the file.
  const std::uint64_t tailSize = std::min<std::uint64_t>(fileSize, 22 + 65535);
  const auto tail = readAt(in, fileSize - tailSize, tailSize);
  if (tail.size() < 22) corrupt(path, "too short for a zip file");
  std::size_t eocd = tail.size() - 22;
  while (!(tail[eocd] == 'P' && tail[eocd + 1] == 'K' && tail[eocd + 2] == 5 && tail[eocd + 3] == 6)) {
    if (eocd == 0) corrupt(path, "no end-of-central-directory record");
    --eocd;
  }
  std::uint64_t entries = littleEndian(tail, eocd + 10, 2);
  std::uint64_t directorySize = littleEndian(tail, eocd + 12, 4);
  std::uint64_t directoryOffset = littleEndian(tail, eocd + 16, 4);
  if (entries == 0xFFFF || directorySize == 0xFFFFFFFF || directoryOffset == 0xFFFFFFFF) {
    // Zip64: the locator (20 bytes) precedes the end record and points to the zip64 end record (56 bytes).
    const std::uint64_t eocdInFile = fileSize - tailSize + eocd;
    if (eocdInFile < 20) corrupt(path, "zip64 locator missing");
    const auto locator = readAt(in, eocdInFile - 20, 20);
    if (locator.size() != 20 || littleEndian(locator, 0, 4) != 0x07064b50u) corrupt(path, "zip64 locator missing");
    const std::uint64_t recordOffset = littleEndian(locator, 8, 8);
    if (recordOffset > fileSize || fileSize - recordOffset < 56) corrupt(path, "zip64 end record outside the file");
    const auto record = readAt(in, recordOffset, 56);
    if (record.size() != 56 || littleEndian(record, 0, 4) != 0x06064b50u) corrupt(path, "zip64 end record missing");
    entries = littleEndian(record, 32, 8);
    directorySize = littleEndian(record, 40, 8);
    directoryOffset = littleEndian(record, 48, 8);
  }
  if (directoryOffset > fileSize || directorySize > fileSize - directoryOffset)
    corrupt(path, "the central directory lies outside the file");
  const auto directory = readAt(in, directoryOffset, directorySize);
  if (directory.size() != directorySize) corrupt(path, "cannot read the central directory");

  std::map<std::string, std::uint32_t> checksums;
  std::size_t at = 0;
  for (std::uint64_t i = 0; i < entries; ++i) {
    if (directory.size() - at < 46 || littleEndian(directory, at, 4) != 0x02014b50u)
      corrupt(path, "central directory entry " + std::to_string(i) + " is damaged");
    const auto crc = static_cast<std::uint32_t>(littleEndian(directory, at + 16, 4));
    const std::size_t nameLength = littleEndian(directory, at + 28, 2);
    const std::size_t extraLength = littleEndian(directory, at + 30, 2);
    const std::size_t commentLength = littleEndian(directory, at + 32, 2);
    if (directory.size() - at - 46 < nameLength + extraLength + commentLength)
      corrupt(path, "central directory entry " + std::to_string(i) + " runs past the directory");
    std::string name(directory.data() + at + 46, nameLength);
    const auto slash = name.find('/');
    checksums[slash == std::string::npos ? name : name.substr(slash + 1)] = crc;
    at += 46 + nameLength + extraLength + commentLength;
  }
  return checksums;
}

} // namespace strega::model::detail
