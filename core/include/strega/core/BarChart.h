#pragma once
/// \file
/// \brief A minimal grouped bar chart rasteriser (axes, ticks, category labels, legend), drawn like LinePlot.

#include "strega/core/Png.h"

#include <limits>
#include <string>
#include <vector>

namespace strega {

/// \brief One series of bars: a value per category (non-finite: no bar, a grey cross marks the gap).
struct BarSeries {
  std::string name;
  std::vector<double> values;
  RgbImage::Color color{31, 119, 180};
  /// Optional horizontal reference line across the plot in the series' colour (e.g. its mean); NaN: none.
  double referenceLine = std::numeric_limits<double>::quiet_NaN();
};

/// \brief Size (pixels), texts and y range of a bar chart.
struct BarChartOptions {
  int width = 900;
  int height = 500;
  std::string title;
  std::string yLabel;
  std::vector<std::string> categories; ///< one label per bar group, written vertically under the axis
  /// y range; NaN (the default) fits the data (always including 0).
  double yMin = std::numeric_limits<double>::quiet_NaN();
  double yMax = std::numeric_limits<double>::quiet_NaN();
};

/// Render grouped bars: for category i one bar per series side by side, white background, y grid with "nice"
/// ticks, the category labels rotated under the axis and a legend of the named series. Uses the 5x7 font of
/// LinePlot (lower-case letters drawn as capitals). Throws Error(InvalidArgument) for a size below 160x120.
RgbImage renderBarChart(const std::vector<BarSeries>& series, const BarChartOptions& options = {});

} // namespace strega
