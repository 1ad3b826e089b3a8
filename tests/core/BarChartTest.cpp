// renderBarChart: bars of the right colour and height, gaps for missing values, size checks.
#include "strega/core/BarChart.h"
#include "strega/core/Error.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace strega;

namespace {
/// Rows (from the top) where column x has colour c.
int countInColumn(const RgbImage& img, int x, RgbImage::Color c) {
  int n = 0;
  for (int y = 0; y < img.height; ++y)
    n += img.get(x, y) == c ? 1 : 0;
  return n;
}
} // namespace

TEST(BarChart, TwoSeries_BarHeightsFollowValues_MissingIsAGap) {
  const RgbImage::Color blue{31, 119, 180}, orange{255, 127, 14};
  BarChartOptions options;
  options.width = 400;
  options.height = 300;
  options.yMin = 0.0;
  options.yMax = 1.0;
  options.categories = {"A", "B"};
  const RgbImage img =
    renderBarChart({BarSeries{"ONE", {1.0, 0.5}, blue}, BarSeries{"TWO", {0.25, std::nan("")}, orange}}, options);
  ASSERT_EQ(img.width, 400);
  // Find each bar's column: scan the middle of the plot for the colours.
  int blueFull = 0, blueHalf = 0, orangeQuarter = 0, orangeMissing = 0;
  for (int x = 0; x < img.width; ++x) {
    const int b = countInColumn(img, x, blue), o = countInColumn(img, x, orange);
    if (x < img.width / 2) {
      blueFull = std::max(blueFull, b);
      orangeQuarter = std::max(orangeQuarter, o);
    } else {
      blueHalf = std::max(blueHalf, b);
      orangeMissing = std::max(orangeMissing, o);
    }
  }
  EXPECT_NEAR(double(blueHalf) / blueFull, 0.5, 0.03);
  EXPECT_NEAR(double(orangeQuarter) / blueFull, 0.25, 0.03);
  // Only the legend's swatch (7 rows) is orange on the right half: no bar for the missing value.
  EXPECT_LE(orangeMissing, 7);
}

TEST(BarChart, TooSmall_Throws) { EXPECT_THROW(renderBarChart({}, BarChartOptions{100, 100}), Error); }
