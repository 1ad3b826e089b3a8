#pragma once
/// \file
/// \brief Synthetic heads made from Colin27: random affine + elastic deformation, bias field, Rician noise.

#include "strega/core/ProgressScope.h"
#include "strega/core/Volume.h"
#include "strega/preprocess/AtlasTransform.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>

namespace strega::simulate {

/// \brief Contrast of a synthetic image: T1 (the ch2 template itself) or a synthetic T2 (see syntheticT2Head).
enum class ImageContrast { T1, T2 };

/// \brief Parameters of generateHead(). Random draws are uniform in [-max, +max] and reproducible from `seed`.
struct HeadOptions {
  std::uint64_t seed = 1;
  ImageContrast contrast = ImageContrast::T1;
  double maxRotationDeg = 10.0;      ///< about each axis
  double maxTranslationMm = 8.0;     ///< along each axis
  double maxScale = 0.08;            ///< relative, per axis
  double elasticMaxMm = 3.0;         ///< largest displacement of the elastic deformation (0: none)
  double elasticSmoothnessMm = 20.0; ///< Gaussian smoothing of the random displacement (its spatial scale)
  double biasAmplitude = 0.2;        ///< multiplicative field within [1 - a, 1 + a] over the head
  double minNoise = 0.02;            ///< Rician noise sigma drawn in [minNoise, maxNoise] x the brightest tissue
  double maxNoise = 0.04;
  /// Grid of the generated image. Default: 1 mm, 192 x 228 x 192, stored as NIfTI usually is (RAS axes),
  /// centred on where the atlas centre lands.
  std::optional<ImageGeometry> nativeGrid;
  std::filesystem::path atlasDirectory; ///< empty: the default atlas
  /// Atlas-space image to deform instead of the contrast's template (e.g. one with a lesion inserted); it must
  /// lie on the atlas grid. `contrast` still sets the noise level.
  std::shared_ptr<const ImageF> atlasImage;
};

/// \brief A generated head and its ground truth.
struct GeneratedHead {
  ImageF image;                                 ///< the head on its native grid
  Mask brainMask;                               ///< ch2bet > 0 deformed exactly like the head (native grid)
  preprocess::AtlasTransform trueTransform;     ///< atlas point -> native point, as a registration should find
  double noiseSigma = 0.0;                      ///< Rician sigma in image units
  Vec3 rotationDeg{}, translationMm{}, scale{}; ///< the drawn affine parameters
};

/// Generate a head (see HeadOptions). Deterministic for a given seed. Throws Error(Io) without the atlas.
GeneratedHead generateHead(const HeadOptions& options, ProgressScope* progress = nullptr);

/// Add Rician noise of standard deviation `sigma` to every voxel: |v + n1 + i n2| (seeded).
void addRicianNoise(ImageF& image, double sigma, std::uint64_t seed);

/// A smooth random multiplicative field on `grid` with values in [1 - amplitude, 1 + amplitude] (seeded).
ImageF randomBiasField(const ImageGeometry& grid, double amplitude, std::uint64_t seed);

} // namespace strega::simulate
