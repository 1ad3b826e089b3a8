#pragma once
/// \file
/// \brief FAST-like tissue segmentation into CSF / grey matter / white matter inside a brain mask.

#include "strega/core/LabelMap.h"
#include "strega/core/ProgressScope.h"
#include "strega/core/Volume.h"

#include <array>
#include <string>
#include <vector>

namespace strega::preprocess {

/// \brief Which way tissue intensities are ordered. T1: CSF < GM < WM. T2: WM < GM < CSF.
enum class Contrast { Auto, T1, T2 };

const char* toString(Contrast contrast);
/// "auto", "t1" or "t2" (either case); Error(InvalidArgument) naming the text otherwise.
Contrast parseContrast(const std::string& text);

/// \brief Options of segmentTissues().
struct TissueOptions {
  /// Auto decides from the class volumes (CSF is the smallest class: darkest in T1, brightest in T2); the full
  /// pipeline resolves Auto itself from the correlation with the T1 atlas when the image is registered.
  Contrast contrast = Contrast::Auto;
  /// MRF strength per neighbour (Potts on class memberships, mean-field). 0 turns the MRF off.
  double mrfBeta = 0.3;
  /// 6 (faces) or 26 (faces, edges, corners; weighted by 1/distance).
  int neighbourhood = 6;
  /// EM iterations of the hidden-MRF model (each with `mrfSweeps` mean-field sweeps).
  int emIterations = 5;
  int mrfSweeps = 1;
  /// Model the CSF/GM and GM/WM mixtures as their own partial-volume classes (a uniform mix of the two pure
  /// Gaussians); their voxels are then given to the nearer pure class. Off: a plain 3-class mixture.
  bool partialVolume = true;
};

/// \brief The segmentation: hard labels and per-class probabilities on the input grid.
struct TissueResult {
  /// 0 background (outside the mask), 1 CSF, 2 GM, 3 WM (strega::TissueLabel).
  LabelMap labels;
  /// Probability of CSF, GM and WM (index 0, 1, 2) per voxel in [0, 1], summing to 1 inside the mask, 0 outside.
  /// Partial-volume voxels share their probability between the two pure classes by their mixing fraction.
  std::array<ImageF, 3> probabilities;
  /// Mean and standard deviation of the intensity of CSF, GM and WM (input units).
  std::array<double, 3> meanIntensity{};
  std::array<double, 3> stdIntensity{};
  /// Fraction of the mask in each class.
  std::array<double, 3> volumeFraction{};
  /// The contrast used (never Auto).
  Contrast contrast = Contrast::T1;
  std::vector<std::string> warnings;
};

/// Segment the voxels of `image` inside `brainMask` (same grid): k-means initialisation, a Gaussian mixture fitted
/// by EM on the histogram, then a hidden-MRF EM with mean-field regularisation and optional partial-volume
/// classes. Intended for bias-corrected, brain-extracted images at about 1 mm. Throws Error(InvalidInput) when
/// the mask is empty or too small (< 1000 voxels) or the intensities inside it are constant.
TissueResult segmentTissues(const ImageF& image, const Mask& brainMask, const TissueOptions& options = {},
                            ProgressScope* progress = nullptr);

/// The default model input of StRegA: labels scaled to [0, 1] (background 0, CSF 1/3, GM 2/3, WM 1).
ImageF tissueToModelInput(const LabelMap& labels);

} // namespace strega::preprocess
