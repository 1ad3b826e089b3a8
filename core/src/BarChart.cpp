#include "strega/core/BarChart.h"

#include "strega/core/Error.h"
#include "strega/core/LinePlot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace strega {
namespace {

std::string tickText(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", std::abs(v) < 1e-12 ? 0.0 : v);
  return text;
}

void fillRect(RgbImage& img, int x0, int y0, int x1, int y1, RgbImage::Color c) {
  for (int y = std::min(y0, y1); y <= std::max(y0, y1); ++y)
    for (int x = std::min(x0, x1); x <= std::max(x0, x1); ++x)
      img.set(x, y, c);
}

} // namespace

RgbImage renderBarChart(const std::vector<BarSeries>& series, const BarChartOptions& o) {
  if (o.width < 160 || o.height < 120) throw Error(ErrorKind::InvalidArgument, "bar chart size below 160x120 pixels");
  RgbImage img(o.width, o.height);
  const RgbImage::Color black{0, 0, 0}, gridColor{225, 225, 225}, grey{90, 90, 90}, gap{170, 170, 170};

  std::size_t groups = o.categories.size();
  for (const auto& s : series)
    groups = std::max(groups, s.values.size());
  double lo = 0.0, hi = 0.0;
  for (const auto& s : series) {
    for (double v : s.values)
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
    if (std::isfinite(s.referenceLine)) lo = std::min(lo, s.referenceLine), hi = std::max(hi, s.referenceLine);
  }
  if (std::isfinite(o.yMin)) lo = o.yMin;
  if (std::isfinite(o.yMax)) hi = o.yMax;
  if (!(hi > lo)) hi = lo + 1.0;
  const std::vector<double> ticks = niceTicks(lo, hi, 6);
  int tickWidth = 0;
  for (double t : ticks)
    tickWidth = std::max(tickWidth, textWidth(tickText(t)));
  int labelWidth = 0;
  for (const auto& c : o.categories)
    labelWidth = std::max(labelWidth, textWidth(c));

  const int left = 14 + (o.yLabel.empty() ? 0 : 12) + tickWidth;
  const int right = o.width - 16;
  const int top = o.title.empty() ? 12 : 30;
  const int bottom = o.height - 10 - std::min(labelWidth, o.height / 3);
  if (right - left < 20 || bottom - top < 20)
    throw Error(ErrorKind::InvalidArgument, "bar chart too small for its labels");
  auto py = [&](double y) {
    const double clamped = std::clamp(y, lo, hi);
    return bottom - static_cast<int>(std::lround((clamped - lo) / (hi - lo) * (bottom - top)));
  };

  for (double t : ticks) {
    if (t < lo - 1e-12 || t > hi + 1e-12) continue;
    const int y = py(t);
    drawLine(img, left, y, right, y, gridColor);
    drawLine(img, left - 4, y, left, y, black);
    const std::string s = tickText(t);
    drawText(img, left - 6 - textWidth(s), y - 3, s, black);
  }

  const double groupWidth = groups ? double(right - left) / double(groups) : 0.0;
  const std::size_t n = std::max<std::size_t>(series.size(), 1);
  const double barWidth = groupWidth * 0.8 / double(n);
  const int zero = py(std::clamp(0.0, lo, hi));
  for (std::size_t g = 0; g < groups; ++g) {
    const double x0 = left + groupWidth * (double(g) + 0.1);
    for (std::size_t s = 0; s < series.size(); ++s) {
      const int xa = static_cast<int>(std::lround(x0 + barWidth * double(s)));
      const int xb = std::max(xa, static_cast<int>(std::lround(x0 + barWidth * double(s + 1))) - 1);
      const double v = g < series[s].values.size() ? series[s].values[g] : std::nan("");
      if (std::isfinite(v)) {
        fillRect(img, xa, zero, xb, py(v), series[s].color);
      } else {
        const int xm = (xa + xb) / 2;
        drawLine(img, xm - 3, zero - 9, xm + 3, zero - 3, gap, 2);
        drawLine(img, xm - 3, zero - 3, xm + 3, zero - 9, gap, 2);
      }
    }
    if (g < o.categories.size()) {
      const int xm = static_cast<int>(std::lround(left + groupWidth * (double(g) + 0.5)));
      // Vertical text's (x, y) is its bottom-left corner: end the label just under the axis.
      drawText(img, xm - 3, bottom + 6 + textWidth(o.categories[g]), o.categories[g], black, 1, true);
    }
  }
  for (const auto& s : series) {
    if (!std::isfinite(s.referenceLine)) continue;
    const int y = py(s.referenceLine);
    for (int x = left; x < right; x += 10)
      drawLine(img, x, y, std::min(x + 5, right), y, s.color, 2);
  }
  drawLine(img, left, top, left, bottom, black);
  drawLine(img, left, zero, right, zero, black);

  if (!o.title.empty()) drawText(img, (o.width - textWidth(o.title, 2)) / 2, 8, o.title, black, 2);
  if (!o.yLabel.empty()) drawText(img, 4, (top + bottom + textWidth(o.yLabel)) / 2, o.yLabel, grey, 1, true);
  int legendY = top + 6;
  for (const auto& s : series) {
    if (s.name.empty()) continue;
    const int x = right - textWidth(s.name) - 30;
    fillRect(img, x - 4, legendY - 2, right - 3, legendY + 9, {255, 255, 255});
    fillRect(img, x, legendY, x + 16, legendY + 6, s.color);
    drawText(img, x + 22, legendY, s.name, black);
    legendY += 14;
  }
  return img;
}

} // namespace strega
