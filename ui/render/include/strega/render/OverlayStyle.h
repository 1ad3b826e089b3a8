#pragma once
/// \file
/// \brief How overlays are drawn on slices: HeatStyle for scalar maps, LabelStyle for masks and label maps.

#include "strega/render/Colormap.h"
#include "strega/render/RgbaImage.h"

#include <vector>

namespace strega::render {

/// \brief A scalar overlay (the residual score map) drawn through a colour map.
///
/// Voxels below `threshold` are transparent; from threshold to `maximum` the colour map runs from its low to its
/// high end; everything is blended over the image with `opacity` (0 transparent .. 1 opaque).
struct HeatStyle {
  bool visible = true;
  Colormap colormap = Colormap::Hot;
  double opacity = 0.6;
  double threshold = 0.0;
  double maximum = 1.0;
};

/// \brief Filled regions or their outlines.
enum class MaskMode { Fill, Outline };

/// \brief A mask or label-map overlay (anomaly mask, brain mask, tissue classes, a reference segmentation).
///
/// Label 0 is transparent. Every other label takes `colour`, or its entry in `labelColours` when that list is
/// long enough. In Outline mode only pixels at a label boundary of the slice are drawn.
struct LabelStyle {
  bool visible = true;
  double opacity = 0.5;
  MaskMode mode = MaskMode::Fill;
  Rgb colour{255, 0, 0};
  std::vector<Rgb> labelColours;

  Rgb colourOf(unsigned label) const { return label < labelColours.size() ? labelColours[label] : colour; }
};

} // namespace strega::render
