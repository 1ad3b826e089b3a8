#pragma once
// Small synthetic images for the preprocess unit tests.

#include "strega/core/Volume.h"

#include <cmath>
#include <random>

namespace strega::testimages {

inline ImageGeometry cubeGrid(std::size_t n, double spacing = 1.0) {
  ImageGeometry g;
  g.size = {n, n, n};
  g.spacingMm = {spacing, spacing, spacing};
  g.originMm = {-0.5 * spacing * double(n - 1), -0.5 * spacing * double(n - 1), -0.5 * spacing * double(n - 1)};
  return g;
}

/// Physical distance from the grid centre.
inline double radiusOf(const ImageGeometry& g, std::size_t i, std::size_t j, std::size_t k) {
  const Vec3 p = g.indexToPhysical({double(i), double(j), double(k)});
  return std::sqrt(p[0] * p[0] + p[1] * p[1] + p[2] * p[2]);
}

/// A ball of radius r (mm) at the centre.
inline Mask ball(const ImageGeometry& g, double r) {
  Mask m(g, 0);
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i)
        m.at(i, j, k) = radiusOf(g, i, j, k) <= r ? 1 : 0;
  return m;
}

/// Concentric shells: WM core (r < r1), GM (r1..r2), CSF (r2..r3), labels 3/2/1, with intensities per label and
/// Gaussian noise.
inline void shells(const ImageGeometry& g, double r1, double r2, double r3, const double intensity[3], double noise,
                   unsigned seed, ImageF& image, Volume<std::uint8_t>& labels) {
  image = ImageF(g, 0.0f);
  labels = Volume<std::uint8_t>(g, 0);
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal(0.0, noise);
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        const double r = radiusOf(g, i, j, k);
        std::uint8_t label = r < r1 ? 3 : r < r2 ? 2 : r < r3 ? 1 : 0;
        labels.at(i, j, k) = label;
        if (label) image.at(i, j, k) = static_cast<float>(intensity[label - 1] + normal(rng));
      }
}

} // namespace strega::testimages
