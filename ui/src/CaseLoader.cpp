#include "strega/ui/CaseLoader.h"

#include "strega/core/Error.h"
#include "strega/io/ImageReader.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <map>
#include <regex>

namespace fs = std::filesystem;

namespace strega::ui {

const char* toString(InputKind kind) {
  switch (kind) {
  case InputKind::ImageFile: return "image file";
  case InputKind::ImageFolder: return "image folder";
  case InputKind::BratsCase: return "BraTS case";
  case InputKind::RunOutput: return "run output";
  }
  return "?";
}

namespace {

bool isRunOutputFolder(const fs::path& folder) {
  std::error_code ec;
  if (!fs::is_regular_file(folder / "report.json", ec)) return false;
  for (const char* name : {"mask.nii.gz", "residual.nii.gz", "brain_mask.nii.gz", "tissue.nii.gz"})
    if (fs::is_regular_file(folder / name, ec)) return true;
  return false;
}

/// A key in snake_case or camelCase.
const nlohmann::json* member(const nlohmann::json& object, std::initializer_list<const char*> names) {
  if (!object.is_object()) return nullptr;
  for (const char* name : names) {
    auto it = object.find(name);
    if (it != object.end() && !it->is_null()) return &*it;
  }
  return nullptr;
}

double numberOr(const nlohmann::json& object, std::initializer_list<const char*> names, double fallback) {
  const nlohmann::json* value = member(object, names);
  return value && value->is_number() ? value->get<double>() : fallback;
}

std::shared_ptr<const Mask> readMask(const fs::path& path, ProgressScope* progress) {
  auto loaded = io::readImage(path, {}, progress);
  return std::make_shared<const Mask>(toMask(loaded.image));
}

} // namespace

InputKind classifyInput(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error(ErrorKind::Io, "the path does not exist: " + path.string());
  if (fs::is_directory(path, ec)) {
    if (isRunOutputFolder(path)) return InputKind::RunOutput;
    if (findBratsFiles(path)) return InputKind::BratsCase;
    return InputKind::ImageFolder;
  }
  if (path.filename() == "report.json") return InputKind::RunOutput;
  return InputKind::ImageFile;
}

RunReport readRunReport(const fs::path& reportJson) {
  std::ifstream in(reportJson);
  if (!in) throw Error(ErrorKind::Io, "cannot read " + reportJson.string());
  nlohmann::json root;
  try {
    root = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorKind::InvalidInput, "report.json is not valid JSON", e.what());
  }
  RunReport report;
  const nlohmann::json* input = member(root, {"input", "input_path", "inputPath"});
  if (input && input->is_string()) {
    report.input = input->get<std::string>();
  } else if (input && input->is_object()) {
    if (const nlohmann::json* p = member(*input, {"path"}); p && p->is_string()) report.input = p->get<std::string>();
    if (const nlohmann::json* s = member(*input, {"series_uid", "seriesUid"}); s && s->is_string())
      report.seriesUid = s->get<std::string>();
  }
  if (report.input.empty())
    throw Error(ErrorKind::InvalidInput, "report.json does not name the input image", reportJson.string());
  if (report.input.is_relative()) report.input = reportJson.parent_path() / report.input;

  if (const nlohmann::json* t = member(root, {"threshold"}); t && t->is_number()) report.threshold = t->get<double>();
  if (const nlohmann::json* post = member(root, {"postprocess", "postprocessing"}))
    if (const nlohmann::json* t = member(*post, {"threshold"}); t && t->is_number())
      report.threshold = t->get<double>();

  const nlohmann::json* findings = member(root, {"findings", "lesions"});
  if (findings && findings->is_array()) {
    int ordinal = 0;
    for (const nlohmann::json& f : *findings) {
      ++ordinal;
      if (!f.is_object()) continue;
      Finding finding;
      finding.id = static_cast<int>(numberOr(f, {"id"}, ordinal));
      finding.volumeMl = numberOr(f, {"volume_ml", "volumeMl"}, 0.0);
      finding.peakScore = numberOr(f, {"peak_score", "peakScore"}, 0.0);
      if (const nlohmann::json* r = member(f, {"region"}); r && r->is_string()) finding.region = r->get<std::string>();
      if (const nlohmann::json* shares = member(f, {"regions"}); shares && shares->is_array())
        for (const nlohmann::json& share : *shares)
          if (share.is_object() && share.contains("name") && share["name"].is_string())
            finding.regions.push_back({share["name"].get<std::string>(), numberOr(share, {"percent"}, 0.0) / 100.0});
      if (const nlohmann::json* c = member(f, {"centroid_mm", "centroidMm", "centroid_lps_mm"});
          c && c->is_array() && c->size() == 3 &&
          std::all_of(c->begin(), c->end(), [](auto& v) { return v.is_number(); }))
        finding.centroidMm = Vec3{(*c)[0].get<double>(), (*c)[1].get<double>(), (*c)[2].get<double>()};
      report.findings.push_back(std::move(finding));
    }
  }
  return report;
}

std::optional<BratsFiles> findBratsFiles(const fs::path& folder) {
  // BraTS 2018-2021: <case>_t1.nii.gz, _t1ce, _t2, _flair, _seg. BraTS 2023: <case>-t1n, -t1c, -t2w, -t2f, -seg.
  static const std::regex pattern(R"((.+)[_-](t1|t1ce|t1c|t1n|t2|t2w|t2f|flair|seg)\.nii(\.gz)?)", std::regex::icase);
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return std::nullopt;
  std::map<std::string, fs::path> byContrast;
  std::string caseId;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    if (!entry.is_regular_file(ec)) continue;
    std::smatch m;
    const std::string name = entry.path().filename().string();
    if (!std::regex_match(name, m, pattern)) continue;
    std::string contrast = m[2].str();
    std::transform(contrast.begin(), contrast.end(), contrast.begin(), [](unsigned char c) { return std::tolower(c); });
    byContrast[contrast] = entry.path();
    caseId = m[1].str();
  }
  BratsFiles files;
  files.caseId = caseId;
  // T2 first (the StRegA BraTS evaluation uses T2w), then FLAIR, T1, T1ce.
  for (const char* contrast : {"t2", "t2w", "flair", "t2f", "t1", "t1n", "t1ce", "t1c"}) {
    if (auto it = byContrast.find(contrast); it != byContrast.end()) {
      files.image = it->second;
      files.contrast = contrast;
      break;
    }
  }
  if (files.image.empty()) return std::nullopt;
  if (auto it = byContrast.find("seg"); it != byContrast.end()) files.segmentation = it->second;
  return files;
}

Mask toMask(const ImageF& image) {
  Mask mask(image.geometry());
  const std::size_t n = image.voxelCount();
  for (std::size_t i = 0; i < n; ++i) {
    const float v = image[i];
    mask[i] = std::isfinite(v) ? static_cast<std::uint8_t>(std::clamp(std::lround(v), 0L, 255L)) : 0;
  }
  return mask;
}

LoadedCase loadCase(const LoadRequest& request, ProgressScope* progress) {
  LoadedCase result;
  result.source = request.path;
  result.kind = classifyInput(request.path);

  auto readMain = [&](const fs::path& path, const std::string& seriesUid, double end) {
    io::ReadOptions options;
    options.seriesUid = seriesUid;
    io::LoadedImage loaded;
    if (progress) {
      ProgressScope scope(*progress, "read image", 0.0, end);
      loaded = io::readImage(path, options, &scope);
    } else {
      loaded = io::readImage(path, options);
    }
    result.imagePath = path;
    result.info = std::move(loaded.info);
    result.dicomSeries = std::move(loaded.dicomSeries);
    result.image = std::make_shared<const ImageF>(std::move(loaded.image));
    for (const std::string& w : result.info.warnings)
      result.warnings.push_back(w);
  };
  // An optional overlay: skipped when absent, a warning when unreadable.
  auto readOverlay = [&](const fs::path& path, auto assign) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return;
    try {
      assign(path);
    } catch (const Error& e) {
      result.warnings.push_back(path.filename().string() + ": " + e.userMessage());
    }
  };

  switch (result.kind) {
  case InputKind::ImageFile:
  case InputKind::ImageFolder:
    readMain(request.path, request.seriesUid, 1.0);
    result.title = request.path.filename().string();
    if (!result.info.description.empty() && result.kind == InputKind::ImageFolder)
      result.title += " - " + result.info.description;
    break;
  case InputKind::BratsCase: {
    const auto files = findBratsFiles(request.path);
    readMain(files->image, {}, 0.7);
    result.title = files->caseId + " (" + files->contrast + ")";
    if (files->segmentation)
      readOverlay(*files->segmentation, [&](const fs::path& p) { result.reference = readMask(p, nullptr); });
    break;
  }
  case InputKind::RunOutput: {
    const fs::path folder = fs::is_directory(request.path) ? request.path : request.path.parent_path();
    const RunReport report = readRunReport(folder / "report.json");
    std::error_code ec;
    if (!fs::exists(report.input, ec))
      throw Error(ErrorKind::InvalidInput,
                  "the input image named in report.json was not found: " + report.input.string());
    readMain(report.input, report.seriesUid, 0.5);
    result.hasReport = true;
    result.findings = report.findings;
    result.scoreThreshold = report.threshold;
    result.title = folder.filename().string();
    result.outputFolder = folder;
    readOverlay(folder / "residual.nii.gz",
                [&](const fs::path& p) { result.residual = std::make_shared<const ImageF>(io::readImage(p).image); });
    if (progress) progress->update(0.65);
    readOverlay(folder / "mask.nii.gz", [&](const fs::path& p) { result.anomalyMask = readMask(p, nullptr); });
    if (progress) progress->update(0.75);
    readOverlay(folder / "brain_mask.nii.gz", [&](const fs::path& p) { result.brainMask = readMask(p, nullptr); });
    if (progress) progress->update(0.85);
    readOverlay(folder / "tissue.nii.gz", [&](const fs::path& p) { result.tissue = readMask(p, nullptr); });
    break;
  }
  }
  // Explicit overlays: a missing or unreadable file is a warning, as for a run output's overlays.
  for (const auto& [path, target] :
       {std::pair{&request.anomalyMask, &result.anomalyMask}, std::pair{&request.reference, &result.reference}}) {
    if (path->empty()) continue;
    std::error_code ec;
    if (!fs::is_regular_file(*path, ec))
      result.warnings.push_back(path->string() + ": the file does not exist");
    else
      readOverlay(*path, [&, target = target](const fs::path& p) { *target = readMask(p, nullptr); });
  }
  if (progress) progress->update(1.0);
  return result;
}

} // namespace strega::ui
