#pragma once
/// \file
/// \brief LabelMap: a volume of small integer labels with names (tissue classes, lesion components, atlases).

#include "strega/core/Volume.h"

#include <cstdint>
#include <map>
#include <string>

namespace strega {

/// \brief A uint8 label image (0 = background) on an LPS grid, with an optional name per label.
///
/// Used for tissue classes (0 background, 1 CSF, 2 GM, 3 WM), anomaly masks (0/1) and atlas regions.
class LabelMap : public Volume<std::uint8_t> {
public:
  LabelMap() = default;
  explicit LabelMap(const ImageGeometry& geometry, std::uint8_t fill = 0) : Volume(geometry, fill) {}
  explicit LabelMap(Volume<std::uint8_t> volume) : Volume(std::move(volume)) {}

  void setLabelName(std::uint8_t label, std::string name) { m_names[label] = std::move(name); }
  /// The label's name, or "label N" when unnamed.
  std::string labelName(std::uint8_t label) const;
  const std::map<std::uint8_t, std::string>& labelNames() const { return m_names; }
  /// Number of voxels carrying `label`.
  std::size_t count(std::uint8_t label) const;
  /// Voxels with the given label as a 0/1 mask on the same grid.
  Mask maskOf(std::uint8_t label) const;
  /// Highest label present (0 for an all-background map).
  std::uint8_t maxLabel() const;

  /// The tissue label convention of the pipeline.
  static LabelMap tissueLabels(const ImageGeometry& geometry);

private:
  std::map<std::uint8_t, std::string> m_names;
};

/// Tissue class values used throughout the pipeline.
enum TissueLabel : std::uint8_t { Background = 0, Csf = 1, GreyMatter = 2, WhiteMatter = 3 };

} // namespace strega
