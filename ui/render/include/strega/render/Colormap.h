#pragma once
/// \file
/// \brief Colour maps for heat overlays (residual scores) and the default label palettes.

#include "strega/render/RgbaImage.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace strega::render {

/// \brief Colour maps for a scalar overlay. Hot runs dark red -> red -> yellow -> white (no black, so that low
/// scores stay visible over dark tissue); Jet is blue -> cyan -> yellow -> red; Viridis is perceptually uniform.
enum class Colormap { Hot, Jet, Viridis, Grey };

const char* toString(Colormap map);
/// Inverse of toString; Hot for unknown names.
Colormap colormapFromString(const std::string& name);
/// All maps, in menu order.
std::vector<Colormap> allColormaps();

/// 256 entries, entry 0 for the low end of the map.
const std::array<Rgb, 256>& colormapTable(Colormap map);

/// Colours of the tissue classes (0 background, 1 CSF, 2 GM, 3 WM) indexed by label.
std::vector<Rgb> tissuePalette();
/// A distinct colour per label for segmentations with several labels (BraTS: 1 necrosis, 2 oedema, 4 enhancing).
std::vector<Rgb> segmentationPalette();

} // namespace strega::render
