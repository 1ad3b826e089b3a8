#include "strega/core/Png.h"

#include "strega/core/AtomicOutput.h"
#include "strega/core/Error.h"

#include <algorithm>

namespace strega {
namespace {

const std::array<std::uint32_t, 256>& crcTable() {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t n = 0; n < 256; ++n) {
      std::uint32_t c = n;
      for (int k = 0; k < 8; ++k)
        c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  return table;
}

void appendBigEndian(std::string& out, std::uint32_t v) {
  out += static_cast<char>(v >> 24);
  out += static_cast<char>(v >> 16);
  out += static_cast<char>(v >> 8);
  out += static_cast<char>(v);
}

void appendChunk(std::string& out, const char* type, std::string_view data) {
  appendBigEndian(out, static_cast<std::uint32_t>(data.size()));
  std::string typed(type, 4);
  typed.append(data);
  out += typed;
  appendBigEndian(out, crc32(typed));
}

/// zlib stream (CMF/FLG, stored deflate blocks of at most 65535 bytes, Adler-32) of `raw`.
std::string zlibStored(std::string_view raw) {
  std::string out;
  out += static_cast<char>(0x78); // deflate, 32K window
  out += static_cast<char>(0x01); // no preset dictionary, fastest; (0x78 << 8 | 0x01) % 31 == 0
  std::size_t pos = 0;
  do {
    const std::size_t n = std::min<std::size_t>(65535, raw.size() - pos);
    const bool last = pos + n == raw.size();
    out += static_cast<char>(last ? 1 : 0); // BFINAL, BTYPE = 00 (stored)
    out += static_cast<char>(n & 0xFF);
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(~n & 0xFF);
    out += static_cast<char>((~n >> 8) & 0xFF);
    out.append(raw.substr(pos, n));
    pos += n;
  } while (pos < raw.size());
  appendBigEndian(out, adler32(raw));
  return out;
}

std::string encode(int width, int height, int channels, const std::uint8_t* data) {
  if (width <= 0 || height <= 0) throw Error(ErrorKind::InvalidArgument, "cannot write an empty PNG image");
  std::string out("\x89PNG\r\n\x1a\n", 8);
  std::string ihdr;
  appendBigEndian(ihdr, static_cast<std::uint32_t>(width));
  appendBigEndian(ihdr, static_cast<std::uint32_t>(height));
  ihdr += static_cast<char>(8);                     // bit depth
  ihdr += static_cast<char>(channels == 3 ? 2 : 0); // colour type: truecolor or greyscale
  ihdr += std::string(3, '\0');                     // compression, filter, interlace
  appendChunk(out, "IHDR", ihdr);
  std::string raw;
  const std::size_t rowBytes = static_cast<std::size_t>(width) * channels;
  raw.reserve((rowBytes + 1) * height);
  for (int y = 0; y < height; ++y) {
    raw += '\0'; // filter type None
    raw.append(reinterpret_cast<const char*>(data) + y * rowBytes, rowBytes);
  }
  appendChunk(out, "IDAT", zlibStored(raw));
  appendChunk(out, "IEND", {});
  return out;
}

} // namespace

RgbImage::RgbImage(int w, int h, Color fill) : width(w), height(h) {
  if (w < 0 || h < 0) throw Error(ErrorKind::InvalidArgument, "negative image size");
  pixels.resize(static_cast<std::size_t>(w) * h * 3);
  for (std::size_t i = 0; i < pixels.size(); i += 3) {
    pixels[i] = fill[0];
    pixels[i + 1] = fill[1];
    pixels[i + 2] = fill[2];
  }
}

std::uint32_t crc32(std::string_view bytes, std::uint32_t crc) {
  const auto& table = crcTable();
  crc = ~crc;
  for (unsigned char b : bytes)
    crc = table[(crc ^ b) & 0xFFu] ^ (crc >> 8);
  return ~crc;
}

std::uint32_t adler32(std::string_view bytes) {
  std::uint32_t a = 1, b = 0;
  for (unsigned char c : bytes) {
    a = (a + c) % 65521u;
    b = (b + a) % 65521u;
  }
  return (b << 16) | a;
}

std::string encodePng(const RgbImage& image) {
  if (image.pixels.size() != static_cast<std::size_t>(image.width) * image.height * 3)
    throw Error(ErrorKind::InvalidArgument, "RGB pixel buffer does not match the image size");
  return encode(image.width, image.height, 3, image.pixels.data());
}

std::string encodePngGray(int width, int height, const std::vector<std::uint8_t>& gray) {
  if (width < 0 || height < 0 || gray.size() != static_cast<std::size_t>(width) * height)
    throw Error(ErrorKind::InvalidArgument, "grey pixel buffer does not match the image size");
  return encode(width, height, 1, gray.data());
}

void writePng(const std::filesystem::path& path, const RgbImage& image) { writeFileAtomically(path, encodePng(image)); }

} // namespace strega
