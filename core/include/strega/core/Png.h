#pragma once
/// \file
/// \brief RgbImage and a dependency-free PNG encoder (stored deflate blocks, CRC-32, Adler-32; no zlib).

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace strega {

/// \brief An 8-bit RGB raster: row-major, top row first, 3 bytes per pixel. Pixel coordinates, no geometry.
struct RgbImage {
  using Color = std::array<std::uint8_t, 3>;

  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> pixels; ///< width * height * 3

  RgbImage() = default;
  RgbImage(int w, int h, Color fill = {255, 255, 255});
  /// Set one pixel; coordinates outside the image are ignored (drawing code may clip freely).
  void set(int x, int y, Color c) {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    auto* p = &pixels[(static_cast<std::size_t>(y) * width + x) * 3];
    p[0] = c[0];
    p[1] = c[1];
    p[2] = c[2];
  }
  Color get(int x, int y) const {
    const auto* p = &pixels[(static_cast<std::size_t>(y) * width + x) * 3];
    return {p[0], p[1], p[2]};
  }
};

/// CRC-32 (ISO-HDLC, as PNG uses) of `bytes`, continuing from `crc` (0 to start).
std::uint32_t crc32(std::string_view bytes, std::uint32_t crc = 0);
/// Adler-32 (as zlib streams use) of `bytes`.
std::uint32_t adler32(std::string_view bytes);

/// A PNG file (8-bit truecolor, no interlace) holding `image`. The image data is a zlib stream of stored
/// (uncompressed) deflate blocks: larger than a compressed PNG but valid for every reader.
/// Throws Error(InvalidArgument) for an empty image or a pixel buffer of the wrong size.
std::string encodePng(const RgbImage& image);
/// A PNG file (8-bit greyscale) from width*height bytes, top row first.
std::string encodePngGray(int width, int height, const std::vector<std::uint8_t>& gray);
/// encodePng() written to `path` atomically (temporary file + rename).
void writePng(const std::filesystem::path& path, const RgbImage& image);

} // namespace strega
