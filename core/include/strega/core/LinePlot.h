#pragma once
/// \file
/// \brief A minimal line-plot rasteriser (axes, ticks, labels, legend) with a built-in 5x7 bitmap font.

#include "strega/core/Png.h"

#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace strega {

/// \brief One curve: points (x[i], y[i]); non-finite values break the line.
struct PlotSeries {
  std::string name;
  std::vector<double> x;
  std::vector<double> y;
  RgbImage::Color color{31, 119, 180};
  bool markers = false; ///< draw a small square at every point (for sparse series)
};

/// \brief Size (pixels), texts and scale of a plot.
struct LinePlotOptions {
  int width = 800;
  int height = 500;
  std::string title;
  std::string xLabel;
  std::string yLabel;
  bool logY = false; ///< logarithmic y axis (non-positive values are skipped)
  /// Optional fixed y range; both NaN (the default) means fit the data.
  double yMin = std::numeric_limits<double>::quiet_NaN();
  double yMax = std::numeric_limits<double>::quiet_NaN();
};

/// Render series into an image: white background, axes with "nice" ticks (1/2/5 x 10^k, or decades when
/// logY), tick numbers, title, axis labels (the y label rotated) and a legend of the named series. Text uses
/// a built-in 5x7 pixel font of digits, upper-case letters and common punctuation; lower-case letters are
/// drawn as capitals. Throws Error(InvalidArgument) for a size below 120x80.
RgbImage renderLinePlot(const std::vector<PlotSeries>& series, const LinePlotOptions& options = {});

/// Draw `text` with its top-left corner at (x, y); `scale` multiplies the 5x7 glyphs; `vertical` writes
/// bottom-to-top (rotated 90° anticlockwise, (x, y) is then the bottom-left corner).
void drawText(RgbImage& image, int x, int y, std::string_view text, RgbImage::Color color, int scale = 1,
              bool vertical = false);
/// Width in pixels of `text` drawn by drawText() at `scale` (6 pixels per character at scale 1).
int textWidth(std::string_view text, int scale = 1);
/// Draw a straight line of `thickness` pixels between two points (clipped to the image).
void drawLine(RgbImage& image, int x0, int y0, int x1, int y1, RgbImage::Color color, int thickness = 1);

/// Tick values covering [lo, hi] at a "nice" step, about `target` of them.
std::vector<double> niceTicks(double lo, double hi, int target = 6);

} // namespace strega
