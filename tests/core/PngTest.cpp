#include "strega/core/Png.h"
#include "strega/core/Error.h"
#include "strega/core/LinePlot.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace strega;

namespace {

std::uint32_t be32(const std::string& s, std::size_t at) {
  return (std::uint32_t(std::uint8_t(s[at])) << 24) | (std::uint32_t(std::uint8_t(s[at + 1])) << 16) |
         (std::uint32_t(std::uint8_t(s[at + 2])) << 8) | std::uint32_t(std::uint8_t(s[at + 3]));
}

/// Minimal PNG reader for what encodePng writes: checks chunk CRCs, inflates stored blocks, checks Adler-32,
/// removes the filter bytes. Returns the raw pixel bytes and sets width/height/colour type.
std::string decodeStoredPng(const std::string& png, int& width, int& height, int& colourType) {
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  std::size_t pos = 8;
  std::string idat;
  while (pos < png.size()) {
    const std::uint32_t length = be32(png, pos);
    const std::string type = png.substr(pos + 4, 4);
    const std::string data = png.substr(pos + 8, length);
    EXPECT_EQ(be32(png, pos + 8 + length), crc32(png.substr(pos + 4, 4 + length))) << type;
    if (type == "IHDR") {
      width = static_cast<int>(be32(data, 0));
      height = static_cast<int>(be32(data, 4));
      colourType = std::uint8_t(data[9]);
    }
    if (type == "IDAT") idat += data;
    pos += 12 + length;
  }
  EXPECT_EQ((std::uint8_t(idat[0]) << 8 | std::uint8_t(idat[1])) % 31, 0);
  std::string raw;
  std::size_t p = 2;
  for (;;) {
    const bool last = idat[p] & 1;
    EXPECT_EQ((std::uint8_t(idat[p]) >> 1) & 3, 0); // stored
    const unsigned len = std::uint8_t(idat[p + 1]) | (std::uint8_t(idat[p + 2]) << 8);
    const unsigned nlen = std::uint8_t(idat[p + 3]) | (std::uint8_t(idat[p + 4]) << 8);
    EXPECT_EQ(len ^ 0xFFFFu, nlen);
    raw += idat.substr(p + 5, len);
    p += 5 + len;
    if (last) break;
  }
  EXPECT_EQ(be32(idat, p), adler32(raw));
  const int channels = colourType == 2 ? 3 : 1;
  std::string pixels;
  const std::size_t row = static_cast<std::size_t>(width) * channels;
  for (int y = 0; y < height; ++y) {
    EXPECT_EQ(raw[y * (row + 1)], '\0');
    pixels += raw.substr(y * (row + 1) + 1, row);
  }
  return pixels;
}

} // namespace

TEST(Png, Checksums_KnownValues) {
  EXPECT_EQ(crc32("IEND"), 0xAE426082u);
  EXPECT_EQ(crc32("123456789"), 0xCBF43926u);
  EXPECT_EQ(adler32("Wikipedia"), 0x11E60398u);
  EXPECT_EQ(adler32(""), 1u);
}

TEST(Png, Encode_SmallImage_DecodesToTheSamePixels) {
  RgbImage img(3, 2, {10, 20, 30});
  img.set(2, 1, {255, 0, 128});
  img.set(5, 5, {1, 1, 1}); // outside: ignored
  int w = 0, h = 0, type = -1;
  const auto pixels = decodeStoredPng(encodePng(img), w, h, type);
  EXPECT_EQ(w, 3);
  EXPECT_EQ(h, 2);
  EXPECT_EQ(type, 2);
  EXPECT_EQ(pixels, std::string(img.pixels.begin(), img.pixels.end()));
}

TEST(Png, LargeImage_SpansSeveralStoredBlocks) {
  RgbImage img(300, 200);
  for (int y = 0; y < 200; ++y)
    for (int x = 0; x < 300; ++x)
      img.set(x, y, {std::uint8_t(x), std::uint8_t(y), std::uint8_t(x ^ y)});
  int w = 0, h = 0, type = -1;
  EXPECT_EQ(decodeStoredPng(encodePng(img), w, h, type), std::string(img.pixels.begin(), img.pixels.end()));
}

TEST(Png, Gray_Encodes) {
  std::vector<std::uint8_t> g{0, 64, 128, 255};
  int w = 0, h = 0, type = -1;
  EXPECT_EQ(decodeStoredPng(encodePngGray(2, 2, g), w, h, type), std::string(g.begin(), g.end()));
  EXPECT_EQ(type, 0);
  EXPECT_THROW(encodePngGray(3, 2, g), Error);
}

TEST(Png, PythonZlib_InflatesOurStream) {
  // An independent inflater (Python's zlib), where available.
  if (std::system("/usr/bin/python3 -c 'import zlib' >/dev/null 2>&1") != 0) GTEST_SKIP() << "no /usr/bin/python3";
  const auto dir = std::filesystem::temp_directory_path() / ("strega-png-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  RgbImage img(70000 / 3 + 5, 3, {1, 2, 3}); // rows > 65535 bytes in total
  writePng(dir / "a.png", img);
  const std::string cmd = "/usr/bin/python3 -c \"import zlib,struct,sys; d=open('" + (dir / "a.png").string() +
                          "','rb').read(); i=d.index(b'IDAT'); n=struct.unpack('>I',d[i-4:i])[0]; "
                          "raw=zlib.decompress(d[i+4:i+4+n]); sys.exit(0 if len(raw)==3*(1+3*" +
                          std::to_string(img.width) + ") and raw[1:4]==bytes([1,2,3]) else 1)\"";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  std::filesystem::remove_all(dir);
}

TEST(LinePlot, NiceTicks_OneTwoFive) {
  EXPECT_EQ(niceTicks(0, 10, 5), (std::vector<double>{0, 2, 4, 6, 8, 10}));
  const auto t = niceTicks(0.013, 0.072, 6);
  ASSERT_FALSE(t.empty());
  EXPECT_NEAR(t[0], 0.02, 1e-12);
  EXPECT_NEAR(t[1] - t[0], 0.01, 1e-12);
}

TEST(LinePlot, Render_DrawsCurveAxesAndText) {
  PlotSeries s{"loss", {0, 1, 2, 3}, {1.0, 0.5, 0.25, 0.125}, {200, 0, 0}, false};
  LinePlotOptions o;
  o.width = 400;
  o.height = 300;
  o.title = "Test";
  o.xLabel = "step";
  o.yLabel = "loss";
  o.logY = true;
  const auto img = renderLinePlot({s}, o);
  EXPECT_EQ(img.width, 400);
  EXPECT_EQ(img.height, 300);
  int red = 0, black = 0;
  for (int y = 0; y < img.height; ++y)
    for (int x = 0; x < img.width; ++x) {
      const auto c = img.get(x, y);
      if (c == RgbImage::Color{200, 0, 0}) ++red;
      if (c == RgbImage::Color{0, 0, 0}) ++black;
    }
  EXPECT_GT(red, 300);   // the curve (2 px wide) and the legend swatch
  EXPECT_GT(black, 500); // axes, ticks, numbers, title
  LinePlotOptions tooSmall;
  tooSmall.width = tooSmall.height = 50;
  EXPECT_THROW(renderLinePlot({s}, tooSmall), Error);
}

TEST(LinePlot, DrawText_GlyphPixels) {
  RgbImage img(20, 10, {255, 255, 255});
  drawText(img, 0, 0, "1", {0, 0, 0});
  // '1' row 0 is "  #  ", row 6 is " ### ".
  EXPECT_EQ(img.get(2, 0), (RgbImage::Color{0, 0, 0}));
  EXPECT_EQ(img.get(0, 0), (RgbImage::Color{255, 255, 255}));
  EXPECT_EQ(img.get(1, 6), (RgbImage::Color{0, 0, 0}));
  EXPECT_EQ(textWidth("abc", 2), 36);
}
