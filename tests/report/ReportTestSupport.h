#pragma once
// Helpers for report_test: synthetic cases with a known spherical lesion, reading reports back, and decoding the
// embedded PNG pictures (zlib inflate; the PNGs come from core's encoder, 8-bit RGB, filter type None).

#include "strega/core/Volume.h"
#include "strega/postprocess/Finding.h"
#include "strega/report/HtmlReport.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace strega::testing {

namespace fs = std::filesystem;

inline const fs::path kColin27 = "/usr/share/mricron/templates/ch2.nii.gz";

/// Reports kept after the run for a look in a browser: <build>/test-artifacts/report/<name>/.
inline fs::path artifactDir(const std::string& name) {
  const fs::path dir = fs::path(STREGA_BINARY_DIR) / "test-artifacts" / "report" / name;
  fs::create_directories(dir);
  return dir;
}

/// A fresh folder under the test temp dir, removed at destruction.
class ScratchDir {
public:
  ScratchDir() {
    std::random_device rd;
    m_path = fs::path(::testing::TempDir()) / ("strega-report-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(m_path);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(m_path, ec);
  }
  const fs::path& path() const { return m_path; }
  fs::path operator/(const std::string& name) const { return m_path / name; }

private:
  fs::path m_path;
};

inline std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A synthetic case in world space: a head (ball, intensity 100 + 2 z) with a bright lesion (ball, intensity 200) whose
/// mask is the anomaly mask. Content is defined by world position (LPS, mm), so grids with other directions that
/// cover the same voxel centres hold the same picture.
struct SyntheticCase {
  ImageF image;
  Mask mask;
  Mask brain;
  std::vector<postprocess::Finding> findings;
  Vec3 lesionCentreMm{};
  double lesionRadiusMm = 0.0;
};

/// The synthetic case sampled on any grid: head centred at the world origin with radius 20 mm, lesion of
/// `lesionRadiusMm` at `lesionCentreMm` (LPS, mm).
inline SyntheticCase makeCaseOnGrid(const ImageGeometry& g, const Vec3& lesionCentreMm, double lesionRadiusMm);

/// 48 x 48 x 40 voxels of 1 mm spanning x, y in [-24, 23], z in [-20, 19] (LPS, mm). `direction` must be a signed
/// permutation (e.g. diag(-1,-1,1) for RAS storage); the origin is chosen so that the voxel centres stay the same.
inline SyntheticCase makeCase(const Vec3& lesionCentreMm, double lesionRadiusMm,
                              const Mat3& direction = identityMatrix()) {
  ImageGeometry g;
  g.size = {48, 48, 40};
  g.spacingMm = {1.0, 1.0, 1.0};
  g.direction = direction;
  const Vec3 low{-24.0, -24.0, -20.0};
  const Vec3 high{23.0, 23.0, 19.0};
  for (int w = 0; w < 3; ++w) {
    double sum = 0.0; // the world axis w is reached by the voxel axis with a non-zero entry in row w
    for (int a = 0; a < 3; ++a)
      sum += direction[w * 3 + a];
    g.originMm[w] = sum > 0 ? low[w] : high[w];
  }
  return makeCaseOnGrid(g, lesionCentreMm, lesionRadiusMm);
}

inline SyntheticCase makeCaseOnGrid(const ImageGeometry& g, const Vec3& lesionCentreMm, double lesionRadiusMm) {
  SyntheticCase c;
  c.image = ImageF(g, 0.0f);
  c.mask = Mask(g, 0);
  c.brain = Mask(g, 0);
  c.lesionCentreMm = lesionCentreMm;
  c.lesionRadiusMm = lesionRadiusMm;
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        const Vec3 p = g.indexToPhysical({double(i), double(j), double(k)});
        if (norm(p) <= 20.0) {
          c.image.at(i, j, k) = static_cast<float>(100.0 + 2.0 * p[2]); // 60..140: a spread for the window
          c.brain.at(i, j, k) = 1;
        }
        if (norm(subtract(p, lesionCentreMm)) <= lesionRadiusMm) {
          c.image.at(i, j, k) = 200.0f;
          c.mask.at(i, j, k) = 1;
        }
      }
  ImageF score(g, 0.0f);
  for (std::size_t v = 0; v < score.voxelCount(); ++v)
    score[v] = c.mask[v] ? 0.8f : 0.1f;
  c.findings = postprocess::findComponents(c.mask, score);
  return c;
}

inline report::ReportContent contentOf(const SyntheticCase& c) {
  report::ReportContent content;
  content.caseName = "synthetic";
  content.inputDescription = "synthetic head, 48 x 48 x 40 voxels of 1 mm";
  content.image = &c.image;
  content.anomalyMask = &c.mask;
  content.brainMask = &c.brain;
  content.findings = c.findings;
  content.threshold = 0.42;
  content.thresholdMethod = "Otsu";
  content.versions = {{"model", "test-model 1"}};
  content.stageTimings = {{"preprocess", 1.5}, {"inference", 2.25}};
  content.warnings = {"test warning <with> markup & more"};
  content.configText = "{\"threshold\": \"otsu\"}";
  return content;
}

/// A decoded 8-bit RGB PNG.
struct DecodedPng {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgb; // width * height * 3, top row first
  std::array<int, 3> at(int x, int y) const {
    const std::size_t o = (static_cast<std::size_t>(y) * width + x) * 3;
    return {rgb[o], rgb[o + 1], rgb[o + 2]};
  }
};

inline std::string base64Decode(const std::string& text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    const int v = value(c);
    if (v < 0) break; // padding
    buffer = buffer << 6 | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>(buffer >> bits & 0xFF);
    }
  }
  return out;
}

inline std::uint32_t bigEndian32(const std::string& bytes, std::size_t at) {
  return std::uint32_t{static_cast<std::uint8_t>(bytes[at])} << 24 |
         std::uint32_t{static_cast<std::uint8_t>(bytes[at + 1])} << 16 |
         std::uint32_t{static_cast<std::uint8_t>(bytes[at + 2])} << 8 |
         std::uint32_t{static_cast<std::uint8_t>(bytes[at + 3])};
}

/// Decodes a PNG file's bytes; fails the current test (and returns an empty picture) when they are not a valid
/// 8-bit RGB, non-interlaced PNG with unfiltered rows.
inline DecodedPng decodePng(const std::string& png) {
  DecodedPng out;
  static const std::string kSignature("\x89PNG\r\n\x1a\n", 8);
  EXPECT_EQ(png.substr(0, 8), kSignature) << "not a PNG signature";
  if (png.size() < 33 || png.substr(0, 8) != kSignature) return out;
  std::string idat;
  std::size_t at = 8;
  int width = 0, height = 0;
  while (at + 12 <= png.size()) {
    const std::uint32_t length = bigEndian32(png, at);
    const std::string type = png.substr(at + 4, 4);
    if (at + 12 + length > png.size()) break;
    const std::string data = png.substr(at + 8, length);
    const std::uint32_t crc = bigEndian32(png, at + 8 + length);
    EXPECT_EQ(crc, static_cast<std::uint32_t>(::crc32(::crc32(0, reinterpret_cast<const Bytef*>(type.data()), 4),
                                                      reinterpret_cast<const Bytef*>(data.data()), length)))
      << "bad CRC in chunk " << type;
    if (type == "IHDR") {
      width = static_cast<int>(bigEndian32(data, 0));
      height = static_cast<int>(bigEndian32(data, 4));
      EXPECT_EQ(data[8], 8);  // bit depth
      EXPECT_EQ(data[9], 2);  // RGB
      EXPECT_EQ(data[12], 0); // no interlace
    } else if (type == "IDAT") {
      idat += data;
    } else if (type == "IEND") {
      break;
    }
    at += 12 + length;
  }
  EXPECT_GT(width, 0);
  EXPECT_GT(height, 0);
  if (width <= 0 || height <= 0) return out;
  const std::size_t stride = static_cast<std::size_t>(width) * 3 + 1;
  std::vector<std::uint8_t> raw(stride * height);
  uLongf rawSize = static_cast<uLongf>(raw.size());
  const int status =
    ::uncompress(raw.data(), &rawSize, reinterpret_cast<const Bytef*>(idat.data()), static_cast<uLong>(idat.size()));
  EXPECT_EQ(status, Z_OK) << "image data does not inflate";
  EXPECT_EQ(rawSize, raw.size()) << "image data has the wrong size";
  if (status != Z_OK || rawSize != raw.size()) return out;
  out.width = width;
  out.height = height;
  out.rgb.reserve(static_cast<std::size_t>(width) * height * 3);
  for (int y = 0; y < height; ++y) {
    EXPECT_EQ(raw[y * stride], 0) << "row filter other than None";
    out.rgb.insert(out.rgb.end(), raw.begin() + y * stride + 1, raw.begin() + (y + 1) * stride);
  }
  return out;
}

/// One <img> of the report: its alt text, declared size and decoded picture.
struct EmbeddedPng {
  std::string alt;
  int declaredWidth = 0;
  int declaredHeight = 0;
  DecodedPng png;
};

/// The value of attribute `name` inside one tag's text, or "".
inline std::string attribute(const std::string& tag, const std::string& name) {
  const std::string key = " " + name + "=\"";
  const auto from = tag.find(key);
  if (from == std::string::npos) return {};
  const auto begin = from + key.size();
  return tag.substr(begin, tag.find('"', begin) - begin);
}

/// Every <img> of the page, in order (plain string search: std::regex recurses per character and would overflow
/// the stack on base64 payloads of hundreds of kilobytes).
inline std::vector<EmbeddedPng> embeddedPngs(const std::string& html) {
  std::vector<EmbeddedPng> found;
  for (auto at = html.find("<img "); at != std::string::npos; at = html.find("<img ", at + 1)) {
    const std::string tag = html.substr(at, html.find('>', at) - at);
    EmbeddedPng e;
    e.declaredWidth = std::atoi(attribute(tag, "width").c_str());
    e.declaredHeight = std::atoi(attribute(tag, "height").c_str());
    e.alt = attribute(tag, "alt");
    const std::string src = attribute(tag, "src");
    static const std::string kPrefix = "data:image/png;base64,";
    EXPECT_EQ(src.rfind(kPrefix, 0), 0u) << "image not embedded as a PNG data URI: " << src.substr(0, 40);
    if (src.rfind(kPrefix, 0) == 0) e.png = decodePng(base64Decode(src.substr(kPrefix.size())));
    found.push_back(std::move(e));
  }
  return found;
}

/// Number of times `needle` occurs in `text`.
inline int countOf(const std::string& text, const std::string& needle) {
  int n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size()))
    ++n;
  return n;
}

inline bool isGrey(const std::array<int, 3>& c) { return std::abs(c[0] - c[1]) <= 2 && std::abs(c[1] - c[2]) <= 2; }
inline bool isRed(const std::array<int, 3>& c) { return c[0] > c[1] + 60 && c[0] > c[2] + 60; }

} // namespace strega::testing
