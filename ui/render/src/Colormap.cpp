#include "strega/render/Colormap.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>

namespace strega::render {

namespace {
struct Stop {
  double position;
  Rgb colour;
};

std::array<Rgb, 256> interpolate(std::initializer_list<Stop> stops) {
  std::array<Rgb, 256> table{};
  const std::vector<Stop> s(stops);
  for (int i = 0; i < 256; ++i) {
    const double t = i / 255.0;
    std::size_t k = 0;
    while (k + 2 < s.size() && t > s[k + 1].position)
      ++k;
    const double span = s[k + 1].position - s[k].position;
    const double f = span > 0 ? std::clamp((t - s[k].position) / span, 0.0, 1.0) : 0.0;
    auto mix = [f](std::uint8_t a, std::uint8_t b) {
      return static_cast<std::uint8_t>(std::lround(a + (static_cast<double>(b) - a) * f));
    };
    table[i] = {mix(s[k].colour.r, s[k + 1].colour.r), mix(s[k].colour.g, s[k + 1].colour.g),
                mix(s[k].colour.b, s[k + 1].colour.b)};
  }
  return table;
}
} // namespace

const char* toString(Colormap map) {
  switch (map) {
  case Colormap::Hot: return "hot";
  case Colormap::Jet: return "jet";
  case Colormap::Viridis: return "viridis";
  case Colormap::Grey: return "grey";
  }
  return "hot";
}

Colormap colormapFromString(const std::string& name) {
  for (Colormap map : allColormaps())
    if (name == toString(map)) return map;
  return Colormap::Hot;
}

std::vector<Colormap> allColormaps() { return {Colormap::Hot, Colormap::Jet, Colormap::Viridis, Colormap::Grey}; }

const std::array<Rgb, 256>& colormapTable(Colormap map) {
  static const std::array<Rgb, 256> hot =
    interpolate({{0.0, {128, 0, 0}}, {0.35, {255, 0, 0}}, {0.75, {255, 255, 0}}, {1.0, {255, 255, 255}}});
  static const std::array<Rgb, 256> jet = interpolate({{0.0, {0, 0, 143}},
                                                       {0.125, {0, 0, 255}},
                                                       {0.375, {0, 255, 255}},
                                                       {0.625, {255, 255, 0}},
                                                       {0.875, {255, 0, 0}},
                                                       {1.0, {128, 0, 0}}});
  static const std::array<Rgb, 256> viridis = interpolate(
    {{0.0, {68, 1, 84}}, {0.25, {59, 82, 139}}, {0.5, {33, 145, 140}}, {0.75, {94, 201, 98}}, {1.0, {253, 231, 37}}});
  static const std::array<Rgb, 256> grey = interpolate({{0.0, {0, 0, 0}}, {1.0, {255, 255, 255}}});
  switch (map) {
  case Colormap::Hot: return hot;
  case Colormap::Jet: return jet;
  case Colormap::Viridis: return viridis;
  case Colormap::Grey: return grey;
  }
  return hot;
}

std::vector<Rgb> tissuePalette() { return {{0, 0, 0}, {60, 120, 255}, {140, 140, 140}, {245, 245, 220}}; }

std::vector<Rgb> segmentationPalette() {
  return {{0, 0, 0}, {255, 60, 60}, {60, 220, 60}, {60, 120, 255}, {255, 230, 0}, {0, 220, 220}, {230, 0, 230}};
}

} // namespace strega::render
