#pragma once
// Internal to strega::report: PNG encoding with real deflate compression (zlib), for pictures embedded in the page.

#include "strega/core/Png.h"

#include <string>

namespace strega::report::detail {

/// The PNG file of `image` (8-bit RGB, rows unfiltered, zlib-compressed). core's encodePng writes stored blocks to
/// stay free of dependencies; a report embeds several pictures as base64, where compression makes the page about
/// five times smaller (slices are mostly black background, 3D views mostly flat colour).
std::string encodeCompressedPng(const RgbImage& image);

} // namespace strega::report::detail
