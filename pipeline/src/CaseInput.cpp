#include "strega/pipeline/CaseInput.h"

#include "strega/core/Error.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>

namespace strega::pipeline {
namespace fs = std::filesystem;

const char* toString(CaseKind kind) {
  switch (kind) {
  case CaseKind::ImageFile: return "image file";
  case CaseKind::DicomSeries: return "DICOM series";
  case CaseKind::BratsCase: return "BraTS case";
  }
  return "?";
}

namespace {

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

/// Volume file extensions read by io::readImage (DICOM files inside folders are handled as series).
const std::array<const char*, 6> kVolumeExtensions{".nii.gz", ".nii", ".nrrd", ".nhdr", ".mha", ".mhd"};

/// The name without a volume extension, or "" when `name` has none.
std::string volumeStem(const std::string& name) {
  const std::string l = lower(name);
  for (const char* ext : kVolumeExtensions)
    if (endsWith(l, ext)) return name.substr(0, name.size() - std::string(ext).size());
  return {};
}

bool isSegmentationStem(const std::string& stem) {
  const std::string l = lower(stem);
  return endsWith(l, "_seg") || endsWith(l, "-seg");
}

/// BraTS modality names: the classic suffixes and the BraTS 2023 ones.
const std::map<std::string, std::vector<std::string>>& modalitySuffixes() {
  static const std::map<std::string, std::vector<std::string>> m{{"t2", {"_t2", "-t2w", "_t2w", "-t2"}},
                                                                 {"flair", {"_flair", "-t2f", "_t2f", "-flair"}},
                                                                 {"t1", {"_t1", "-t1n", "_t1n", "-t1"}},
                                                                 {"t1ce", {"_t1ce", "-t1c", "_t1c", "-t1ce"}},
                                                                 {"seg", {"_seg", "-seg"}}};
  return m;
}

/// Volumes directly inside a folder by lower-case stem.
std::map<std::string, fs::path> volumesIn(const fs::path& folder) {
  std::map<std::string, fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(folder, ec)) {
    if (!e.is_regular_file(ec)) continue;
    const std::string stem = volumeStem(e.path().filename().string());
    if (!stem.empty()) out[lower(stem)] = e.path();
  }
  return out;
}

} // namespace

std::string modalityOfName(const std::string& name) {
  const std::string l = lower(name);
  for (const auto& [modality, suffixes] : modalitySuffixes()) {
    if (modality == "seg") continue;
    for (const auto& suffix : suffixes)
      if (endsWith(l, suffix)) return modality;
  }
  return {};
}

namespace {

/// The file of `modality` in a BraTS folder named like the folder (or any prefix), or empty.
fs::path findModality(const std::map<std::string, fs::path>& volumes, const std::string& modality) {
  const auto it = modalitySuffixes().find(modality);
  if (it == modalitySuffixes().end()) return {};
  for (const auto& suffix : it->second)
    for (const auto& [stem, file] : volumes)
      if (endsWith(stem, suffix)) return file;
  return {};
}

bool isBratsFolder(const std::map<std::string, fs::path>& volumes) {
  for (const auto& m : defaultBratsModalities())
    if (!findModality(volumes, m).empty()) return true;
  return false;
}

bool looksLikeDicom(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  char magic[4] = {};
  in.seekg(128);
  if (in.read(magic, 4) && std::string(magic, 4) == "DICM") return true;
  const std::string l = lower(file.filename().string());
  return endsWith(l, ".dcm") || endsWith(l, ".ima");
}

bool holdsDicomDirectly(const fs::path& folder) {
  std::error_code ec;
  int checked = 0;
  for (const auto& e : fs::directory_iterator(folder, ec)) {
    if (!e.is_regular_file(ec)) continue;
    if (looksLikeDicom(e.path())) return true;
    if (++checked > 64) break;
  }
  return false;
}

void collectDicomFolders(const fs::path& folder, std::vector<fs::path>& out, int depth) {
  if (holdsDicomDirectly(folder)) {
    out.push_back(folder);
    return;
  }
  if (depth > 6) return;
  std::error_code ec;
  std::vector<fs::path> children;
  for (const auto& e : fs::directory_iterator(folder, ec))
    if (e.is_directory(ec) && e.path().filename().string().rfind('.', 0) != 0) children.push_back(e.path());
  std::sort(children.begin(), children.end());
  for (const auto& c : children)
    collectDicomFolders(c, out, depth + 1);
}

} // namespace

CaseInput resolveCase(const fs::path& path, const std::string& modality) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error(ErrorKind::InvalidInput, "input not found: " + path.string());
  CaseInput c;
  c.path = path;
  if (!fs::is_directory(path, ec)) {
    c.kind = CaseKind::ImageFile;
    c.image = path;
    const std::string stem = volumeStem(path.filename().string());
    c.id = stem.empty() ? path.stem().string() : stem;
    return c;
  }
  fs::path clean = path;
  if (clean.filename().empty()) clean = clean.parent_path(); // "case/" -> "case"
  c.id = clean.filename().string();
  const auto volumes = volumesIn(path);
  if (isBratsFolder(volumes)) {
    c.kind = CaseKind::BratsCase;
    c.truth = findModality(volumes, "seg");
    if (!modality.empty()) {
      const std::string m = lower(modality);
      c.image = findModality(volumes, m);
      if (c.image.empty())
        throw Error(ErrorKind::InvalidInput, "BraTS case " + c.id + " has no " + modality + " volume");
      c.modality = m;
    } else {
      for (const auto& m : defaultBratsModalities()) {
        c.image = findModality(volumes, m);
        if (!c.image.empty()) {
          c.modality = m;
          break;
        }
      }
    }
    return c;
  }
  c.kind = CaseKind::DicomSeries;
  c.image = path;
  return c;
}

std::vector<CaseInput> findCases(const fs::path& folder, const std::string& modality) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) throw Error(ErrorKind::InvalidInput, "not a folder: " + folder.string());
  std::vector<CaseInput> cases;
  std::vector<fs::path> entries;
  for (const auto& e : fs::directory_iterator(folder, ec)) {
    if (e.path().filename().string().rfind('.', 0) == 0) continue; // hidden, and our own temporary files
    entries.push_back(e.path());
  }
  std::sort(entries.begin(), entries.end());
  for (const auto& p : entries) {
    if (fs::is_regular_file(p, ec)) {
      const std::string stem = volumeStem(p.filename().string());
      if (stem.empty() || isSegmentationStem(stem)) continue;
      cases.push_back(resolveCase(p, modality));
    } else if (fs::is_directory(p, ec)) {
      const auto volumes = volumesIn(p);
      if (isBratsFolder(volumes)) {
        cases.push_back(resolveCase(p, modality));
        continue;
      }
      std::vector<fs::path> dicomFolders;
      collectDicomFolders(p, dicomFolders, 0);
      for (const auto& d : dicomFolders) {
        CaseInput c = resolveCase(d, modality);
        // A nested series folder is named by its path below `folder` so that ids stay meaningful and unique.
        std::string id = fs::relative(d, folder, ec).generic_string();
        std::replace(id.begin(), id.end(), '/', '_');
        if (!id.empty()) c.id = id;
        cases.push_back(std::move(c));
      }
    }
  }
  // Unique ids (a.nii and a.nii.gz side by side would otherwise share an output folder).
  std::map<std::string, int> seen;
  for (auto& c : cases) {
    const int n = seen[c.id]++;
    if (n > 0) c.id += "_" + std::to_string(n + 1);
  }
  std::sort(cases.begin(), cases.end(), [](const CaseInput& a, const CaseInput& b) { return a.id < b.id; });
  return cases;
}

std::uint64_t fnv1a64(const void* bytes, std::size_t size, std::uint64_t state) {
  const auto* p = static_cast<const unsigned char*>(bytes);
  for (std::size_t i = 0; i < size; ++i) {
    state ^= p[i];
    state *= 0x100000001b3ULL;
  }
  return state;
}

std::string toHex64(std::uint64_t value) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(value));
  return buf;
}

std::string fingerprintPath(const fs::path& path) {
  std::error_code ec;
  std::vector<fs::path> files;
  if (fs::is_directory(path, ec)) {
    for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
      if (it->is_regular_file(ec)) files.push_back(it->path());
    std::sort(files.begin(), files.end());
  } else {
    files.push_back(path);
  }
  std::uint64_t h = fnvOffsetBasis();
  std::vector<char> buffer(1 << 20);
  for (const auto& f : files) {
    const std::string rel = fs::is_directory(path, ec) ? fs::relative(f, path, ec).generic_string() : "";
    h = fnv1a64(rel.data(), rel.size(), h);
    std::ifstream in(f, std::ios::binary);
    if (!in) throw Error(ErrorKind::Io, "cannot read " + f.string());
    std::uint64_t size = 0;
    while (in) {
      in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      const auto n = static_cast<std::size_t>(in.gcount());
      h = fnv1a64(buffer.data(), n, h);
      size += n;
    }
    h = fnv1a64(&size, sizeof size, h);
  }
  return toHex64(h);
}

} // namespace strega::pipeline
