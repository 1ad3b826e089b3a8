// writeEvalReport(): eval.csv, eval.json, eval.md and eval.png of an evaluation; readEvalReport() reads eval.json
// back; the plot and the summary line shared by strega-cli eval and the GUI's Evaluation panel.
#include "strega/core/AtomicOutput.h"
#include "strega/core/BarChart.h"
#include "strega/core/Error.h"
#include "strega/core/Version.h"
#include "strega/pipeline/Evaluation.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <numbers>
#include <sstream>

namespace strega::pipeline {
namespace {

namespace fs = std::filesystem;

std::string number(double v, const char* format = "%.4f") {
  if (std::isinf(v)) return "inf";
  if (std::isnan(v)) return "";
  char text[64];
  std::snprintf(text, sizeof text, format, v);
  return text;
}

/// A CSV field, quoted when it holds a comma, quote or line break (RFC 4180).
std::string csvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s)
    out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

/// A Markdown table cell: pipes escaped.
std::string mdCell(const std::string& s) {
  std::string out;
  for (char c : s)
    out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

const char* status(const EvalRow& row) { return row.scores ? "ok" : row.predictionMissing ? "missing" : "failed"; }

void appendScores(std::ostringstream& csv, const std::optional<MaskScores>& s) {
  if (!s) {
    csv << ",,,,,";
    return;
  }
  csv << number(s->dice) << ',' << number(s->sensitivity) << ',' << number(s->precision) << ','
      << number(s->hd95Mm, "%.2f") << ',' << number(s->predictedVolumeMl, "%.3f");
}

nlohmann::json scoresJson(const std::optional<MaskScores>& s) {
  if (!s) return nullptr;
  // JSON has no infinity: an HD95 with one empty mask is null.
  auto finite = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
  return {{"dice", s->dice},
          {"sensitivity", s->sensitivity},
          {"precision", s->precision},
          {"hd95_mm", finite(s->hd95Mm)},
          {"predicted_volume_ml", s->predictedVolumeMl},
          {"true_volume_ml", s->trueVolumeMl}};
}

nlohmann::json metricJson(const MetricSummary& x) { return {{"mean", x.mean}, {"sd", x.sd}, {"n", x.count}}; }

nlohmann::json summaryJson(const EvalSummary& s) {
  const auto m = metricJson;
  return {{"scored", s.scored},
          {"missing", s.missing},
          {"failed", s.failed},
          {"dice", m(s.dice)},
          {"sensitivity", m(s.sensitivity)},
          {"precision", m(s.precision)},
          {"hd95_mm", m(s.hd95Mm)},
          {"predicted_volume_ml", m(s.predictedVolumeMl)},
          {"true_volume_ml", m(s.trueVolumeMl)},
          {"lesion_cases", s.scored - s.healthyCases},
          {"healthy_cases", s.healthyCases},
          {"false_positive_ml_on_healthy", m(s.falsePositiveMl)}};
}

nlohmann::json strataJson(const EvalReport& r) {
  nlohmann::json out = nlohmann::json::array();
  for (const SizeStratum& s : diceByLesionSize(r)) {
    nlohmann::json j = {{"min_ml", s.minMl},
                        {"max_ml", std::isfinite(s.maxMl) ? nlohmann::json(s.maxMl) : nlohmann::json(nullptr)},
                        {"dice", metricJson(s.dice)}};
    if (s.baselineDice) j["baseline_dice"] = metricJson(*s.baselineDice);
    out.push_back(j);
  }
  return out;
}

nlohmann::json modalityGroupsJson(const std::vector<ModalityGroup>& groups) {
  nlohmann::json out = nlohmann::json::array();
  for (const ModalityGroup& g : groups) {
    nlohmann::json j = {{"modality", g.modality}, {"summary", summaryJson(g.summary)}};
    if (g.baselineSummary) j["baseline_summary"] = summaryJson(*g.baselineSummary);
    out.push_back(j);
  }
  return out;
}

std::string meanSd(const MetricSummary& m, const char* format = "%.3f") {
  if (m.count == 0) return "–";
  return number(m.mean, format) + " ± " + number(m.sd, format);
}

std::string csvText(const EvalReport& r) {
  std::ostringstream csv;
  const bool baseline = r.baseline.has_value();
  csv << "case,status,reason,dice,sensitivity,precision,hd95_mm,pred_volume_ml,true_volume_ml,prediction,truth";
  if (baseline)
    csv << ",baseline_modality,baseline_dice,baseline_sensitivity,baseline_precision,baseline_hd95_mm,"
           "baseline_volume_ml,baseline_reason,baseline_image";
  csv << "\n";
  for (const auto& row : r.rows) {
    csv << csvField(row.caseName) << ',' << status(row) << ',' << csvField(row.reason) << ',';
    appendScores(csv, row.scores);
    const double trueMl = row.scores ? row.scores->trueVolumeMl : row.baseline ? row.baseline->trueVolumeMl : NAN;
    csv << ',' << number(trueMl, "%.3f") << ',' << csvField(row.predictionPath.string()) << ','
        << csvField(row.truthPath.string());
    if (baseline) {
      csv << ',' << row.baselineModality << ',';
      appendScores(csv, row.baseline);
      csv << ',' << csvField(row.baselineReason) << ',' << csvField(row.baselineImage.string());
    }
    csv << "\n";
  }
  return csv.str();
}

std::string jsonText(const EvalReport& r) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : r.rows) {
    nlohmann::json j = {{"case", row.caseName},
                        {"status", status(row)},
                        {"reason", row.reason},
                        {"truth", row.truthPath.string()},
                        {"prediction", row.predictionPath.string()},
                        {"scores", scoresJson(row.scores)}};
    if (r.baseline)
      j["baseline"] = {{"image", row.baselineImage.string()},
                       {"modality", row.baselineModality},
                       {"reason", row.baselineReason},
                       {"scores", scoresJson(row.baseline)}};
    rows.push_back(j);
  }
  nlohmann::json out = {{"tool", "strega-cli eval"},
                        {"version", versionString()},
                        {"prediction_dir", r.predDir.string()},
                        {"truth_dir", r.truthDir.string()},
                        {"whole_tumour", "ground-truth labels > 0; predictions > 0"},
                        {"summary", summaryJson(r.summary)},
                        {"dice_by_lesion_size", strataJson(r)},
                        {"cases", rows}};
  if (const auto groups = summaryByModality(r); !groups.empty())
    out["summary_by_modality"] = modalityGroupsJson(groups);
  if (r.baseline && r.baselineSummary) {
    out["baseline"] = {{"method", "intensity threshold: mean + k SD of the brain (mean - k SD for T1), then per-slice "
                                  "area opening"},
                       {"preferred_modality", r.baseline->modality},
                       {"k", r.baseline->k},
                       {"min_area_mm2", r.baseline->minAreaMm2},
                       {"summary", summaryJson(*r.baselineSummary)}};
  }
  return out.dump(2) + "\n";
}

std::string markdownText(const EvalReport& r) {
  std::ostringstream md;
  const bool baseline = r.baseline && r.baselineSummary;
  md << "# Evaluation\n\n";
  md << "Predictions `" << r.predDir.string() << "` against ground truth `" << r.truthDir.string()
     << "` (whole tumour: labels > 0). Mean ± SD over the scored cases; HD95 leaves out cases where exactly one "
        "mask is empty. Dice, sensitivity, precision, HD95 and volumes are over the cases with a lesion; cases whose "
        "truth is empty (healthy) are summarised by their false-positive volume.\n\n";
  md << "| metric | prediction |" << (baseline ? " threshold baseline |" : "") << "\n";
  md << "| --- | --- |" << (baseline ? " --- |" : "") << "\n";
  auto line = [&](const char* name, const MetricSummary& a, const MetricSummary* b, const char* format) {
    md << "| " << name << " | " << meanSd(a, format) << " |";
    if (b) md << ' ' << meanSd(*b, format) << " |";
    md << "\n";
  };
  const EvalSummary* bs = baseline ? &*r.baselineSummary : nullptr;
  line("Dice", r.summary.dice, bs ? &bs->dice : nullptr, "%.3f");
  line("sensitivity", r.summary.sensitivity, bs ? &bs->sensitivity : nullptr, "%.3f");
  line("precision", r.summary.precision, bs ? &bs->precision : nullptr, "%.3f");
  line("HD95 (mm)", r.summary.hd95Mm, bs ? &bs->hd95Mm : nullptr, "%.1f");
  line("predicted volume (mL)", r.summary.predictedVolumeMl, bs ? &bs->predictedVolumeMl : nullptr, "%.2f");
  line("true volume (mL)", r.summary.trueVolumeMl, bs ? &bs->trueVolumeMl : nullptr, "%.2f");
  line("false positives on healthy cases (mL)", r.summary.falsePositiveMl, bs ? &bs->falsePositiveMl : nullptr, "%.2f");
  md << "| cases scored (with a lesion + healthy) | " << r.summary.scored - r.summary.healthyCases << " + "
     << r.summary.healthyCases << " |"
     << (bs ? " " + std::to_string(bs->scored - bs->healthyCases) + " + " + std::to_string(bs->healthyCases) + " |"
            : "")
     << "\n";
  md << "| missing prediction | " << r.summary.missing << " |" << (bs ? " – |" : "") << "\n";
  md << "| failed | " << r.summary.failed << " |" << (bs ? " " + std::to_string(bs->failed) + " |" : "") << "\n\n";
  if (baseline)
    md << "Baseline: voxels of the " << r.baseline->modality << " image (else t2, flair, t1) above mean + "
       << number(r.baseline->k, "%g") << " SD of the brain (below mean − k SD for T1), then per-slice area opening ("
       << number(r.baseline->minAreaMm2, "%g") << " mm²); scored on the same cases as the prediction.\n\n";
  if (const auto groups = summaryByModality(r); !groups.empty()) {
    md << "## By contrast\n\nCases grouped by the modality their names end with (`_t1`, `_t2`, ...): a mean over "
          "contrasts together describes neither.\n\n";
    md << "| contrast | lesion cases | Dice | sensitivity | precision | healthy cases | false positives (mL) |"
       << (baseline ? " baseline Dice | baseline false positives (mL) |" : "") << "\n";
    md << "| --- | --- | --- | --- | --- | --- | --- |" << (baseline ? " --- | --- |" : "") << "\n";
    for (const ModalityGroup& g : groups) {
      const EvalSummary& s = g.summary;
      md << "| " << (g.modality.empty() ? "(none)" : mdCell(g.modality)) << " | " << s.scored - s.healthyCases << " | "
         << meanSd(s.dice) << " | " << meanSd(s.sensitivity) << " | " << meanSd(s.precision) << " | " << s.healthyCases
         << " | " << meanSd(s.falsePositiveMl, "%.2f") << " |";
      if (baseline)
        md << ' ' << (g.baselineSummary ? meanSd(g.baselineSummary->dice) : "–") << " | "
           << (g.baselineSummary ? meanSd(g.baselineSummary->falsePositiveMl, "%.2f") : "–") << " |";
      md << "\n";
    }
    md << "\n";
  }
  // The smallest lesion the default area opening keeps: a sphere whose largest section has that area.
  const double areaMm2 = postprocess::kDefaultMinAreaMm2, discMm = 2.0 * std::sqrt(areaMm2 / std::numbers::pi);
  const double sphereMl = 4.0 / 3.0 * std::numbers::pi * std::pow(areaMm2 / std::numbers::pi, 1.5) / 1000.0;
  md << "## Dice by lesion size\n\nThe per-slice area opening (" << number(areaMm2, "%g")
     << " mm² by default, a disc of " << number(discMm, "%.0f") << " mm) removes lesions under about "
     << number(sphereMl, "%.1f") << " mL by design; the mean above mixes sizes the method can and cannot see.\n\n";
  md << "| true lesion volume | cases | Dice |" << (baseline ? " baseline Dice |" : "") << "\n";
  md << "| --- | --- | --- |" << (baseline ? " --- |" : "") << "\n";
  for (const SizeStratum& s : diceByLesionSize(r)) {
    const std::string range = s.minMl <= 0.0           ? "under " + number(s.maxMl, "%g") + " mL"
                              : std::isfinite(s.maxMl) ? number(s.minMl, "%g") + " to " + number(s.maxMl, "%g") + " mL"
                                                       : number(s.minMl, "%g") + " mL and more";
    md << "| " << range << " | " << s.dice.count << " | " << meanSd(s.dice) << " |";
    if (baseline) md << ' ' << (s.baselineDice ? meanSd(*s.baselineDice) : "–") << " |";
    md << "\n";
  }
  md << "\n";
  md << "## Cases\n\n| case | status | Dice | sensitivity | precision | HD95 (mm) | predicted mL | true mL |"
     << (baseline ? " baseline Dice | baseline HD95 (mm) |" : "") << " note |\n";
  md << "| --- | --- | --- | --- | --- | --- | --- | --- |" << (baseline ? " --- | --- |" : "") << " --- |\n";
  for (const auto& row : r.rows) {
    const auto& s = row.scores;
    md << "| " << mdCell(row.caseName) << " | " << status(row) << " | " << (s ? number(s->dice, "%.3f") : "") << " | "
       << (s ? number(s->sensitivity, "%.3f") : "") << " | " << (s ? number(s->precision, "%.3f") : "") << " | "
       << (s ? number(s->hd95Mm, "%.1f") : "") << " | " << (s ? number(s->predictedVolumeMl, "%.2f") : "") << " | "
       << (s ? number(s->trueVolumeMl, "%.2f") : "") << " |";
    if (baseline)
      md << ' ' << (row.baseline ? number(row.baseline->dice, "%.3f") : "") << " | "
         << (row.baseline ? number(row.baseline->hd95Mm, "%.1f") : "") << " |";
    std::string note = row.reason;
    if (!row.baselineReason.empty()) note += (note.empty() ? "" : "; ") + row.baselineReason;
    md << ' ' << mdCell(note) << " |\n";
  }
  return md.str();
}

} // namespace

RgbImage renderDicePlot(const EvalReport& r) {
  BarChartOptions options;
  options.title = "DICE PER CASE";
  options.yLabel = "DICE";
  options.yMin = 0.0;
  options.yMax = 1.0;
  options.width = std::clamp(160 + 24 * static_cast<int>(r.rows.size()), 640, 4000);
  BarSeries prediction{"PREDICTION (MEAN DASHED)", {}, {31, 119, 180}};
  BarSeries baseline{"THRESHOLD BASELINE", {}, {255, 127, 14}};
  for (const auto& row : r.rows) {
    options.categories.push_back(row.caseName);
    prediction.values.push_back(row.scores ? row.scores->dice : NAN);
    baseline.values.push_back(row.baseline ? row.baseline->dice : NAN);
  }
  if (r.summary.dice.count) prediction.referenceLine = r.summary.dice.mean;
  std::vector<BarSeries> series{prediction};
  if (r.baseline) {
    if (r.baselineSummary && r.baselineSummary->dice.count) baseline.referenceLine = r.baselineSummary->dice.mean;
    series.push_back(baseline);
  }
  return renderBarChart(series, options);
}

void writeEvalReport(const EvalReport& report, const fs::path& outDir) {
  std::error_code ec;
  fs::create_directories(outDir, ec);
  if (ec) throw Error(ErrorKind::Io, "cannot create the output folder " + outDir.string(), ec.message());
  writeFileAtomically(outDir / "eval.csv", csvText(report));
  writeFileAtomically(outDir / "eval.json", jsonText(report));
  writeFileAtomically(outDir / "eval.md", markdownText(report));
  writePng(outDir / "eval.png", renderDicePlot(report));
}

std::string evalSummaryLine(const EvalReport& report) {
  const EvalSummary& s = report.summary;
  char text[512];
  std::snprintf(text, sizeof text,
                "%zu cases scored (%zu with a lesion, %zu healthy), %zu missing, %zu failed; Dice %.3f ± %.3f",
                s.scored, s.scored - s.healthyCases, s.healthyCases, s.missing, s.failed, s.dice.mean, s.dice.sd);
  std::string line = text;
  if (s.healthyCases > 0) {
    std::snprintf(text, sizeof text, ", false positives on healthy cases %.2f mL", s.falsePositiveMl.mean);
    line += text;
  }
  if (report.baselineSummary) {
    std::snprintf(text, sizeof text, "; threshold baseline Dice %.3f ± %.3f", report.baselineSummary->dice.mean,
                  report.baselineSummary->dice.sd);
    line += text;
  }
  const auto groups = summaryByModality(report);
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const EvalSummary& g = groups[i].summary;
    const char* name = groups[i].modality.empty() ? "(none)" : groups[i].modality.c_str();
    const char* separator = i == 0 ? "; by contrast:" : ",";
    if (g.dice.count == 0)
      std::snprintf(text, sizeof text, "%s %s no lesion case", separator, name);
    else
      std::snprintf(text, sizeof text, "%s %s Dice %.3f ± %.3f", separator, name, g.dice.mean, g.dice.sd);
    line += text;
  }
  return line;
}

namespace {

std::optional<MaskScores> scoresFromJson(const nlohmann::json& j) {
  if (j.is_null()) return std::nullopt;
  MaskScores s;
  s.dice = j.at("dice").get<double>();
  s.sensitivity = j.at("sensitivity").get<double>();
  s.precision = j.at("precision").get<double>();
  // Written as null when exactly one mask was empty (JSON has no infinity).
  const nlohmann::json& hd95 = j.at("hd95_mm");
  s.hd95Mm = hd95.is_null() ? std::numeric_limits<double>::infinity() : hd95.get<double>();
  s.predictedVolumeMl = j.at("predicted_volume_ml").get<double>();
  s.trueVolumeMl = j.at("true_volume_ml").get<double>();
  return s;
}

EvalSummary summaryFromJson(const nlohmann::json& j) {
  auto m = [&](const char* key) {
    const nlohmann::json& x = j.at(key);
    return MetricSummary{x.at("mean").get<double>(), x.at("sd").get<double>(), x.at("n").get<std::size_t>()};
  };
  EvalSummary s;
  s.scored = j.at("scored").get<std::size_t>();
  s.missing = j.at("missing").get<std::size_t>();
  s.failed = j.at("failed").get<std::size_t>();
  s.dice = m("dice");
  s.sensitivity = m("sensitivity");
  s.precision = m("precision");
  s.hd95Mm = m("hd95_mm");
  s.predictedVolumeMl = m("predicted_volume_ml");
  s.trueVolumeMl = m("true_volume_ml");
  s.healthyCases = j.at("healthy_cases").get<std::size_t>();
  s.falsePositiveMl = m("false_positive_ml_on_healthy");
  return s;
}

} // namespace

EvalReport readEvalReport(const fs::path& path) {
  std::error_code ec;
  const fs::path file = fs::is_directory(path, ec) ? path / "eval.json" : path;
  if (!fs::is_regular_file(file, ec))
    throw Error(ErrorKind::Io, "no evaluation results: " + file.string() + " does not exist");
  std::ifstream in(file);
  if (!in) throw Error(ErrorKind::Io, "cannot read " + file.string());
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    EvalReport r;
    r.predDir = j.at("prediction_dir").get<std::string>();
    r.truthDir = j.at("truth_dir").get<std::string>();
    r.summary = summaryFromJson(j.at("summary"));
    if (j.contains("baseline")) {
      const nlohmann::json& b = j.at("baseline");
      BaselineOptions options;
      options.modality = b.at("preferred_modality").get<std::string>();
      options.k = b.at("k").get<double>();
      options.minAreaMm2 = b.at("min_area_mm2").get<double>();
      r.baseline = options;
      r.baselineSummary = summaryFromJson(b.at("summary"));
    }
    for (const nlohmann::json& c : j.at("cases")) {
      EvalRow row;
      row.caseName = c.at("case").get<std::string>();
      row.reason = c.at("reason").get<std::string>();
      row.predictionMissing = c.at("status").get<std::string>() == "missing";
      row.truthPath = c.at("truth").get<std::string>();
      row.predictionPath = c.at("prediction").get<std::string>();
      row.scores = scoresFromJson(c.at("scores"));
      if (c.contains("baseline")) {
        const nlohmann::json& b = c.at("baseline");
        row.baselineImage = b.at("image").get<std::string>();
        row.baselineModality = b.at("modality").get<std::string>();
        row.baselineReason = b.at("reason").get<std::string>();
        row.baseline = scoresFromJson(b.at("scores"));
      }
      r.rows.push_back(std::move(row));
    }
    return r;
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorKind::InvalidInput, file.string() + " is not an eval.json written by strega-cli eval", e.what());
  }
}

} // namespace strega::pipeline
