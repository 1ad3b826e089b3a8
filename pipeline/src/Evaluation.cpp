#include "strega/pipeline/Evaluation.h"

#include "strega/core/Error.h"
#include "strega/core/Metrics.h"
#include "strega/io/ImageReader.h"
#include "strega/pipeline/CaseInput.h"
#include "strega/postprocess/Threshold.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace strega::pipeline {
namespace {

namespace fs = std::filesystem;

const char* const kExtensions[] = {".nii.gz", ".nii"};

/// The file name without its NIfTI extension, or "" for a file that is not NIfTI.
std::string niftiStem(const fs::path& file) {
  const std::string name = file.filename().string();
  for (const char* ext : kExtensions) {
    const std::string e = ext;
    if (name.size() > e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0)
      return name.substr(0, name.size() - e.size());
  }
  return {};
}

bool isFile(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

/// The first existing `<base><ext>` for the NIfTI extensions.
fs::path existingNifti(const fs::path& base) {
  for (const char* ext : kExtensions) {
    fs::path p = base;
    p += ext;
    if (isFile(p)) return p;
  }
  return {};
}

void requireFolder(const fs::path& folder, const char* what) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec))
    throw Error(ErrorKind::Io, std::string("the ") + what + " folder " + folder.string() + " does not exist");
}

Mask readForeground(const fs::path& path) {
  const io::LoadedImage loaded = io::readImage(path);
  Mask mask(loaded.image.geometry(), 0);
  for (std::size_t n = 0; n < mask.voxelCount(); ++n)
    mask[n] = loaded.image[n] > 0.0f ? 1 : 0;
  return mask;
}

MetricSummary summary(std::vector<double> values) {
  MetricSummary s;
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }), values.end());
  s.count = values.size();
  if (values.empty()) return s;
  for (double v : values)
    s.mean += v;
  s.mean /= double(values.size());
  for (double v : values)
    s.sd += (v - s.mean) * (v - s.mean);
  s.sd = std::sqrt(s.sd / double(values.size()));
  return s;
}

} // namespace

Mask foreground(const Mask& labels) {
  Mask out(labels.geometry(), 0);
  for (std::size_t n = 0; n < labels.voxelCount(); ++n)
    out[n] = labels[n] ? 1 : 0;
  return out;
}

Mask resampleNearest(const Mask& source, const ImageGeometry& target) {
  target.validate();
  const ImageGeometry& sg = source.geometry();
  // Target index -> source continuous index is affine: q = A i + b.
  const Mat3 a = multiply(inverse(sg.indexToPhysicalMatrix()), target.indexToPhysicalMatrix());
  const Vec3 b = sg.physicalToIndex(target.originMm);
  Mask out(target, 0);
  std::size_t inside = 0;
  for (std::size_t k = 0; k < target.size[2]; ++k)
    for (std::size_t j = 0; j < target.size[1]; ++j)
      for (std::size_t i = 0; i < target.size[0]; ++i) {
        const Vec3 q = add(multiply(a, Vec3{double(i), double(j), double(k)}), b);
        const double qi = std::floor(q[0] + 0.5), qj = std::floor(q[1] + 0.5), qk = std::floor(q[2] + 0.5);
        if (!source.contains(static_cast<long long>(qi), static_cast<long long>(qj), static_cast<long long>(qk)))
          continue;
        ++inside;
        out.at(i, j, k) = source.at(std::size_t(qi), std::size_t(qj), std::size_t(qk)) ? 1 : 0;
      }
  if (inside == 0)
    throw Error(ErrorKind::InvalidInput, "the prediction and the ground truth do not overlap in physical space",
                "no target voxel centre falls inside the source grid");
  return out;
}

MaskScores scoreMasks(const Mask& predicted, const Mask& truth) {
  const Mask t = foreground(truth);
  Mask p = foreground(predicted);
  MaskScores s;
  // The prediction's volume on its own grid: what was predicted, whatever grid the truth uses.
  s.predictedVolumeMl = volumeMl(p);
  s.trueVolumeMl = volumeMl(t);
  if (!p.geometry().sameGrid(t.geometry(), 1e-3)) p = resampleNearest(p, t.geometry());
  const OverlapCounts c = countOverlap(p, t);
  s.dice = dice(c);
  s.sensitivity = sensitivity(c);
  s.precision = precision(c);
  s.hd95Mm = hausdorff95Mm(p, t);
  return s;
}

std::vector<TruthCase> findTruthCases(const fs::path& truthDir) {
  requireFolder(truthDir, "ground-truth");
  std::map<std::string, TruthCase> cases;
  std::vector<fs::path> plain;
  bool anySeg = false;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(truthDir, ec)) {
    const fs::path p = entry.path();
    const std::string name = p.filename().string();
    if (entry.is_directory(ec)) {
      for (const char* suffix : {"_seg", "-seg"}) {
        const fs::path seg = existingNifti(p / (name + suffix));
        if (!seg.empty()) {
          cases[name] = {name, seg, p};
          anySeg = true;
          break;
        }
      }
      continue;
    }
    const std::string stem = niftiStem(p);
    if (stem.empty()) continue;
    bool seg = false;
    for (const std::string suffix : {"_seg", "-seg"})
      if (stem.size() > suffix.size() && stem.compare(stem.size() - suffix.size(), suffix.size(), suffix) == 0) {
        const std::string caseName = stem.substr(0, stem.size() - suffix.size());
        if (!cases.count(caseName)) cases[caseName] = {caseName, p, truthDir};
        seg = anySeg = true;
        break;
      }
    if (!seg) plain.push_back(p);
  }
  if (ec) throw Error(ErrorKind::Io, "cannot list the ground-truth folder " + truthDir.string(), ec.message());
  // A folder of plain masks: only when nothing is named as a segmentation (else the plain files are images).
  if (!anySeg)
    for (const auto& p : plain)
      cases[niftiStem(p)] = {niftiStem(p), p, truthDir};
  if (cases.empty())
    throw Error(ErrorKind::InvalidInput, "no ground-truth masks found in " + truthDir.string() +
                                           " (expected <case>/<case>_seg.nii.gz, <case>_seg.nii.gz or <case>.nii.gz)");
  std::vector<TruthCase> out;
  for (auto& [name, c] : cases)
    out.push_back(std::move(c));
  return out;
}

fs::path findPrediction(const fs::path& predDir, const std::string& caseName) {
  const fs::path caseDir = predDir / caseName;
  for (const fs::path& base :
       {caseDir / "mask", caseDir / (caseName + "_seg"), caseDir / (caseName + "-seg"), predDir / (caseName + "_seg"),
        predDir / (caseName + "-seg"), predDir / (caseName + "_mask"), predDir / caseName}) {
    const fs::path found = existingNifti(base);
    if (!found.empty()) return found;
  }
  return {};
}

std::optional<ModalityImage> findModalityImage(const TruthCase& truthCase, const std::string& preferred) {
  static const std::map<std::string, std::vector<std::string>> suffixes = {
    {"t2", {"_t2", "-t2w", "_t2w", "-t2"}},
    {"flair", {"_flair", "-t2f", "_t2f", "-flair"}},
    {"t1", {"_t1", "-t1n", "_t1n", "-t1"}}};
  std::vector<std::string> order{preferred};
  for (const char* m : {"t2", "flair", "t1"})
    if (m != preferred) order.push_back(m);
  for (const auto& modality : order) {
    auto it = suffixes.find(modality);
    if (it == suffixes.end()) continue;
    for (const auto& suffix : it->second) {
      const fs::path found = existingNifti(truthCase.folder / (truthCase.name + suffix));
      if (!found.empty()) return ModalityImage{found, modality};
    }
  }
  // A flat folder of heads (`<case>.nii.gz` beside `<case>_seg.nii.gz`): the image's modality is not in its name.
  if (niftiStem(truthCase.segmentation) != truthCase.name) {
    const fs::path plain = existingNifti(truthCase.folder / truthCase.name);
    if (!plain.empty()) return ModalityImage{plain, preferred};
  }
  return std::nullopt;
}

Mask thresholdBaseline(const ImageF& image, const Mask& brain, bool darkLesions, const BaselineOptions& options) {
  if (!image.geometry().sameGrid(brain.geometry(), 1e-3))
    throw Error(ErrorKind::InvalidArgument, "the baseline's image and brain mask must share a grid");
  double sum = 0.0, sumSq = 0.0, count = 0.0;
  for (std::size_t n = 0; n < image.voxelCount(); ++n)
    if (brain[n]) {
      const double v = image[n];
      sum += v, sumSq += v * v, count += 1.0;
    }
  if (count == 0.0) throw Error(ErrorKind::InvalidInput, "the brain mask of the baseline is empty");
  const double mean = sum / count, sd = std::sqrt(std::max(0.0, sumSq / count - mean * mean));
  const double threshold = darkLesions ? mean - options.k * sd : mean + options.k * sd;
  Mask mask(image.geometry(), 0);
  for (std::size_t n = 0; n < image.voxelCount(); ++n)
    if (brain[n]) mask[n] = (darkLesions ? image[n] < threshold : image[n] > threshold) ? 1 : 0;
  postprocess::areaOpeningPerSlice(mask, options.minAreaMm2);
  return mask;
}

EvalSummary summarize(const std::vector<EvalRow>& rows, bool baseline) {
  EvalSummary s;
  std::vector<double> d, se, pr, hd, pv, tv, fp;
  for (const auto& row : rows) {
    if (!baseline) {
      if (!row.scores) {
        (row.predictionMissing ? s.missing : s.failed) += 1;
        continue;
      }
    } else if (!row.scores || !row.baseline) {
      if (row.scores && !row.baseline) s.failed += 1;
      continue;
    }
    const MaskScores& m = baseline ? *row.baseline : *row.scores;
    ++s.scored;
    if (m.trueVolumeMl <= 0.0) {
      ++s.healthyCases;
      fp.push_back(m.predictedVolumeMl);
      continue;
    }
    d.push_back(m.dice);
    se.push_back(m.sensitivity);
    pr.push_back(m.precision);
    hd.push_back(m.hd95Mm);
    pv.push_back(m.predictedVolumeMl);
    tv.push_back(m.trueVolumeMl);
  }
  s.dice = summary(d);
  s.sensitivity = summary(se);
  s.precision = summary(pr);
  s.hd95Mm = summary(hd);
  s.predictedVolumeMl = summary(pv);
  s.trueVolumeMl = summary(tv);
  s.falsePositiveMl = summary(fp);
  return s;
}

std::vector<SizeStratum> diceByLesionSize(const EvalReport& report) {
  const double limits[] = {0.0, 5.0, 20.0, std::numeric_limits<double>::infinity()};
  std::vector<SizeStratum> strata;
  for (std::size_t b = 0; b + 1 < std::size(limits); ++b) {
    std::vector<double> dice, baselineDice;
    for (const auto& row : report.rows) {
      if (!row.scores || row.scores->trueVolumeMl <= 0.0) continue;
      const double ml = row.scores->trueVolumeMl;
      if (ml < limits[b] || ml >= limits[b + 1]) continue;
      dice.push_back(row.scores->dice);
      if (row.baseline) baselineDice.push_back(row.baseline->dice);
    }
    SizeStratum stratum{limits[b], limits[b + 1], summary(dice), std::nullopt};
    if (report.baseline) stratum.baselineDice = summary(baselineDice);
    strata.push_back(stratum);
  }
  return strata;
}

std::vector<ModalityGroup> summaryByModality(const EvalReport& report) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<EvalRow>> rowsOf;
  for (const auto& row : report.rows) {
    const std::string modality = modalityOfName(row.caseName);
    if (rowsOf.find(modality) == rowsOf.end()) order.push_back(modality);
    rowsOf[modality].push_back(row);
  }
  std::vector<ModalityGroup> groups;
  if (order.size() < 2) return groups;
  for (const auto& modality : order) {
    ModalityGroup g{modality, summarize(rowsOf[modality], false), std::nullopt};
    if (report.baseline) g.baselineSummary = summarize(rowsOf[modality], true);
    groups.push_back(std::move(g));
  }
  return groups;
}

EvalReport evaluate(const EvalOptions& options, ProgressScope* progress) {
  requireFolder(options.predDir, "prediction");
  EvalReport report;
  report.predDir = options.predDir;
  report.truthDir = options.truthDir;
  report.baseline = options.baseline;
  const std::vector<TruthCase> cases = findTruthCases(options.truthDir);
  for (std::size_t c = 0; c < cases.size(); ++c) {
    if (progress) progress->update(double(c) / double(cases.size()), cases[c].name);
    const TruthCase& tc = cases[c];
    EvalRow row;
    row.caseName = tc.name;
    row.truthPath = tc.segmentation;
    row.predictionPath = findPrediction(options.predDir, tc.name);
    std::optional<Mask> truth;
    try {
      truth = readForeground(tc.segmentation);
    } catch (const Error& e) {
      row.reason = "ground truth unreadable: " + e.userMessage();
    }
    if (!truth) {
      // The reason is set: the case cannot be scored whatever was predicted.
    } else if (row.predictionPath.empty()) {
      row.predictionMissing = true;
      row.reason = "no prediction (" + tc.name + "/mask.nii.gz or " + tc.name + ".nii.gz)";
    } else {
      try {
        row.scores = scoreMasks(readForeground(row.predictionPath), *truth);
      } catch (const Error& e) {
        row.reason = "prediction unusable: " + e.userMessage();
      }
    }
    if (options.baseline && truth) {
      const auto image = findModalityImage(tc, options.baseline->modality);
      if (!image) {
        row.baselineReason = "no t2, flair or t1 image beside the ground truth";
      } else {
        row.baselineImage = image->path;
        row.baselineModality = image->modality;
        try {
          const io::LoadedImage loaded = io::readImage(image->path);
          Mask brain(loaded.image.geometry(), 0);
          const fs::path brainFile = existingNifti(options.predDir / tc.name / "brain_mask");
          if (!brainFile.empty()) {
            brain = readForeground(brainFile);
            if (!brain.geometry().sameGrid(loaded.image.geometry(), 1e-3))
              brain = resampleNearest(brain, loaded.image.geometry());
          } else {
            // BraTS is skull-stripped: the brain is what is not zero.
            for (std::size_t n = 0; n < brain.voxelCount(); ++n)
              brain[n] = loaded.image[n] > 0.0f ? 1 : 0;
          }
          const Mask mask = thresholdBaseline(loaded.image, brain, image->modality == "t1", *options.baseline);
          row.baseline = scoreMasks(mask, *truth);
        } catch (const Error& e) {
          row.baselineReason = "baseline failed: " + e.userMessage();
        }
      }
    }
    report.rows.push_back(std::move(row));
  }
  report.summary = summarize(report.rows, false);
  if (options.baseline) report.baselineSummary = summarize(report.rows, true);
  if (progress) progress->update(1.0);
  return report;
}

} // namespace strega::pipeline
