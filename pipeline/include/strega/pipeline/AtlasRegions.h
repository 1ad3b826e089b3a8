#pragma once
/// \file
/// \brief AtlasRegions: names the anatomical region of a finding from the atlases shipped by mricron-data.

#include "strega/core/LabelMap.h"
#include "strega/core/Math.h"
#include "strega/postprocess/Finding.h"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace strega::pipeline {

/// \brief Anatomical labelling in MNI/Colin27 space (LPS, mm): the HarvardOxford cortical atlas first, then the
/// JHU white-matter atlas, then AAL (which also covers deep grey matter and the cerebellum).
///
/// Atlases are looked up by physical position (nearest voxel), so their grids need not match the query grid.
/// A region name carries the hemisphere from the position's x coordinate (LPS: x > 0 is the patient's left).
class AtlasRegions {
public:
  /// Loads the atlases from `templateDir` (default: /usr/share/mricron/templates). Missing atlases are skipped;
  /// throws Error(Io) when none is found.
  explicit AtlasRegions(const std::filesystem::path& templateDir = defaultTemplateDir());
  ~AtlasRegions();
  AtlasRegions(AtlasRegions&&) noexcept;
  AtlasRegions& operator=(AtlasRegions&&) noexcept;

  /// Region at a physical point in atlas (MNI/Colin27) space, e.g. "Left Superior Frontal Gyrus";
  /// "" when no atlas labels it.
  std::string regionAt(const Vec3& pointMm) const;

  /// Most frequent region over the voxels of `mask` (on any grid in atlas space) labelled `label` (0 = every
  /// non-zero voxel); postprocess::kOutsideAtlasLabels when none is labelled.
  std::string dominantRegion(const LabelMap& mask, std::uint8_t label = 0) const;
  /// For labels 1..count of `labels` (element i is label i + 1): the `maxRegions` regions labelling most of its
  /// voxels, largest first, each with its fraction of all the label's voxels (unlabelled voxels count in the
  /// denominator). The first is dominantRegion()'s; empty when no voxel is labelled.
  std::vector<std::vector<postprocess::RegionShare>> regionShares(const LabelMap& labels, int count,
                                                                  int maxRegions = 3) const;

  /// The HarvardOxford cortical label names (index 1..48).
  static const std::vector<std::string>& harvardOxfordCorticalNames();
  static std::filesystem::path defaultTemplateDir();

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace strega::pipeline
