#pragma once
/// \file
/// \brief BrainWeb-style tissue phantoms: an image simulated from a tissue label map.

#include "strega/core/LabelMap.h"
#include "strega/core/Volume.h"
#include "strega/simulate/HeadGenerator.h"

#include <array>
#include <cstdint>
#include <optional>

namespace strega::simulate {

/// \brief Parameters of makeTissuePhantom().
struct PhantomOptions {
  std::uint64_t seed = 1;
  ImageContrast contrast = ImageContrast::T1;
  /// Intensity of CSF, GM, WM. Default: T1 30 / 75 / 110, T2 180 / 95 / 70.
  std::optional<std::array<double, 3>> classIntensity;
  double partialVolumeSigmaMm = 0.6; ///< Gaussian blur of the tissue fractions (within the brain)
  double biasAmplitude = 0.2;        ///< multiplicative field within [1 - a, 1 + a]
  double noiseFraction = 0.03;       ///< Rician sigma as a fraction of the brightest class intensity
};

/// \brief A phantom image, its brain mask (truth > 0) and the truth it was simulated from.
struct TissuePhantom {
  ImageF image; ///< brain only; 0 outside the mask (skull-stripped, like a BET output)
  Mask brainMask;
  LabelMap truth;
};

/// Simulate an image from `truth` (labels 1 CSF, 2 GM, 3 WM): per-class intensities, partial-volume blur of the
/// tissue fractions, bias field and Rician noise, in the given contrast.
TissuePhantom makeTissuePhantom(const LabelMap& truth, const PhantomOptions& options = {});

} // namespace strega::simulate
