#pragma once
/// \file
/// \brief Evaluation of predicted anomaly masks against ground truth (METHOD.md §6), with a threshold baseline.

#include "strega/core/Png.h"
#include "strega/core/ProgressScope.h"
#include "strega/core/Volume.h"
#include "strega/postprocess/Postprocess.h"

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace strega::pipeline {

/// \brief Scores of one predicted mask against its truth (whole tumour: every label > 0).
struct MaskScores {
  double dice = 0.0;        ///< 1.0 when both masks are empty
  double sensitivity = 0.0; ///< 1.0 when the truth is empty
  double precision = 0.0;   ///< 1.0 when nothing was predicted
  double hd95Mm = 0.0;      ///< 0 when both are empty, +infinity when exactly one is
  double predictedVolumeMl = 0.0;
  double trueVolumeMl = 0.0;
};

/// Non-zero voxels of `labels` as a 0/1 mask (the whole tumour of a BraTS segmentation).
Mask foreground(const Mask& labels);

/// `source` carried onto `target` by nearest neighbour through LPS world coordinates: each target voxel takes the
/// source voxel nearest its centre, 0 outside the source grid. Throws Error(InvalidInput) when no target voxel
/// centre falls inside the source grid (the images do not overlap in physical space).
Mask resampleNearest(const Mask& source, const ImageGeometry& target);

/// Score `predicted` against `truth` (both reduced to labels > 0). When the grids differ the prediction is
/// first resampled onto the truth's grid (resampleNearest), so the metrics are measured in the truth's voxels.
MaskScores scoreMasks(const Mask& predicted, const Mask& truth);

/// \brief A ground-truth case found by findTruthCases().
struct TruthCase {
  std::string name;
  std::filesystem::path segmentation; ///< the label map
  std::filesystem::path folder;       ///< where the case's images are looked for (its BraTS folder, or the flat one)
};

/// The cases of a truth folder, sorted by name: a BraTS layout (`<case>/<case>_seg.nii.gz` or
/// `<case>/<case>-seg.nii.gz`) and/or a flat folder of `<case>_seg.nii.gz` / `<case>-seg.nii.gz`; a flat folder
/// without any `_seg` file is read as `<case>.nii.gz` masks. `.nii` is accepted as well as `.nii.gz`.
/// Throws Error(Io) for a missing folder, Error(InvalidInput) when no case is found.
std::vector<TruthCase> findTruthCases(const std::filesystem::path& truthDir);

/// The prediction of `caseName` in `predDir`: `<case>/mask.nii.gz` (what strega-cli run and batch write), then
/// `<case>/<case>_seg.nii.gz`, `<case>/<case>-seg.nii.gz`, `<case>_seg.nii.gz`, `<case>-seg.nii.gz`,
/// `<case>_mask.nii.gz`, `<case>.nii.gz` (and the `.nii` twins). Empty when none exists.
std::filesystem::path findPrediction(const std::filesystem::path& predDir, const std::string& caseName);

/// \brief A modality image found for the baseline.
struct ModalityImage {
  std::filesystem::path path;
  std::string modality; ///< "t2", "flair" or "t1"
};

/// The case's image for the threshold baseline, trying `preferred` first and then t2, flair, t1:
/// `<case>_t2` / `-t2w` / `_t2w`, `_flair` / `-t2f`, `_t1` / `-t1n` in the case's folder; in a flat folder whose
/// truth is `<case>_seg`, a plain `<case>.nii.gz` is taken as the `preferred` modality. Empty when none is found.
std::optional<ModalityImage> findModalityImage(const TruthCase& truthCase, const std::string& preferred = "t2");

/// \brief Options of the intensity-threshold baseline.
struct BaselineOptions {
  std::string modality = "t2";                         ///< preferred modality (t2, flair or t1)
  double k = 2.0;                                      ///< threshold at mean + k SD of the brain (mean - k SD for T1)
  double minAreaMm2 = postprocess::kDefaultMinAreaMm2; ///< per-slice area opening, as the default chain
};

/// The baseline mask on `image`'s grid: inside `brain`, voxels above mean + k SD of the brain's intensities
/// (below mean - k SD when `darkLesions`, for T1), then the per-slice area opening.
/// Throws Error(InvalidInput) for an empty brain.
Mask thresholdBaseline(const ImageF& image, const Mask& brain, bool darkLesions, const BaselineOptions& options);

/// \brief Options of evaluate().
struct EvalOptions {
  std::filesystem::path predDir;
  std::filesystem::path truthDir;
  std::optional<BaselineOptions> baseline; ///< score the threshold baseline too
};

/// \brief Mean and standard deviation (population, as numpy's std) of a metric over the scored cases.
struct MetricSummary {
  double mean = 0.0;
  double sd = 0.0;
  std::size_t count = 0; ///< values that entered (HD95 leaves out infinite values)
};

/// \brief One row of the evaluation: a truth case, its prediction's scores or the reason it has none.
struct EvalRow {
  std::string caseName;
  std::filesystem::path truthPath;
  std::filesystem::path predictionPath;
  std::optional<MaskScores> scores; ///< empty: see `reason`
  std::string reason;               ///< why the case was not scored ("no prediction", unreadable mask...)
  bool predictionMissing = false;   ///< no prediction file at all (counted apart from failures)
  std::filesystem::path baselineImage;
  std::string baselineModality;
  std::optional<MaskScores> baseline;
  std::string baselineReason;
};

/// \brief Summary of a set of scores. The baseline's is taken over the cases the prediction was scored on too,
/// so that both summaries describe the same cases.
struct EvalSummary {
  std::size_t scored = 0;
  std::size_t missing = 0; ///< truth cases without a prediction
  std::size_t failed = 0;  ///< truth cases whose prediction or truth could not be used
  /// Over the cases with a lesion (non-empty truth): an empty truth makes Dice 0 for any false positive and 1
  /// for none, which says nothing about segmentation quality; such cases are summarised by falsePositiveMl.
  MetricSummary dice, sensitivity, precision, hd95Mm, predictedVolumeMl, trueVolumeMl;
  std::size_t healthyCases = 0;  ///< scored cases whose truth is empty
  MetricSummary falsePositiveMl; ///< predicted volume on those cases (mL)
};

/// \brief Everything evaluate() found.
struct EvalReport {
  std::filesystem::path predDir, truthDir;
  std::vector<EvalRow> rows;
  EvalSummary summary;
  std::optional<EvalSummary> baselineSummary;
  std::optional<BaselineOptions> baseline;
};

/// Pair every truth case with its prediction and score it (and the baseline when asked). A bad case becomes a
/// row with its reason, excluded from the means. Throws Error(Io) when a folder is missing, Error(InvalidInput)
/// when the truth folder holds no case. Polls `progress` once per case.
EvalReport evaluate(const EvalOptions& options, ProgressScope* progress = nullptr);

/// Summary over the rows' scores (or their baseline scores).
EvalSummary summarize(const std::vector<EvalRow>& rows, bool baseline);

/// \brief Dice over the lesion cases whose true volume lies in [minMl, maxMl).
struct SizeStratum {
  double minMl = 0.0;
  double maxMl = 0.0; ///< +infinity for the largest
  MetricSummary dice;
  std::optional<MetricSummary> baselineDice; ///< over the same cases, when the baseline was scored
};

/// Dice by true lesion volume: under 5 mL, 5 to 20 mL, 20 mL and more (scored cases with a lesion). Why: the
/// per-slice area opening (128 mm² by default, a disc of 13 mm) removes the smallest lesions by design, so one
/// mean over all sizes mixes what the method can see with what it cannot.
std::vector<SizeStratum> diceByLesionSize(const EvalReport& report);

/// \brief The summary of the cases of one contrast.
struct ModalityGroup {
  std::string modality; ///< "t1", "t2", ... (modalityOfName() of the case names); "" for names without one
  EvalSummary summary;
  std::optional<EvalSummary> baselineSummary; ///< when the baseline was scored
};

/// Summaries per contrast, the cases grouped by the modality their names end with (`phantom_001_t1`,
/// `phantom_001_t2`: how `strega-cli phantom --contrast both` names its heads), in the order of first appearance.
/// Why: a mean over T1 and T2 cases together describes neither. Empty when every case falls in one group.
std::vector<ModalityGroup> summaryByModality(const EvalReport& report);

/// Write eval.csv, eval.json, eval.md and eval.png (per-case Dice bars, baseline beside them) into `outDir`
/// (created when missing), each atomically.
void writeEvalReport(const EvalReport& report, const std::filesystem::path& outDir);

/// The picture of eval.png: per-case Dice bars (a gap for an unscored case) with the mean as a dashed line, the
/// baseline's bars beside them when it was scored. Both front ends show this one plot.
RgbImage renderDicePlot(const EvalReport& report);

/// The one-line summary `strega-cli eval` prints (no line break): cases scored (with a lesion, healthy), missing
/// and failed; mean ± SD Dice over the lesion cases; the false-positive volume on healthy cases when there are
/// any; the baseline's mean ± SD Dice when it was scored.
std::string evalSummaryLine(const EvalReport& report);

/// Read back what writeEvalReport() wrote: `path` is eval.json or the folder holding it. Paths, rows, scores,
/// summaries and baseline options are restored as written (an HD95 written as null, one mask empty, becomes
/// +infinity again). Throws Error(Io) when the file is missing or unreadable, Error(InvalidInput) when it is not
/// an eval.json.
EvalReport readEvalReport(const std::filesystem::path& path);

} // namespace strega::pipeline
