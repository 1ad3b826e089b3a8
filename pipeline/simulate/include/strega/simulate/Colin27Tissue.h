#pragma once
/// \file
/// \brief Colin27's tissue map (atlas space): the anatomy behind the synthetic T2 heads and the tissue phantoms.

#include "strega/core/LabelMap.h"
#include "strega/core/Volume.h"

#include <array>
#include <filesystem>
#include <memory>

namespace strega::simulate {

/// \brief CSF / GM / WM of the Colin27 brain on the atlas grid (181 x 217 x 181, 1 mm, LPS).
///
/// Derived once per process by strega::preprocess::segmentTissues on ch2 inside ch2bet (T1 contrast, no bias
/// correction: the template is an average of 27 scans), so it is as good as the segmenter; tests treat it as the
/// ground truth of phantoms simulated from it and re-segmented.
struct Colin27Tissue {
  LabelMap labels;                     ///< 0 background, 1 CSF, 2 GM, 3 WM
  std::array<ImageF, 3> probabilities; ///< CSF, GM, WM in [0, 1]
  std::array<double, 3> meanT1{};      ///< mean ch2 intensity of CSF, GM, WM
};

/// The tissue map of the atlas in `atlasDirectory` (empty: the default atlas), computed once and shared.
std::shared_ptr<const Colin27Tissue> colin27Tissue(const std::filesystem::path& atlasDirectory = {});

/// A synthetic T2-weighted version of the Colin27 head on the atlas grid: inside the brain the intensity is the
/// tissue-probability-weighted mix of CSF 180, GM 95, WM 70 (CSF bright, WM dark); dark T1 voxels within 5 mm
/// outside the brain are CSF and turn bright; the rest of the head keeps its T1 intensity scaled by 0.8.
ImageF syntheticT2Head(const std::filesystem::path& atlasDirectory = {});

} // namespace strega::simulate
