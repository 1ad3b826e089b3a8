#include "PngDeflate.h"

#include "strega/core/Error.h"

#include <zlib.h>

#include <cstdint>
#include <vector>

namespace strega::report::detail {

namespace {

void appendBigEndian(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out += static_cast<char>(value >> shift & 0xFF);
}

void appendChunk(std::string& out, const char* type, const std::string& data) {
  appendBigEndian(out, static_cast<std::uint32_t>(data.size()));
  const std::string typed = std::string(type, 4) + data;
  out += typed;
  appendBigEndian(out, strega::crc32(typed));
}

} // namespace

std::string encodeCompressedPng(const RgbImage& image) {
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() != static_cast<std::size_t>(image.width) * image.height * 3)
    throw Error(ErrorKind::InvalidArgument, "cannot encode an empty picture", "bad RgbImage size");
  const std::size_t rowBytes = static_cast<std::size_t>(image.width) * 3;
  std::string raw;
  raw.reserve((rowBytes + 1) * image.height);
  for (int y = 0; y < image.height; ++y) {
    raw += '\0'; // filter type None
    raw.append(reinterpret_cast<const char*>(image.pixels.data()) + y * rowBytes, rowBytes);
  }
  uLongf packedSize = ::compressBound(static_cast<uLong>(raw.size()));
  std::vector<Bytef> packed(packedSize);
  if (::compress2(packed.data(), &packedSize, reinterpret_cast<const Bytef*>(raw.data()),
                  static_cast<uLong>(raw.size()), 6) != Z_OK)
    throw Error(ErrorKind::Internal, "could not compress a report picture", "zlib compress2 failed");

  std::string out("\x89PNG\r\n\x1a\n", 8);
  std::string ihdr;
  appendBigEndian(ihdr, static_cast<std::uint32_t>(image.width));
  appendBigEndian(ihdr, static_cast<std::uint32_t>(image.height));
  ihdr += static_cast<char>(8); // bit depth
  ihdr += static_cast<char>(2); // colour type: truecolor
  ihdr += std::string(3, '\0'); // compression, filter, interlace
  appendChunk(out, "IHDR", ihdr);
  appendChunk(out, "IDAT", std::string(reinterpret_cast<const char*>(packed.data()), packedSize));
  appendChunk(out, "IEND", {});
  return out;
}

} // namespace strega::report::detail
