#include "strega/pipeline/CaseRunner.h"

#include "strega/core/AtomicOutput.h"
#include "strega/core/Error.h"
#include "strega/core/SystemMemory.h"
#include "strega/core/Version.h"
#include "strega/io/DicomSegWriter.h"
#include "strega/io/ImageReader.h"
#include "strega/io/ImageWriter.h"
#include "strega/model/CceVae.h"
#include "strega/pipeline/AtlasRegions.h"
#include "strega/postprocess/Threshold.h"
#include "strega/preprocess/Resample.h"
#include "strega/preprocess/TissueSegmentation.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <set>
#include <type_traits>
#include <unistd.h>

namespace strega::pipeline {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kDefaultModelFile = "strega-compact-colin27.pt";

/// Times one stage into `timings` (RAII), so that every early exit still leaves a consistent record.
class StageClock {
public:
  StageClock(std::vector<CaseStageTiming>& timings, std::string stage)
    : m_timings(timings), m_stage(std::move(stage)), m_start(std::chrono::steady_clock::now()) {}
  ~StageClock() {
    m_timings.push_back({m_stage, std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count()});
  }
  StageClock(const StageClock&) = delete;
  StageClock& operator=(const StageClock&) = delete;

private:
  std::vector<CaseStageTiming>& m_timings;
  std::string m_stage;
  std::chrono::steady_clock::time_point m_start;
};

const char* contrastName(preprocess::Contrast c) {
  switch (c) {
  case preprocess::Contrast::T1: return "t1";
  case preprocess::Contrast::T2: return "t2";
  case preprocess::Contrast::Auto: return "auto";
  }
  return "auto";
}

const char* registrationName(preprocess::RegistrationMode m) {
  switch (m) {
  case preprocess::RegistrationMode::Auto: return "auto";
  case preprocess::RegistrationMode::Register: return "register";
  case preprocess::RegistrationMode::Skip: return "skip";
  }
  return "auto";
}

preprocess::RegistrationMode parseRegistration(const std::string& s) {
  if (s == "auto") return preprocess::RegistrationMode::Auto;
  if (s == "register") return preprocess::RegistrationMode::Register;
  if (s == "skip") return preprocess::RegistrationMode::Skip;
  throw Error(ErrorKind::InvalidArgument, "registration must be auto, register or skip (got '" + s + "')");
}

json optionsJson(const RunOptions& o) {
  json j;
  j["series_uid"] = o.seriesUid;
  j["modality"] = o.modality;
  j["model"] = o.modelPath.string();
  j["preprocess"] = {{"registration", registrationName(o.preprocess.registrationMode)},
                     {"deformable", o.preprocess.registration.deformable},
                     {"refine_brain_mask", o.preprocess.brainExtraction.refine},
                     {"n4", o.preprocess.n4.enabled},
                     {"n4_shrink", o.preprocess.n4.shrinkFactor},
                     {"contrast", contrastName(o.preprocess.tissue.contrast)},
                     {"mrf_beta", o.preprocess.tissue.mrfBeta},
                     {"partial_volume", o.preprocess.tissue.partialVolume}};
  j["inference"] = {{"device", o.inference.device},   {"batch_size", o.inference.batchSize},
                    {"samples", o.inference.samples}, {"seed", o.inference.seed},
                    {"threads", o.inference.threads}, {"precision", model::toString(o.inference.precision)}};
  j["residual"] = {{"positive_only", o.residual.positiveOnly},
                   {"saturate_above", o.residual.saturateAbove},
                   {"score", postprocess::toString(o.residual.score)},
                   {"combi_smoothing_mm", o.residual.combiSmoothingMm}};
  j["postprocess"] = {{"threshold", o.postprocess.fixedThreshold ? json(*o.postprocess.fixedThreshold) : json()},
                      {"otsu_inside_brain", o.postprocess.otsuInsideBrain},
                      {"otsu_bins", o.postprocess.otsuBins},
                      {"smoothing_mm", o.postprocess.smoothingMm},
                      {"min_area_mm2", o.postprocess.minAreaMm2},
                      {"fill_holes", o.postprocess.fillHoles},
                      {"opening_radius_mm", o.postprocess.openingRadiusMm}};
  j["outputs"] = {{"html_report", o.htmlReport}, {"dicom_seg", o.dicomSeg}};
  j["resources"] = {{"max_memory_mb", o.maxMemoryMb}};
  return j;
}

/// Keys that change what a case produces: the fingerprint of a batch's "same config" test. Device, threads,
/// batch size and the output switches do not change the mask and are left out (their results are equal).
json resultDefiningJson(const RunOptions& o) {
  json j = optionsJson(o);
  j["inference"].erase("device");
  j["inference"].erase("threads");
  j["inference"].erase("batch_size");
  j.erase("outputs");
  j.erase("resources");
  j.erase("model"); // compared by content (model fingerprint), not by how its path was spelled
  return j;
}

/// True when the JSON value is an integer that T holds (nlohmann's get<int>() would convert 1e300 by a cast whose
/// result is undefined, and a negative count would wrap around into an unsigned one).
template <typename T> bool fitsInteger(const json& v) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>() <= std::uint64_t(std::numeric_limits<T>::max());
  if (!v.is_number_integer()) return false;
  const std::int64_t n = v.get<std::int64_t>();
  if (n < 0) return std::is_signed_v<T> && n >= std::int64_t(std::numeric_limits<T>::min());
  return std::uint64_t(n) <= std::uint64_t(std::numeric_limits<T>::max());
}

// A ball of 10 mm radius already holds ~4,200 voxels at 1 mm; findings thinner than 20 mm would all vanish.
constexpr double kMaxOpeningRadiusMm = 10.0;

template <typename T> void take(const json& obj, const char* key, T& value, const std::string& where) {
  if (!obj.contains(key)) return;
  const json& v = obj.at(key);
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    if (!fitsInteger<T>(v))
      throw Error(ErrorKind::InvalidArgument, "config: '" + where + key + "' must be an integer from " +
                                                std::to_string(std::numeric_limits<T>::min()) + " to " +
                                                std::to_string(std::numeric_limits<T>::max()));
  }
  try {
    value = v.get<T>();
  } catch (const json::exception&) {
    throw Error(ErrorKind::InvalidArgument, "config: '" + where + key + "' has the wrong type");
  }
}

void checkKeys(const json& obj, const std::vector<std::string>& allowed, const std::string& where) {
  if (!obj.is_object()) throw Error(ErrorKind::InvalidArgument, "config: '" + where + "' must be an object");
  for (const auto& [key, value] : obj.items())
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      throw Error(ErrorKind::InvalidArgument, "config: unknown key '" + where + key + "'");
}

fs::path executableDir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

} // namespace

// Hashed once per path, size and time: 14 MB per case would add up in a batch.
std::string modelFileFingerprint(const fs::path& path) {
  static std::mutex mutex;
  static std::map<std::string, std::string> cache;
  std::lock_guard lock(mutex);
  std::error_code ec;
  const std::string key = fs::absolute(path, ec).string() + "|" + std::to_string(fs::file_size(path, ec)) + "|" +
                          std::to_string(fs::last_write_time(path, ec).time_since_epoch().count());
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  return cache[key] = fingerprintPath(path);
}

namespace {

json geometryObject(const ImageGeometry& g) {
  json direction = json::array();
  for (int r = 0; r < 3; ++r)
    direction.push_back({g.direction[r * 3], g.direction[r * 3 + 1], g.direction[r * 3 + 2]});
  return {{"size", {g.size[0], g.size[1], g.size[2]}},
          {"spacing_mm", {g.spacingMm[0], g.spacingMm[1], g.spacingMm[2]}},
          {"origin_mm_lps", {g.originMm[0], g.originMm[1], g.originMm[2]}},
          {"direction", direction},
          {"orientation", g.orientationCode()}};
}

/// Shared, lazily loaded atlas labels (HarvardOxford/JHU/AAL) for naming findings; null when unavailable.
const AtlasRegions* sharedRegions() {
  static std::once_flag once;
  static std::unique_ptr<AtlasRegions> regions;
  std::call_once(once, [] {
    try {
      regions = std::make_unique<AtlasRegions>();
    } catch (const Error&) {
      regions.reset();
    }
  });
  return regions.get();
}

} // namespace

std::string runOptionsToJson(const RunOptions& options) { return optionsJson(options).dump(2); }

std::string configFingerprint(const RunOptions& options) {
  const std::string text = resultDefiningJson(options).dump();
  return toHex64(fnv1a64(text.data(), text.size(), fnvOffsetBasis()));
}

void applyRunOptionsJson(const std::string& text, RunOptions& o) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw Error(ErrorKind::InvalidArgument, "config is not valid JSON", e.what());
  }
  checkKeys(
    j,
    {"series_uid", "modality", "model", "preprocess", "inference", "residual", "postprocess", "outputs", "resources"},
    "");
  take(j, "series_uid", o.seriesUid, "");
  take(j, "modality", o.modality, "");
  if (j.contains("model")) {
    std::string m;
    take(j, "model", m, "");
    o.modelPath = m;
  }
  if (j.contains("preprocess")) {
    const json& p = j["preprocess"];
    checkKeys(
      p,
      {"registration", "deformable", "refine_brain_mask", "n4", "n4_shrink", "contrast", "mrf_beta", "partial_volume"},
      "preprocess.");
    std::string s;
    if (p.contains("registration")) {
      take(p, "registration", s, "preprocess.");
      o.preprocess.registrationMode = parseRegistration(s);
    }
    if (p.contains("contrast")) {
      take(p, "contrast", s, "preprocess.");
      o.preprocess.tissue.contrast = preprocess::parseContrast(s);
    }
    take(p, "deformable", o.preprocess.registration.deformable, "preprocess.");
    take(p, "refine_brain_mask", o.preprocess.brainExtraction.refine, "preprocess.");
    take(p, "n4", o.preprocess.n4.enabled, "preprocess.");
    take(p, "n4_shrink", o.preprocess.n4.shrinkFactor, "preprocess.");
    take(p, "mrf_beta", o.preprocess.tissue.mrfBeta, "preprocess.");
    take(p, "partial_volume", o.preprocess.tissue.partialVolume, "preprocess.");
  }
  if (j.contains("inference")) {
    const json& p = j["inference"];
    checkKeys(p, {"device", "batch_size", "samples", "seed", "threads", "precision"}, "inference.");
    take(p, "device", o.inference.device, "inference.");
    take(p, "batch_size", o.inference.batchSize, "inference.");
    take(p, "samples", o.inference.samples, "inference.");
    take(p, "seed", o.inference.seed, "inference.");
    take(p, "threads", o.inference.threads, "inference.");
    if (p.contains("precision")) {
      std::string s;
      take(p, "precision", s, "inference.");
      o.inference.precision = model::parsePrecision(s);
    }
  }
  if (j.contains("residual")) {
    const json& p = j["residual"];
    checkKeys(p, {"positive_only", "saturate_above", "score", "combi_smoothing_mm"}, "residual.");
    take(p, "positive_only", o.residual.positiveOnly, "residual.");
    take(p, "saturate_above", o.residual.saturateAbove, "residual.");
    if (p.contains("score")) {
      std::string s;
      take(p, "score", s, "residual.");
      o.residual.score = postprocess::parseScoreKind(s);
    }
    take(p, "combi_smoothing_mm", o.residual.combiSmoothingMm, "residual.");
    if (!(o.residual.combiSmoothingMm >= 0.0 && o.residual.combiSmoothingMm <= 20.0))
      throw Error(ErrorKind::InvalidArgument, "residual.combi_smoothing_mm must be from 0 to 20 mm");
  }
  if (j.contains("postprocess")) {
    const json& p = j["postprocess"];
    checkKeys(p,
              {"threshold", "otsu_inside_brain", "otsu_bins", "min_area_mm2", "smoothing_mm", "fill_holes",
               "opening_radius_mm"},
              "postprocess.");
    if (p.contains("threshold")) {
      if (p["threshold"].is_null())
        o.postprocess.fixedThreshold.reset();
      else {
        double t = 0.0;
        take(p, "threshold", t, "postprocess.");
        o.postprocess.fixedThreshold = t;
      }
    }
    take(p, "otsu_inside_brain", o.postprocess.otsuInsideBrain, "postprocess.");
    take(p, "otsu_bins", o.postprocess.otsuBins, "postprocess.");
    take(p, "min_area_mm2", o.postprocess.minAreaMm2, "postprocess.");
    take(p, "smoothing_mm", o.postprocess.smoothingMm, "postprocess.");
    take(p, "fill_holes", o.postprocess.fillHoles, "postprocess.");
    take(p, "opening_radius_mm", o.postprocess.openingRadiusMm, "postprocess.");
    if (!(o.postprocess.openingRadiusMm >= 0.0 && o.postprocess.openingRadiusMm <= kMaxOpeningRadiusMm))
      throw Error(ErrorKind::InvalidArgument, "postprocess.opening_radius_mm must be from 0 to " +
                                                std::to_string(static_cast<int>(kMaxOpeningRadiusMm)) + " mm");
  }
  if (j.contains("outputs")) {
    const json& p = j["outputs"];
    checkKeys(p, {"html_report", "dicom_seg"}, "outputs.");
    take(p, "html_report", o.htmlReport, "outputs.");
    take(p, "dicom_seg", o.dicomSeg, "outputs.");
  }
  if (j.contains("resources")) {
    const json& p = j["resources"];
    checkKeys(p, {"max_memory_mb"}, "resources.");
    take(p, "max_memory_mb", o.maxMemoryMb, "resources.");
    if (!(o.maxMemoryMb >= 0.0)) throw Error(ErrorKind::InvalidArgument, "resources.max_memory_mb must be >= 0");
  }
}

std::uint64_t estimatePeakMemoryBytes(const ImageGeometry& native) {
  // Measured peaks (bench/pipeline/memory_bench.py, 2026-11-26): 769 MiB for 7.1 M voxels (Colin27, 1 mm) and
  // 1339 MiB for 35.2 M voxels (0.5 mm), i.e. ~625 MiB + ~21 bytes per native voxel.
  constexpr std::uint64_t fixedBytes = 750ull << 20;
  constexpr std::uint64_t bytesPerVoxel = 26;
  return fixedBytes + bytesPerVoxel * static_cast<std::uint64_t>(native.voxelCount());
}

fs::path defaultModelPath() {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("STREGA_MODEL"); env && *env) candidates.emplace_back(env);
  // Installed: <prefix>/bin/strega-cli and <prefix>/share/strega/models. Build tree: the build copies the model
  // to <build>/share/strega/models, a few folders above the executables (app/cli, tests/cli, bench/...).
  fs::path dir = executableDir();
  for (int up = 0; up < 4 && !dir.empty(); ++up, dir = dir.parent_path()) {
    candidates.push_back(dir.parent_path() / "share" / "strega" / "models" / kDefaultModelFile);
    if (dir == dir.parent_path()) break;
  }
  std::error_code ec;
  for (const auto& c : candidates)
    if (fs::is_regular_file(c, ec)) return c;
  throw Error(ErrorKind::Model, "no model found: set --model or STREGA_MODEL (the default model " +
                                  std::string(kDefaultModelFile) + " is installed with strega in share/strega/models)");
}

namespace {

/// Refuse up front, with the figure, a case that would not fit in memory (options.maxMemoryMb, else what is
/// available now next to what this process already holds).
void checkMemory(const ImageGeometry& native, const RunOptions& options, CaseResult& r) {
  r.memoryEstimateBytes = estimatePeakMemoryBytes(native);
  const double needed = static_cast<double>(r.memoryEstimateBytes);
  const std::string size =
    std::to_string(native.size[0]) + " x " + std::to_string(native.size[1]) + " x " + std::to_string(native.size[2]);
  if (options.maxMemoryMb > 0.0) {
    const double limit = options.maxMemoryMb * 1024.0 * 1024.0;
    if (needed > limit)
      throw Error(ErrorKind::Unsupported, "screening this image (" + size + " voxels) needs about " +
                                            formatBytes(needed) + " of memory, more than the limit of " +
                                            formatBytes(limit) + " (--max-memory)");
    return;
  }
  const std::uint64_t available = availableMemoryBytes();
  if (available == 0) return; // unknown: no procfs
  const double usable = static_cast<double>(available) + static_cast<double>(residentMemoryBytes());
  if (needed > usable)
    throw Error(ErrorKind::Unsupported, "screening this image (" + size + " voxels) needs about " +
                                          formatBytes(needed) + " of memory; only " + formatBytes(usable) +
                                          " is available");
}

} // namespace

CaseResult runCase(const CaseInput& input, model::CceVae& cceVae, const RunOptions& options, ProgressScope& progress) {
  const auto started = std::chrono::steady_clock::now();
  CaseResult r;
  r.input = input;
  r.optionsJson = resultDefiningJson(options).dump();
  if (!options.modelPath.empty()) {
    r.modelPath = options.modelPath.string();
    r.modelFingerprint = modelFileFingerprint(options.modelPath);
  }
  if (input.kind == CaseKind::BratsCase && input.image.empty())
    throw Error(ErrorKind::InvalidInput,
                "BraTS case " + input.id + " holds none of the modalities t2, flair, t1, t1ce");

  io::LoadedImage loaded;
  {
    StageClock clock(r.timings, "load");
    ProgressScope stage(progress, "load", 0.0, 0.04);
    r.inputFingerprint = fingerprintPath(input.image);
    io::ReadOptions read;
    read.seriesUid = options.seriesUid;
    loaded = io::readImage(input.image, read, &stage);
    r.inputFormat = loaded.info.format;
    r.dicomSeries = loaded.dicomSeries;
    for (const auto& w : loaded.info.warnings) {
      r.warnings.push_back("input: " + w);
      stage.warn(w); // e.g. a missing slice filled by interpolation: the user must hear of it, not only the report
    }
  }
  checkMemory(loaded.image.geometry(), options, r);

  preprocess::PreprocessResult pre;
  {
    StageClock clock(r.timings, "preprocess");
    ProgressScope stage(progress, "preprocess", 0.04, 0.70);
    pre = preprocess::preprocess(loaded.image, options.preprocess, stage);
    for (const auto& w : pre.warnings)
      r.warnings.push_back(w);
    for (const auto& t : pre.timings)
      r.timings.push_back({"preprocess/" + t.stage, t.seconds});
  }

  const ImageF modelInput = preprocess::tissueToModelInput(pre.tissue.labels);
  model::Reconstruction reconstruction;
  {
    StageClock clock(r.timings, "model");
    ProgressScope stage(progress, "model", 0.70, 0.88);
    model::InferenceOptions inference = options.inference;
    inference.klGradient = options.residual.score == postprocess::ScoreKind::Combi;
    reconstruction = model::reconstructVolume(cceVae, modelInput, inference, &stage);
    r.device = reconstruction.device;
  }

  postprocess::PostprocessResult post;
  ImageF workingScore;
  {
    StageClock clock(r.timings, "postprocess");
    ProgressScope stage(progress, "postprocess", 0.88, 0.94);
    workingScore =
      options.residual.score == postprocess::ScoreKind::Combi
        ? postprocess::combiScore(modelInput, reconstruction.image, reconstruction.klGradient, options.residual)
        : postprocess::residualMap(modelInput, reconstruction.image, options.residual);
    post = postprocess::postprocess(workingScore, pre.workingBrainMask, options.postprocess, &stage);
    r.threshold = post.threshold;
    r.thresholdMethod = options.postprocess.fixedThreshold ? "fixed" : "Otsu";
  }

  {
    StageClock clock(r.timings, "map to input grid");
    ProgressScope stage(progress, "map back", 0.94, 1.0);
    const ImageGeometry& native = pre.nativeGeometry;
    if (pre.registered) {
      r.mask = preprocess::mapMaskToNative(post.mask, pre.transform, native);
      r.residual =
        preprocess::mapToNative(workingScore, pre.transform, native, preprocess::Interpolation::Linear, 0.0f);
    } else {
      r.mask = post.mask;
      r.residual = workingScore;
    }
    stage.update(0.5);
    // The score outside the brain is not evidence of anything: keep the map readable as an overlay.
    r.brainMask = pre.nativeBrainMask;
    for (std::size_t n = 0; n < r.residual.voxelCount(); ++n)
      if (!r.brainMask[n]) r.residual[n] = 0.0f;
    postprocess::applyGate(r.mask, r.brainMask);
    r.tissue = pre.nativeTissue;

    LabelMap components;
    r.findings = postprocess::findComponents(r.mask, r.residual, &components);
    // Regions: the findings' voxels taken into atlas space, where the HarvardOxford/JHU/AAL labels live. Without
    // registration the working grid is the input's own (BraTS/SRI24), which is close to, but not, MNI space.
    if (const AtlasRegions* regions = sharedRegions(); regions && !r.findings.empty()) {
      const LabelMap inAtlas =
        pre.registered ? LabelMap(preprocess::resampleMaskToAtlas(components, pre.transform, pre.workingGeometry))
                       : components;
      const int named = std::min<int>(static_cast<int>(r.findings.size()), 255);
      auto shares = regions->regionShares(inAtlas, named);
      for (int i = 0; i < named; ++i) {
        auto& finding = r.findings[static_cast<std::size_t>(i)];
        finding.regions = std::move(shares[static_cast<std::size_t>(i)]);
        finding.region = finding.regions.empty() ? postprocess::kOutsideAtlasLabels : finding.regions.front().name;
      }
      if (!pre.registered)
        r.warnings.push_back("regions named in the input's own space (not registered to MNI): approximate");
    }
    stage.update(1.0);
  }

  r.nativeImage = std::move(loaded.image);
  r.registered = pre.registered;
  r.skullStrippedInput = pre.skullStrippedInput;
  r.contrast = preprocess::toString(pre.contrast);
  r.brainVolumeMl = pre.brainVolumeMl;
  r.totalSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return r;
}

void removeStaleMask(const fs::path& outdir) {
  std::error_code ec;
  fs::remove(outdir / "mask.nii.gz", ec);
  if (ec) throw Error(ErrorKind::Io, "cannot remove the earlier mask in " + outdir.string(), ec.message());
}

std::string caseReportJson(const CaseResult& r) {
  json findings = json::array();
  double totalMl = 0.0;
  for (const auto& f : r.findings) {
    totalMl += f.volumeMl;
    json regions = json::array();
    for (const auto& share : f.regions)
      regions.push_back({{"name", share.name}, {"percent", std::round(share.fraction * 1000.0) / 10.0}});
    findings.push_back({{"id", f.id},
                        {"volume_ml", f.volumeMl},
                        {"voxels", f.voxelCount},
                        {"centroid_mm", {f.centroidMm[0], f.centroidMm[1], f.centroidMm[2]}},
                        {"centroid_voxel", {f.centroidVoxel[0], f.centroidVoxel[1], f.centroidVoxel[2]}},
                        {"bounding_box_voxel",
                         {{"min", {f.boundingBoxMin[0], f.boundingBoxMin[1], f.boundingBoxMin[2]}},
                          {"max", {f.boundingBoxMax[0], f.boundingBoxMax[1], f.boundingBoxMax[2]}}}},
                        {"region", f.region},
                        {"regions", regions},
                        {"peak_score", f.peakScore},
                        {"mean_score", f.meanScore}});
  }
  json timings = json::array();
  for (const auto& t : r.timings)
    timings.push_back({{"stage", t.stage}, {"seconds", t.seconds}});
  json report = {{"tool", "strega"},
                 {"version", versionString()},
                 {"commit", gitCommit()},
                 {"case", r.input.id},
                 {"input",
                  {{"path", r.input.path.string()},
                   {"image", r.input.image.string()},
                   {"kind", toString(r.input.kind)},
                   {"modality", r.input.modality},
                   {"format", r.inputFormat},
                   {"fingerprint", r.inputFingerprint},
                   {"geometry", geometryObject(r.nativeImage.geometry())}}},
                 {"config", json::parse(r.optionsJson)},
                 {"config_fingerprint", toHex64(fnv1a64(r.optionsJson.data(), r.optionsJson.size(), fnvOffsetBasis()))},
                 {"model", {{"path", r.modelPath}, {"fingerprint", r.modelFingerprint}}},
                 {"device", r.device},
                 {"registered", r.registered},
                 {"skull_stripped_input", r.skullStrippedInput},
                 {"contrast", r.contrast},
                 {"brain_volume_ml", r.brainVolumeMl},
                 {"memory_estimate_bytes", r.memoryEstimateBytes},
                 {"threshold", r.threshold},
                 {"findings", findings},
                 {"total_volume_ml", totalMl},
                 {"stage_timings", timings},
                 {"total_seconds", r.totalSeconds},
                 {"warnings", r.warnings},
                 {"files",
                  {{"mask.nii.gz", "anomaly mask (0/1), input grid"},
                   {"residual.nii.gz", "anomaly score (residual, inside the brain), input grid"},
                   {"brain_mask.nii.gz", "brain mask, input grid"},
                   {"tissue.nii.gz", "tissue labels 0 background, 1 CSF, 2 GM, 3 WM, input grid"}}}};
  if (r.dicomSeries) report["files"]["seg.dcm"] = "DICOM Segmentation of the mask, referencing the source series";
  return report.dump(2) + "\n";
}

void writeCaseOutputs(CaseResult& r, const fs::path& outdir, const RunOptions& options, const CaseExtraWriter& extra,
                      ProgressScope* progress) {
  std::error_code ec;
  fs::create_directories(outdir, ec);
  if (ec) throw Error(ErrorKind::Io, "cannot create the output folder " + outdir.string(), ec.message());
  removeStaleMask(outdir);
  // The outputs this call writes, removed again if a later one fails: a full disk must not leave half a case
  // (earlier outputs of the same names are stale anyway once the mask is gone).
  const std::vector<std::string> names = {"tissue.nii.gz", "brain_mask.nii.gz", "residual.nii.gz",
                                          "seg.dcm",       "report.json",       "mask.nii.gz"};
  std::vector<fs::path> extraFiles;
  try {
    io::writeMask(r.tissue, outdir / "tissue.nii.gz");
    if (progress) progress->update(0.15);
    io::writeMask(r.brainMask, outdir / "brain_mask.nii.gz");
    io::writeImage(r.residual, outdir / "residual.nii.gz");
    if (progress) progress->update(0.4);
    if (options.dicomSeg && r.inputFormat.rfind("DICOM", 0) == 0) {
      if (r.dicomSeries) {
        io::writeDicomSeg(r.mask, *r.dicomSeries, outdir / "seg.dcm");
      } else {
        r.warnings.push_back("seg.dcm not written: the series was resampled on loading (uneven or missing slices), "
                             "so the mask's slices do not correspond to source images");
      }
    }
    if (progress) progress->update(0.5);
    if (extra) {
      std::set<fs::path> before;
      for (fs::directory_iterator it(outdir, ec), end; !ec && it != end; it.increment(ec))
        before.insert(it->path());
      try {
        for (auto& w : extra(r, outdir))
          r.warnings.push_back(std::move(w));
      } catch (...) {
        for (fs::directory_iterator it(outdir, ec), end; !ec && it != end; it.increment(ec))
          if (!before.count(it->path())) extraFiles.push_back(it->path());
        throw;
      }
      for (fs::directory_iterator it(outdir, ec), end; !ec && it != end; it.increment(ec))
        if (!before.count(it->path())) extraFiles.push_back(it->path());
    }
    if (progress) progress->update(0.85);
    writeFileAtomically(outdir / "report.json", caseReportJson(r));
    // Last: the mask is the sign that the case is complete (see the header).
    io::writeMask(r.mask, outdir / "mask.nii.gz");
  } catch (...) {
    std::error_code ignored;
    for (const auto& name : names)
      fs::remove(outdir / name, ignored);
    for (const auto& file : extraFiles)
      fs::remove_all(file, ignored);
    throw;
  }
  if (progress) progress->update(1.0);
}

std::string geometryJson(const ImageGeometry& geometry) { return geometryObject(geometry).dump(); }

} // namespace strega::pipeline
