#include "strega/core/LabelMap.h"

#include <algorithm>

namespace strega {

std::string LabelMap::labelName(std::uint8_t label) const {
  auto it = m_names.find(label);
  return it != m_names.end() ? it->second : "label " + std::to_string(label);
}

std::size_t LabelMap::count(std::uint8_t label) const {
  return static_cast<std::size_t>(std::count(voxels().begin(), voxels().end(), label));
}

Mask LabelMap::maskOf(std::uint8_t label) const {
  Mask mask(geometry());
  for (std::size_t n = 0; n < voxelCount(); ++n) mask[n] = (*this)[n] == label ? 1 : 0;
  return mask;
}

std::uint8_t LabelMap::maxLabel() const {
  return empty() ? 0 : *std::max_element(voxels().begin(), voxels().end());
}

LabelMap LabelMap::tissueLabels(const ImageGeometry& geometry) {
  LabelMap map(geometry);
  map.setLabelName(Background, "background");
  map.setLabelName(Csf, "CSF");
  map.setLabelName(GreyMatter, "grey matter");
  map.setLabelName(WhiteMatter, "white matter");
  return map;
}

} // namespace strega
