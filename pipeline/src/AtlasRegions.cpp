#include "strega/pipeline/AtlasRegions.h"

#include "strega/io/ImageReader.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

namespace strega::pipeline {

const std::vector<std::string>& AtlasRegions::harvardOxfordCorticalNames() {
  // FSL's HarvardOxford-Cortical label list; mricron-data ships the image without it.
  static const std::vector<std::string> names = {
    "",
    "Frontal Pole",
    "Insular Cortex",
    "Superior Frontal Gyrus",
    "Middle Frontal Gyrus",
    "Inferior Frontal Gyrus, pars triangularis",
    "Inferior Frontal Gyrus, pars opercularis",
    "Precentral Gyrus",
    "Temporal Pole",
    "Superior Temporal Gyrus, anterior division",
    "Superior Temporal Gyrus, posterior division",
    "Middle Temporal Gyrus, anterior division",
    "Middle Temporal Gyrus, posterior division",
    "Middle Temporal Gyrus, temporooccipital part",
    "Inferior Temporal Gyrus, anterior division",
    "Inferior Temporal Gyrus, posterior division",
    "Inferior Temporal Gyrus, temporooccipital part",
    "Postcentral Gyrus",
    "Superior Parietal Lobule",
    "Supramarginal Gyrus, anterior division",
    "Supramarginal Gyrus, posterior division",
    "Angular Gyrus",
    "Lateral Occipital Cortex, superior division",
    "Lateral Occipital Cortex, inferior division",
    "Intracalcarine Cortex",
    "Frontal Medial Cortex",
    "Juxtapositional Lobule Cortex",
    "Subcallosal Cortex",
    "Paracingulate Gyrus",
    "Cingulate Gyrus, anterior division",
    "Cingulate Gyrus, posterior division",
    "Precuneous Cortex",
    "Cuneal Cortex",
    "Frontal Orbital Cortex",
    "Parahippocampal Gyrus, anterior division",
    "Parahippocampal Gyrus, posterior division",
    "Lingual Gyrus",
    "Temporal Fusiform Cortex, anterior division",
    "Temporal Fusiform Cortex, posterior division",
    "Temporal Occipital Fusiform Cortex",
    "Occipital Fusiform Gyrus",
    "Frontal Operculum Cortex",
    "Central Opercular Cortex",
    "Parietal Operculum Cortex",
    "Planum Polare",
    "Heschl's Gyrus",
    "Planum Temporale",
    "Supracalcarine Cortex",
    "Occipital Pole",
  };
  return names;
}

std::filesystem::path AtlasRegions::defaultTemplateDir() { return "/usr/share/mricron/templates"; }

namespace {

struct Atlas {
  ImageF labels;
  std::map<int, std::string> names;
  bool bilateral = false; // names without hemisphere for both sides (HarvardOxford)

  int labelAt(const Vec3& p) const {
    const Vec3 idx = labels.geometry().physicalToIndex(p);
    const long long i = std::llround(idx[0]), j = std::llround(idx[1]), k = std::llround(idx[2]);
    if (!labels.contains(i, j, k)) return 0;
    return static_cast<int>(std::lround(labels.at(i, j, k)));
  }
};

// mricron's "<n> <name> [code]" label lists (aal.nii.txt, JHU-WhiteMatter-labels-1mm.nii.txt).
std::map<int, std::string> readMricronLabelList(const std::filesystem::path& file) {
  std::map<int, std::string> names;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    int index = 0;
    std::string name;
    if (fields >> index >> name) {
      for (char& c : name)
        if (c == '_') c = ' ';
      names[index] = name;
    }
  }
  return names;
}

std::string withHemisphere(const std::string& name, const Vec3& p) {
  return std::string(p[0] > 0 ? "Left " : "Right ") + name;
}

// The hemisphere comes from the position, never from a "_L"/"_R" suffix: mricron's JHU image stores x with the
// opposite handedness of its label list, so suffixes cannot be trusted across atlases.
std::string hemisphereFromPosition(const std::string& name, const Vec3& p, bool bilateral) {
  if (bilateral) return withHemisphere(name, p);
  if (name.size() > 2 && name[name.size() - 2] == ' ' && (name.back() == 'L' || name.back() == 'R'))
    return withHemisphere(name.substr(0, name.size() - 2), p);
  return name;
}

} // namespace

struct AtlasRegions::Impl {
  std::vector<Atlas> atlases;
};

AtlasRegions::AtlasRegions(const std::filesystem::path& templateDir) : m_impl(std::make_unique<Impl>()) {
  const auto load = [&](const char* file, std::map<int, std::string> names, bool bilateral) {
    const auto path = templateDir / file;
    if (!std::filesystem::exists(path) || names.empty()) return;
    m_impl->atlases.push_back({io::readImage(path).image, std::move(names), bilateral});
  };
  std::map<int, std::string> ho;
  const auto& hoNames = harvardOxfordCorticalNames();
  for (std::size_t n = 1; n < hoNames.size(); ++n)
    ho[static_cast<int>(n)] = hoNames[n];
  load("HarvardOxford-cort-maxprob-thr0-1mm.nii.gz", std::move(ho), true);
  load("JHU-WhiteMatter-labels-1mm.nii.gz", readMricronLabelList(templateDir / "JHU-WhiteMatter-labels-1mm.nii.txt"),
       false);
  load("aal.nii.gz", readMricronLabelList(templateDir / "aal.nii.txt"), false);
  if (m_impl->atlases.empty())
    throw Error(ErrorKind::Io, "no anatomical atlas found in " + templateDir.string() + " (install mricron-data)");
}

AtlasRegions::~AtlasRegions() = default;
AtlasRegions::AtlasRegions(AtlasRegions&&) noexcept = default;
AtlasRegions& AtlasRegions::operator=(AtlasRegions&&) noexcept = default;

std::string AtlasRegions::regionAt(const Vec3& p) const {
  for (const auto& atlas : m_impl->atlases) {
    const int label = atlas.labelAt(p);
    if (label == 0) continue;
    auto it = atlas.names.find(label);
    if (it == atlas.names.end()) continue;
    return hemisphereFromPosition(it->second, p, atlas.bilateral);
  }
  return {};
}

std::string AtlasRegions::dominantRegion(const LabelMap& mask, std::uint8_t label) const {
  std::map<std::string, std::size_t> votes;
  const auto& s = mask.size();
  for (std::size_t k = 0; k < s[2]; ++k)
    for (std::size_t j = 0; j < s[1]; ++j)
      for (std::size_t i = 0; i < s[0]; ++i) {
        const auto v = mask.at(i, j, k);
        if (v == 0 || (label != 0 && v != label)) continue;
        const std::string region = regionAt(mask.geometry().indexToPhysical({double(i), double(j), double(k)}));
        if (!region.empty()) ++votes[region];
      }
  if (votes.empty()) return postprocess::kOutsideAtlasLabels;
  return std::max_element(votes.begin(), votes.end(), [](auto& a, auto& b) { return a.second < b.second; })->first;
}

std::vector<std::vector<postprocess::RegionShare>> AtlasRegions::regionShares(const LabelMap& labels, int count,
                                                                              int maxRegions) const {
  // One pass for all labels: a case can have dozens of findings on a volume of millions of voxels.
  const auto n = static_cast<std::size_t>(std::max(count, 0));
  std::vector<std::map<std::string, std::size_t>> votes(n + 1);
  std::vector<std::size_t> voxels(n + 1, 0);
  const auto& s = labels.size();
  for (std::size_t k = 0; k < s[2]; ++k)
    for (std::size_t j = 0; j < s[1]; ++j)
      for (std::size_t i = 0; i < s[0]; ++i) {
        const int v = labels.at(i, j, k);
        if (v == 0 || v > count) continue;
        ++voxels[static_cast<std::size_t>(v)];
        const std::string region = regionAt(labels.geometry().indexToPhysical({double(i), double(j), double(k)}));
        if (!region.empty()) ++votes[static_cast<std::size_t>(v)][region];
      }
  std::vector<std::vector<postprocess::RegionShare>> out(n);
  for (std::size_t label = 1; label <= n; ++label) {
    std::vector<std::pair<std::string, std::size_t>> ranked(votes[label].begin(), votes[label].end());
    // Stable: among equal counts the alphabetically first name wins, as std::max_element over the map did.
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    if (static_cast<int>(ranked.size()) > maxRegions) ranked.resize(static_cast<std::size_t>(std::max(maxRegions, 0)));
    for (const auto& [name, votesForName] : ranked)
      out[label - 1].push_back({name, static_cast<double>(votesForName) / static_cast<double>(voxels[label])});
  }
  return out;
}

} // namespace strega::pipeline
