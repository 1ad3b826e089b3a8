#pragma once
/// \file
/// \brief WindowLevel (display contrast) and intensity percentiles for automatic presets.

#include "strega/core/Volume.h"

#include <optional>

namespace strega::render {

/// \brief Grey-scale mapping of image intensities: `window` wide, centred on `level` (image units).
/// Values at or below level - window/2 are black, at or above level + window/2 white.
struct WindowLevel {
  double window = 1.0;
  double level = 0.5;

  double lower() const { return level - 0.5 * window; }
  double upper() const { return level + 0.5 * window; }
  /// The window spanning [lower, upper] (a zero-width range gets window 1).
  static WindowLevel fromRange(double lower, double upper);
};

/// \brief Intensity range [lowPercent, highPercent] of an image, estimated from up to ~250,000 voxels taken at a
/// regular stride. Non-finite values are skipped; with `foregroundOnly`, so are voxels equal to the image minimum
/// (the zero background of skull-stripped or padded volumes); with `within`, only voxels where it is non-zero
/// (a brain mask on the same grid). Returns nothing for an image without usable voxels.
std::optional<std::pair<double, double>> percentileRange(const ImageF& image, double lowPercent, double highPercent,
                                                         bool foregroundOnly = true, const Mask* within = nullptr);

/// \brief The automatic window: 1st to 99th percentile of the foreground; for an empty or constant image a
/// window around its value.
WindowLevel autoWindowLevel(const ImageF& image);

} // namespace strega::render
