#pragma once
/// \file
/// \brief RgbaImage: a rendered picture in memory (one 32-bit ARGB word per pixel), and the Rgb colour type.

#include <cstdint>
#include <vector>

namespace strega::render {

/// \brief An 8-bit-per-channel colour.
struct Rgb {
  std::uint8_t r = 0;
  std::uint8_t g = 0;
  std::uint8_t b = 0;
  friend bool operator==(const Rgb&, const Rgb&) = default;
};

/// 0xAARRGGBB.
constexpr std::uint32_t packArgb(std::uint8_t r, std::uint8_t g, std::uint8_t b, std::uint8_t a = 255) {
  return (std::uint32_t{a} << 24) | (std::uint32_t{r} << 16) | (std::uint32_t{g} << 8) | std::uint32_t{b};
}
constexpr Rgb unpackRgb(std::uint32_t argb) {
  return {static_cast<std::uint8_t>(argb >> 16), static_cast<std::uint8_t>(argb >> 8), static_cast<std::uint8_t>(argb)};
}

/// \brief A picture of width x height pixels, rows top to bottom, each pixel a native 32-bit word 0xAARRGGBB
/// (the memory layout of QImage::Format_ARGB32 / Format_RGB32, so a GUI can wrap it without copying).
struct RgbaImage {
  int width = 0;
  int height = 0;
  std::vector<std::uint32_t> pixels;

  void resize(int w, int h) {
    width = w;
    height = h;
    pixels.assign(static_cast<std::size_t>(w) * static_cast<std::size_t>(h), packArgb(0, 0, 0));
  }
  std::uint32_t at(int x, int y) const { return pixels[static_cast<std::size_t>(y) * width + x]; }
  bool empty() const { return pixels.empty(); }
};

} // namespace strega::render
