#include "strega/postprocess/Finding.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace strega::postprocess {

std::vector<Finding> findComponents(const Mask& mask, const ImageF& score, LabelMap* componentLabels) {
  if (!mask.geometry().sameGrid(score.geometry(), 1e-3))
    throw Error(ErrorKind::Internal, "mask and score map are not on the same grid");
  const auto& s = mask.size();
  std::vector<int> label(mask.voxelCount(), 0);
  std::vector<std::vector<std::size_t>> components;
  std::vector<std::size_t> stack;
  for (std::size_t seed = 0; seed < mask.voxelCount(); ++seed) {
    if (!mask[seed] || label[seed]) continue;
    components.emplace_back();
    auto& members = components.back();
    const int id = static_cast<int>(components.size());
    label[seed] = id;
    stack.assign(1, seed);
    while (!stack.empty()) {
      const std::size_t p = stack.back();
      stack.pop_back();
      members.push_back(p);
      const long long i = p % s[0], j = (p / s[0]) % s[1], k = p / (s[0] * s[1]);
      for (int dk = -1; dk <= 1; ++dk)
        for (int dj = -1; dj <= 1; ++dj)
          for (int di = -1; di <= 1; ++di) {
            if (!mask.contains(i + di, j + dj, k + dk)) continue;
            const std::size_t q = mask.linearIndex(i + di, j + dj, k + dk);
            if (mask[q] && !label[q]) {
              label[q] = id;
              stack.push_back(q);
            }
          }
    }
  }
  std::vector<std::size_t> order(components.size());
  for (std::size_t c = 0; c < order.size(); ++c)
    order[c] = c;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return components[a].size() > components[b].size(); });

  const auto& g = mask.geometry();
  std::vector<Finding> findings;
  if (componentLabels) *componentLabels = LabelMap(g, 0);
  for (std::size_t rank = 0; rank < order.size(); ++rank) {
    const auto& members = components[order[rank]];
    Finding f;
    f.id = static_cast<int>(rank + 1);
    f.voxelCount = members.size();
    f.volumeMl = members.size() * g.voxelVolumeMm3() / 1000.0;
    f.boundingBoxMin = {s[0], s[1], s[2]};
    double sum = 0.0;
    Vec3 c{0, 0, 0};
    for (std::size_t p : members) {
      const std::size_t idx[3] = {p % s[0], (p / s[0]) % s[1], p / (s[0] * s[1])};
      for (int a = 0; a < 3; ++a) {
        c[a] += idx[a];
        f.boundingBoxMin[a] = std::min(f.boundingBoxMin[a], idx[a]);
        f.boundingBoxMax[a] = std::max(f.boundingBoxMax[a], idx[a]);
      }
      f.peakScore = std::max(f.peakScore, static_cast<double>(score[p]));
      sum += score[p];
      if (componentLabels) (*componentLabels)[p] = static_cast<std::uint8_t>(std::min<std::size_t>(rank + 1, 255));
    }
    f.centroidVoxel = scale(c, 1.0 / members.size());
    f.centroidMm = g.indexToPhysical(f.centroidVoxel);
    f.meanScore = sum / members.size();
    findings.push_back(f);
  }
  return findings;
}

void nameRegions(std::vector<Finding>& findings, const LabelMap& componentLabels, const LabelMap& atlas) {
  if (!componentLabels.geometry().sameGrid(atlas.geometry(), 1e-3))
    throw Error(ErrorKind::Internal, "the atlas is not on the findings' grid");
  std::map<int, std::map<std::uint8_t, std::size_t>> overlap;
  for (std::size_t n = 0; n < atlas.voxelCount(); ++n)
    if (componentLabels[n] && atlas[n]) ++overlap[componentLabels[n]][atlas[n]];
  for (auto& f : findings) {
    auto it = overlap.find(std::min(f.id, 255));
    if (it == overlap.end() || it->second.empty()) {
      f.region = kOutsideAtlasLabels;
      continue;
    }
    const auto best = std::max_element(it->second.begin(), it->second.end(),
                                       [](const auto& a, const auto& b) { return a.second < b.second; });
    f.region = atlas.labelName(best->first);
  }
}

std::string describeRegions(const Finding& finding) {
  return finding.regions.empty() ? finding.region : describeRegions(finding.regions);
}

std::string describeRegions(const std::vector<RegionShare>& regions) {
  std::string text;
  for (const RegionShare& share : regions)
    text += (text.empty() ? "" : ", ") + describeShare(share);
  return text;
}

std::string describeShare(const RegionShare& share) {
  const long percent = std::lround(share.fraction * 100.0);
  return share.name + (percent < 1 ? " <1 %" : " " + std::to_string(percent) + " %");
}

} // namespace strega::postprocess
