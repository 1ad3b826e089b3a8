#pragma once
/// \file
/// \brief Finding: one connected anomaly (3D component of the final mask) with its measurements.

#include "strega/core/LabelMap.h"
#include "strega/core/Math.h"
#include "strega/core/Volume.h"

#include <cstddef>
#include <string>
#include <vector>

namespace strega::postprocess {

/// The region name of a finding that no atlas label overlaps.
inline constexpr const char* kOutsideAtlasLabels = "outside atlas labels";

/// \brief An anatomical region and the share of a finding's voxels that lie in it.
struct RegionShare {
  std::string name;
  double fraction = 0.0; ///< of all the finding's voxels (0..1), including voxels no atlas labels
};

/// \brief A 3D connected component of the anomaly mask. Positions in LPS millimetres and in voxel indices of the
/// grid the mask lives on; the bounding box is inclusive, in voxel indices.
struct Finding {
  int id = 0; ///< 1-based, ordered by decreasing volume
  std::size_t voxelCount = 0;
  double volumeMl = 0.0;
  Vec3 centroidMm{};      ///< LPS, mm
  Vec3 centroidVoxel{};   ///< continuous index
  Size3 boundingBoxMin{}; ///< voxel index, inclusive
  Size3 boundingBoxMax{}; ///< voxel index, inclusive
  double peakScore = 0.0; ///< maximum residual score inside the component
  double meanScore = 0.0;
  std::string region; ///< atlas region with the largest overlap, "" when unknown
  /// The regions overlapping most, largest first (a few), with their shares; empty when not named. A large finding
  /// in deep white matter can touch many labels, none of them covering most of it: the shares say so.
  std::vector<RegionShare> regions;
};

/// "Left Parietal Operculum Cortex 8 %, Left Posterior Corona Radiata 8 %" from Finding::regions (shares rounded
/// to whole percent, "<1 %" below), or Finding::region when there are none.
std::string describeRegions(const Finding& finding);
/// The same text from region shares alone ("" when empty).
std::string describeRegions(const std::vector<RegionShare>& regions);
/// One share of that text: "Left Parietal Operculum Cortex 13 %".
std::string describeShare(const RegionShare& share);

/// Connected components of `mask` (26-connectivity), sorted by decreasing size, with scores from `score`
/// (same grid). When `componentLabels` is given it receives a map of component ids (ids above 255 share 255).
std::vector<Finding> findComponents(const Mask& mask, const ImageF& score, LabelMap* componentLabels = nullptr);

/// Name each finding by the atlas label that overlaps it most (atlas on the same grid as the findings' mask;
/// label 0 ignored; "outside atlas labels" when only 0 overlaps).
void nameRegions(std::vector<Finding>& findings, const LabelMap& componentLabels, const LabelMap& atlas);

} // namespace strega::postprocess
