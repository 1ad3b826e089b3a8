#pragma once
/// \file
/// \brief runCase(): the whole StRegA pipeline for one case (load, pre-process, cceVAE, residual, post-process,
/// map back), and writeCaseOutputs(): the output folder that the CLI, batch and the GUI share.

#include "strega/core/LabelMap.h"
#include "strega/core/ProgressScope.h"
#include "strega/core/Volume.h"
#include "strega/io/DicomSeriesReference.h"
#include "strega/model/Inference.h"
#include "strega/pipeline/CaseInput.h"
#include "strega/postprocess/Finding.h"
#include "strega/postprocess/Postprocess.h"
#include "strega/postprocess/Residual.h"
#include "strega/preprocess/Preprocess.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace strega::model {
class CceVae;
}

namespace strega::pipeline {

/// \brief Everything that decides a case's result. Serialised into report.json (and read from `--config`), so
/// that a batch can tell whether earlier outputs were made with the same settings.
struct RunOptions {
  std::string seriesUid;           ///< DICOM folder with several series: the one to take
  std::string modality;            ///< BraTS case folder: the modality to take ("" = t2, flair, t1, t1ce)
  std::filesystem::path modelPath; ///< empty: defaultModelPath()
  preprocess::PreprocessOptions preprocess;
  model::InferenceOptions inference;
  postprocess::ResidualOptions residual;
  postprocess::PostprocessOptions postprocess;
  bool htmlReport = true; ///< write report.html
  bool dicomSeg = true;   ///< write seg.dcm when the input is a DICOM series
  /// Refuse a case whose estimated peak memory (estimatePeakMemoryBytes) exceeds this many MiB; 0: what the
  /// machine (and its cgroup) has available when the case starts. Does not change results.
  double maxMemoryMb = 0.0;
};

/// Peak resident memory that runCase() needs for an input on grid `native`, in bytes: a fixed part (the atlas-grid
/// working images, the model, the libraries) plus a part per native voxel (the native-grid images of loading,
/// N4 and mapping back). Calibrated with bench/pipeline/memory_bench.py on Colin27 at 1 mm and 0.5 mm, with ~20 %
/// to spare.
std::uint64_t estimatePeakMemoryBytes(const ImageGeometry& native);

/// The settings as JSON text (every field, also defaults; the model as its path and content fingerprint).
std::string runOptionsToJson(const RunOptions& options);
/// Apply the keys of a JSON object (the layout of runOptionsToJson; unknown keys are an error so that typos do
/// not go unnoticed) onto `options`. Throws Error(InvalidArgument) with the offending key.
void applyRunOptionsJson(const std::string& jsonText, RunOptions& options);

/// Fingerprint of the options that decide a case's result (device, threads and output switches excluded): the
/// `config_fingerprint` of report.json.
std::string configFingerprint(const RunOptions& options);
/// Content fingerprint of a model file (computed once per path, size and modification time).
std::string modelFileFingerprint(const std::filesystem::path& path);

/// The shipped default model: $STREGA_MODEL when set, else resources/models/strega-compact-colin27.pt installed
/// beside the executable (../share/strega/models/) or in the source tree. Throws Error(Model) when none exists.
std::filesystem::path defaultModelPath();

/// \brief Wall time of one stage of a case.
struct CaseStageTiming {
  std::string stage;
  double seconds = 0.0;
};

/// \brief The result of one case. Native = the input's own grid (LPS, mm); working = the atlas grid when
/// registered, else the input grid.
struct CaseResult {
  CaseInput input;
  std::string inputFingerprint; ///< fingerprintPath(input.image)
  std::string inputFormat;      ///< "NIfTI", "DICOM", ...
  std::string optionsJson;      ///< runOptionsToJson() of the options used
  std::string modelPath, modelFingerprint;
  std::string device; ///< where the model ran ("cpu", "cuda:0")

  ImageF nativeImage;                         ///< the input volume as loaded
  Mask mask;                                  ///< final anomaly mask, native grid
  ImageF residual;                            ///< anomaly score (gated residual), native grid
  Mask brainMask;                             ///< native grid
  LabelMap tissue;                            ///< 0 background, 1 CSF, 2 GM, 3 WM; native grid
  double threshold = 0.0;                     ///< Otsu (or fixed) threshold on the score
  std::string thresholdMethod;                ///< "Otsu" or "fixed"
  std::vector<postprocess::Finding> findings; ///< on the native grid, regions named in atlas space

  bool registered = false;
  bool skullStrippedInput = false;
  std::string contrast; ///< "T1" / "T2"
  double brainVolumeMl = 0.0;
  std::uint64_t memoryEstimateBytes = 0; ///< estimatePeakMemoryBytes() of the input, checked before pre-processing
  std::vector<CaseStageTiming> timings;
  double totalSeconds = 0.0;
  std::vector<std::string> warnings;

  /// The source slices of a DICOM-series input, for seg.dcm (absent for other inputs, and for series that had to
  /// be resampled on loading: then no slice of the mask corresponds to one source file).
  std::optional<io::DicomSeriesReference> dicomSeries;
};

/// Run the pipeline on `input` with `model` (loaded once per process by the caller; see loadModel()).
/// Errors: Error (InvalidInput, Unsupported, Model, Io) with a user message; cancellation throws Cancelled.
/// Nothing is written here.
CaseResult runCase(const CaseInput& input, model::CceVae& model, const RunOptions& options, ProgressScope& progress);

/// Writes extra files of a case into its output folder before the mask is written (the HTML report, whose
/// VTK rendering lives above the pipeline layer). Returns warnings to record; throws Error to fail the case.
using CaseExtraWriter = std::function<std::vector<std::string>(const CaseResult&, const std::filesystem::path& outdir)>;

/// Write a case's outputs into `outdir` (created when missing): tissue.nii.gz, brain_mask.nii.gz,
/// residual.nii.gz, seg.dcm (DICOM input, options.dicomSeg), what `extra` writes (report.html), report.json, and
/// mask.nii.gz LAST. Every file is written atomically, and a stale mask.nii.gz is removed first, so that the
/// contract holds: mask.nii.gz exists (with the input's geometry) only after a complete, successful case.
/// Warnings of the writing (e.g. why seg.dcm was not written) are added to `result.warnings` (in report.json).
/// When a write fails (a full disk), the files this call already wrote are removed before the Error propagates:
/// no partial outputs.
void writeCaseOutputs(CaseResult& result, const std::filesystem::path& outdir, const RunOptions& options,
                      const CaseExtraWriter& extra = {}, ProgressScope* progress = nullptr);

/// Remove `outdir`/mask.nii.gz if present (used before running a case so that a failure leaves no mask).
void removeStaleMask(const std::filesystem::path& outdir);

/// report.json of a case (also what batch summaries and the GUI read).
std::string caseReportJson(const CaseResult& result);

/// A grid as every JSON file of StRegA writes it (report.json, preprocess.json, the phantom manifest): an object
/// with size (voxels), spacing_mm, origin_mm_lps (LPS, mm), direction (rows of the direction cosine matrix) and
/// orientation (e.g. "LPS"), as JSON text.
std::string geometryJson(const ImageGeometry& geometry);

} // namespace strega::pipeline
