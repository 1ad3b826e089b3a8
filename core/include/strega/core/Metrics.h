#pragma once
/// \file
/// \brief Segmentation metrics on binary masks: Dice, sensitivity, precision, volume (mL), Hausdorff 95 (mm).

#include "strega/core/Volume.h"

#include <cstddef>
#include <vector>
#include <cstdint>

namespace strega {

/// \brief Voxel counts of a predicted mask against a reference mask (non-zero voxels are foreground).
struct OverlapCounts {
  std::size_t truePositive = 0;
  std::size_t falsePositive = 0;
  std::size_t falseNegative = 0;
  std::size_t trueNegative = 0;
};

/// Counts over two masks on the same grid (same size; geometry checked within 1e-3 mm). Throws Error otherwise.
OverlapCounts countOverlap(const Mask& predicted, const Mask& reference);

/// 2TP / (2TP + FP + FN); 1.0 when both masks are empty.
double dice(const OverlapCounts& c);
/// TP / (TP + FN); 1.0 when the reference is empty (nothing was missed).
double sensitivity(const OverlapCounts& c);
/// TP / (TP + FP); 1.0 when nothing was predicted (no false claim).
double precision(const OverlapCounts& c);

double dice(const Mask& predicted, const Mask& reference);

/// Foreground volume in millilitres (voxel count x voxel volume / 1000).
double volumeMl(const Mask& mask);

/// 95th percentile of the symmetric surface distance in millimetres (the BraTS "HD95": the distances from every
/// surface voxel of each mask to the other mask's surface, pooled, 95th percentile with linear interpolation).
/// Surface voxels are foreground voxels with a 6-connected background neighbour (or on the image border).
/// 0 when both masks are empty; +infinity when exactly one is empty.
double hausdorff95Mm(const Mask& a, const Mask& b);

/// Percentile (0..100) of values with linear interpolation between order statistics (numpy's default).
/// Reorders `values`. Throws Error for an empty input.
double percentile(std::vector<double>& values, double p);

/// Exact Euclidean distance in mm from each voxel to the nearest non-zero voxel of `features`, honouring
/// anisotropic spacing (Felzenszwalb-Huttenlocher separable transform). +infinity everywhere if none.
Volume<float> distanceToNearestMm(const Mask& features);

} // namespace strega
