#include "strega/core/LinePlot.h"

#include "strega/core/Error.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace strega {
namespace {

using Glyph = std::array<const char*, 7>;

/// 5x7 glyphs, '#' = ink. Lower-case letters are drawn with the capitals; unknown characters as '?'.
const std::map<char, Glyph>& font() {
  static const std::map<char, Glyph> glyphs = {
    {' ', {"     ", "     ", "     ", "     ", "     ", "     ", "     "}},
    {'0', {" ### ", "#   #", "#  ##", "# # #", "##  #", "#   #", " ### "}},
    {'1', {"  #  ", " ##  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "}},
    {'2', {" ### ", "#   #", "    #", "   # ", "  #  ", " #   ", "#####"}},
    {'3', {"#####", "   # ", "  #  ", "   # ", "    #", "#   #", " ### "}},
    {'4', {"   # ", "  ## ", " # # ", "#  # ", "#####", "   # ", "   # "}},
    {'5', {"#####", "#    ", "#### ", "    #", "    #", "#   #", " ### "}},
    {'6', {"  ## ", " #   ", "#    ", "#### ", "#   #", "#   #", " ### "}},
    {'7', {"#####", "    #", "   # ", "  #  ", " #   ", " #   ", " #   "}},
    {'8', {" ### ", "#   #", "#   #", " ### ", "#   #", "#   #", " ### "}},
    {'9', {" ### ", "#   #", "#   #", " ####", "    #", "   # ", " ##  "}},
    {'A', {" ### ", "#   #", "#   #", "#####", "#   #", "#   #", "#   #"}},
    {'B', {"#### ", "#   #", "#   #", "#### ", "#   #", "#   #", "#### "}},
    {'C', {" ### ", "#   #", "#    ", "#    ", "#    ", "#   #", " ### "}},
    {'D', {"#### ", "#   #", "#   #", "#   #", "#   #", "#   #", "#### "}},
    {'E', {"#####", "#    ", "#    ", "#### ", "#    ", "#    ", "#####"}},
    {'F', {"#####", "#    ", "#    ", "#### ", "#    ", "#    ", "#    "}},
    {'G', {" ### ", "#   #", "#    ", "# ###", "#   #", "#   #", " ####"}},
    {'H', {"#   #", "#   #", "#   #", "#####", "#   #", "#   #", "#   #"}},
    {'I', {" ### ", "  #  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "}},
    {'J', {"  ###", "   # ", "   # ", "   # ", "   # ", "#  # ", " ##  "}},
    {'K', {"#   #", "#  # ", "# #  ", "##   ", "# #  ", "#  # ", "#   #"}},
    {'L', {"#    ", "#    ", "#    ", "#    ", "#    ", "#    ", "#####"}},
    {'M', {"#   #", "## ##", "# # #", "# # #", "#   #", "#   #", "#   #"}},
    {'N', {"#   #", "#   #", "##  #", "# # #", "#  ##", "#   #", "#   #"}},
    {'O', {" ### ", "#   #", "#   #", "#   #", "#   #", "#   #", " ### "}},
    {'P', {"#### ", "#   #", "#   #", "#### ", "#    ", "#    ", "#    "}},
    {'Q', {" ### ", "#   #", "#   #", "#   #", "# # #", "#  # ", " ## #"}},
    {'R', {"#### ", "#   #", "#   #", "#### ", "# #  ", "#  # ", "#   #"}},
    {'S', {" ####", "#    ", "#    ", " ### ", "    #", "    #", "#### "}},
    {'T', {"#####", "  #  ", "  #  ", "  #  ", "  #  ", "  #  ", "  #  "}},
    {'U', {"#   #", "#   #", "#   #", "#   #", "#   #", "#   #", " ### "}},
    {'V', {"#   #", "#   #", "#   #", "#   #", "#   #", " # # ", "  #  "}},
    {'W', {"#   #", "#   #", "#   #", "# # #", "# # #", "# # #", " # # "}},
    {'X', {"#   #", "#   #", " # # ", "  #  ", " # # ", "#   #", "#   #"}},
    {'Y', {"#   #", "#   #", " # # ", "  #  ", "  #  ", "  #  ", "  #  "}},
    {'Z', {"#####", "    #", "   # ", "  #  ", " #   ", "#    ", "#####"}},
    {'.', {"     ", "     ", "     ", "     ", "     ", " ##  ", " ##  "}},
    {',', {"     ", "     ", "     ", "     ", " ##  ", "  #  ", " #   "}},
    {'-', {"     ", "     ", "     ", " ### ", "     ", "     ", "     "}},
    {'+', {"     ", "  #  ", "  #  ", "#####", "  #  ", "  #  ", "     "}},
    {':', {"     ", " ##  ", " ##  ", "     ", " ##  ", " ##  ", "     "}},
    {'/', {"     ", "    #", "   # ", "  #  ", " #   ", "#    ", "     "}},
    {'(', {"   # ", "  #  ", " #   ", " #   ", " #   ", "  #  ", "   # "}},
    {')', {" #   ", "  #  ", "   # ", "   # ", "   # ", "  #  ", " #   "}},
    {'[', {" ### ", " #   ", " #   ", " #   ", " #   ", " #   ", " ### "}},
    {']', {" ### ", "   # ", "   # ", "   # ", "   # ", "   # ", " ### "}},
    {'%', {"##   ", "##  #", "   # ", "  #  ", " #   ", "#  ##", "   ##"}},
    {'_', {"     ", "     ", "     ", "     ", "     ", "     ", "#####"}},
    {'=', {"     ", "     ", "#####", "     ", "#####", "     ", "     "}},
    {'\'', {"  #  ", "  #  ", "     ", "     ", "     ", "     ", "     "}},
    {'?', {" ### ", "#   #", "    #", "   # ", "  #  ", "     ", "  #  "}},
    {'!', {"  #  ", "  #  ", "  #  ", "  #  ", "  #  ", "     ", "  #  "}},
    {'*', {"     ", "  #  ", "# # #", " ### ", "# # #", "  #  ", "     "}},
    {'#', {" # # ", " # # ", "#####", " # # ", "#####", " # # ", " # # "}},
    {'|', {"  #  ", "  #  ", "  #  ", "  #  ", "  #  ", "  #  ", "  #  "}},
    {'<', {"   # ", "  #  ", " #   ", "#    ", " #   ", "  #  ", "   # "}},
    {'>', {" #   ", "  #  ", "   # ", "    #", "   # ", "  #  ", " #   "}},
  };
  return glyphs;
}

const Glyph& glyphFor(char c) {
  const auto& f = font();
  if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  auto it = f.find(c);
  return it != f.end() ? it->second : f.at('?');
}

/// Format a tick value with up to 4 significant digits, without trailing noise ("0.001", "2.5e-05", "1200").
std::string formatTick(double v, double step) {
  if (std::abs(v) < step * 1e-9) v = 0.0;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

} // namespace

int textWidth(std::string_view text, int scale) { return static_cast<int>(text.size()) * 6 * scale; }

void drawText(RgbImage& image, int x, int y, std::string_view text, RgbImage::Color color, int scale, bool vertical) {
  int pen = 0;
  for (char c : text) {
    const Glyph& g = glyphFor(c);
    for (int row = 0; row < 7; ++row)
      for (int col = 0; col < 5; ++col) {
        if (g[row][col] != '#') continue;
        for (int sy = 0; sy < scale; ++sy)
          for (int sx = 0; sx < scale; ++sx) {
            const int gx = pen + col * scale + sx; // along the text
            const int gy = row * scale + sy;       // across the text, top to bottom
            if (vertical)
              image.set(x + gy, y - gx, color);
            else
              image.set(x + gx, y + gy, color);
          }
      }
    pen += 6 * scale;
  }
}

void drawLine(RgbImage& image, int x0, int y0, int x1, int y1, RgbImage::Color color, int thickness) {
  const int dx = std::abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
  const int dy = -std::abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
  int err = dx + dy;
  const int lo = -(thickness - 1) / 2, hi = thickness / 2;
  for (int guard = 0; guard < 100000; ++guard) {
    for (int oy = lo; oy <= hi; ++oy)
      for (int ox = lo; ox <= hi; ++ox)
        image.set(x0 + ox, y0 + oy, color);
    if (x0 == x1 && y0 == y1) break;
    const int e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x0 += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y0 += sy;
    }
  }
}

std::vector<double> niceTicks(double lo, double hi, int target) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return {};
  if (hi < lo) std::swap(lo, hi);
  if (hi == lo) return {lo};
  const double rough = (hi - lo) / std::max(1, target);
  const double magnitude = std::pow(10.0, std::floor(std::log10(rough)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * magnitude >= rough) {
      step = m * magnitude;
      break;
    }
  std::vector<double> ticks;
  for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step)
    ticks.push_back(t);
  return ticks;
}

RgbImage renderLinePlot(const std::vector<PlotSeries>& series, const LinePlotOptions& o) {
  if (o.width < 120 || o.height < 80) throw Error(ErrorKind::InvalidArgument, "plot size below 120x80 pixels");
  RgbImage img(o.width, o.height);
  const RgbImage::Color black{0, 0, 0}, grid{225, 225, 225}, grey{90, 90, 90};

  // Data range.
  auto ty = [&](double y) { return o.logY ? std::log10(y) : y; };
  double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
  for (const auto& s : series)
    for (std::size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i]) || (o.logY && s.y[i] <= 0)) continue;
      xlo = std::min(xlo, s.x[i]);
      xhi = std::max(xhi, s.x[i]);
      ylo = std::min(ylo, ty(s.y[i]));
      yhi = std::max(yhi, ty(s.y[i]));
    }
  if (std::isfinite(o.yMin) && std::isfinite(o.yMax) && (!o.logY || (o.yMin > 0 && o.yMax > 0))) {
    ylo = ty(o.yMin);
    yhi = ty(o.yMax);
  }
  if (!std::isfinite(xlo)) xlo = 0, xhi = 1, ylo = 0, yhi = 1;
  if (xhi == xlo) xlo -= 0.5, xhi += 0.5;
  if (yhi == ylo)
    ylo -= o.logY ? 0.5 : std::max(0.5, std::abs(ylo) * 0.1), yhi += o.logY ? 0.5 : std::max(0.5, std::abs(yhi) * 0.1);
  if (!o.logY) {
    const double pad = (yhi - ylo) * 0.05;
    ylo -= pad;
    yhi += pad;
  }

  // Tick values and label sizes decide the margins.
  std::vector<double> yTicks;
  if (o.logY) {
    for (double e = std::floor(ylo); e <= std::ceil(yhi); e += 1.0)
      if (e >= ylo - 1e-9 && e <= yhi + 1e-9) yTicks.push_back(e);
    if (yTicks.size() < 2) { // less than a decade: nice values in linear space, placed on the log axis
      yTicks.clear();
      for (double v : niceTicks(std::pow(10.0, ylo), std::pow(10.0, yhi), 5))
        if (v > 0) yTicks.push_back(std::log10(v));
    }
  } else {
    yTicks = niceTicks(ylo, yhi, 6);
  }
  const std::vector<double> xTicks = niceTicks(xlo, xhi, 7);
  const double yStep = yTicks.size() > 1 ? yTicks[1] - yTicks[0] : 1.0;
  const double xStep = xTicks.size() > 1 ? xTicks[1] - xTicks[0] : 1.0;
  auto yText = [&](double t) {
    if (!o.logY) return formatTick(t, yStep);
    // Round away the log/exp noise: 10^log10(0.12) prints as 0.12.
    const double v = std::pow(10.0, t);
    const double digits = std::pow(10.0, std::floor(std::log10(v)) - 3);
    return formatTick(std::round(v / digits) * digits, v * 1e-6);
  };
  int yTextWidth = 0;
  for (double t : yTicks)
    yTextWidth = std::max(yTextWidth, textWidth(yText(t)));

  const int left = 14 + (o.yLabel.empty() ? 0 : 12) + yTextWidth;
  const int right = o.width - 16;
  const int top = o.title.empty() ? 12 : 30;
  const int bottom = o.height - (o.xLabel.empty() ? 22 : 36);
  if (right - left < 20 || bottom - top < 20) throw Error(ErrorKind::InvalidArgument, "plot too small for its labels");
  auto px = [&](double x) { return left + static_cast<int>(std::lround((x - xlo) / (xhi - xlo) * (right - left))); };
  auto py = [&](double y) { return bottom - static_cast<int>(std::lround((y - ylo) / (yhi - ylo) * (bottom - top))); };

  // Grid, ticks and numbers.
  for (double t : yTicks) {
    const int y = py(t);
    if (y < top || y > bottom) continue;
    drawLine(img, left, y, right, y, grid);
    drawLine(img, left - 4, y, left, y, black);
    const std::string s = yText(t);
    drawText(img, left - 6 - textWidth(s), y - 3, s, black);
  }
  for (double t : xTicks) {
    const int x = px(t);
    if (x < left || x > right) continue;
    drawLine(img, x, top, x, bottom, grid);
    drawLine(img, x, bottom, x, bottom + 4, black);
    const std::string s = formatTick(t, xStep);
    drawText(img, x - textWidth(s) / 2, bottom + 7, s, black);
  }
  drawLine(img, left, top, left, bottom, black);
  drawLine(img, left, bottom, right, bottom, black);

  // Curves.
  for (const auto& s : series) {
    bool havePrevious = false;
    int lastX = 0, lastY = 0;
    for (std::size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i]) || (o.logY && s.y[i] <= 0)) {
        havePrevious = false;
        continue;
      }
      const int x = std::clamp(px(s.x[i]), left, right);
      const int y = std::clamp(py(ty(s.y[i])), top, bottom);
      if (havePrevious) drawLine(img, lastX, lastY, x, y, s.color, 2);
      if (s.markers)
        for (int oy = -2; oy <= 2; ++oy)
          for (int ox = -2; ox <= 2; ++ox)
            img.set(x + ox, y + oy, s.color);
      havePrevious = true;
      lastX = x;
      lastY = y;
    }
  }

  // Texts and legend.
  if (!o.title.empty()) drawText(img, (o.width - textWidth(o.title, 2)) / 2, 8, o.title, black, 2);
  if (!o.xLabel.empty()) drawText(img, (left + right - textWidth(o.xLabel)) / 2, o.height - 14, o.xLabel, grey);
  if (!o.yLabel.empty()) drawText(img, 4, (top + bottom + textWidth(o.yLabel)) / 2, o.yLabel, grey, 1, true);
  int legendY = top + 6;
  for (const auto& s : series) {
    if (s.name.empty()) continue;
    const int w = textWidth(s.name);
    const int x = right - w - 30;
    for (int yy = legendY - 2; yy < legendY + 10; ++yy)
      for (int xx = x - 4; xx < right - 2; ++xx)
        img.set(xx, yy, {255, 255, 255});
    drawLine(img, x, legendY + 3, x + 18, legendY + 3, s.color, 3);
    drawText(img, x + 24, legendY, s.name, black);
    legendY += 14;
  }
  return img;
}

} // namespace strega
