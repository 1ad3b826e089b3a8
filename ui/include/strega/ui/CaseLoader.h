#pragma once
/// \file
/// \brief What the viewer opens: classify a path (image file, DICOM/image folder, BraTS case, run output) and
/// load a whole case (image, overlays, findings). Toolkit-free: no Qt here, callable from a worker thread.

#include "strega/core/LabelMap.h"
#include "strega/core/Math.h"
#include "strega/core/ProgressScope.h"
#include "strega/core/Volume.h"
#include "strega/io/DicomSeriesReference.h"
#include "strega/io/ImageInfo.h"
#include "strega/postprocess/Finding.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace strega::ui {

/// \brief The kinds of input the viewer opens.
enum class InputKind {
  ImageFile,   ///< one NIfTI / NRRD / MetaImage / DICOM file
  ImageFolder, ///< a folder scanned with io::scan (DICOM series, image files); the user picks one
  BratsCase,   ///< <case>_t1/_t2/_flair/_seg.nii.gz (or -t1n/-t2w/-t2f/-seg) in one folder
  RunOutput,   ///< a `strega-cli run` output folder (report.json + mask.nii.gz ...) or its report.json
};

const char* toString(InputKind kind);

/// What `path` is. Throws Error(Io) when it does not exist.
InputKind classifyInput(const std::filesystem::path& path);

/// \brief One finding of a run's report.json.
struct Finding {
  int id = 0;
  double volumeMl = 0.0;
  std::string region;
  std::vector<postprocess::RegionShare> regions; ///< largest first; see postprocess::Finding::regions
  double peakScore = 0.0;
  std::optional<Vec3> centroidMm; ///< LPS, mm
};

/// \brief What the viewer needs from a run's report.json.
///
/// Keys read (snake_case or camelCase): "input" (a path string, or an object with "path" and optionally
/// "series_uid"; relative paths are relative to the report's folder), "findings" (or "lesions"): objects with
/// "id", "volume_ml", "region", "regions" ([{"name", "percent"}]), "peak_score", "centroid_mm" ([x, y, z] LPS mm), and
/// the score threshold
/// ("threshold", or "threshold" inside "postprocess"). Unknown keys are ignored.
struct RunReport {
  std::filesystem::path input;
  std::string seriesUid;
  std::vector<Finding> findings;
  std::optional<double> threshold; ///< the score threshold the run used ("threshold" or "postprocess.threshold")
};

/// Parse a report.json. Throws Error(InvalidInput) for a file that is not JSON or names no input.
RunReport readRunReport(const std::filesystem::path& reportJson);

/// \brief The files of a BraTS case folder.
struct BratsFiles {
  std::string caseId;
  std::filesystem::path image; ///< the contrast shown: T2, else FLAIR, else T1, else T1ce
  std::string contrast;        ///< "t2", "flair", "t1", "t1ce" (as named in the file)
  std::optional<std::filesystem::path> segmentation;
};

/// The BraTS layout of a folder, or nothing when it has no <case>_<contrast>.nii(.gz) files.
std::optional<BratsFiles> findBratsFiles(const std::filesystem::path& folder);

/// \brief A case ready to view: the image and whichever overlays and findings exist. Volumes are shared and
/// immutable; each keeps its own LPS grid (overlays need not share the image's grid).
struct LoadedCase {
  InputKind kind = InputKind::ImageFile;
  std::filesystem::path source; ///< what was opened
  std::filesystem::path imagePath;
  std::string title; ///< short name for the window title
  std::shared_ptr<const ImageF> image;
  io::ImageInfo info;
  std::shared_ptr<const ImageF> residual;  ///< anomaly score map (run output)
  std::shared_ptr<const Mask> anomalyMask; ///< final mask (run output)
  std::shared_ptr<const Mask> brainMask;   ///< run output
  std::shared_ptr<const Mask> tissue;      ///< labels 1 CSF, 2 GM, 3 WM (run output)
  std::shared_ptr<const Mask> reference;   ///< a reference segmentation (BraTS _seg)
  bool hasReport = false;
  std::vector<Finding> findings;
  std::optional<double> scoreThreshold; ///< from report.json, when it says
  /// The DICOM slices the image was read from, when it is a DICOM series that maps slice by slice (for SEG export).
  std::optional<io::DicomSeriesReference> dicomSeries;
  std::filesystem::path outputFolder; ///< the run output folder holding this case's results; empty for none

  std::vector<std::string> warnings;
};

/// \brief What to load: a path and, for a folder with several series, which one.
struct LoadRequest {
  std::filesystem::path path;
  std::string seriesUid; ///< io::ImageInfo::seriesUid of the series to take from a DICOM folder
  /// Extra overlays over an image file (e.g. a prediction scored by eval and its ground truth): the anomaly mask
  /// and the reference segmentation, each read on its own grid; empty: none. They replace what the input brings.
  std::filesystem::path anomalyMask{};
  std::filesystem::path reference{};
};

/// Load a case. Overlays that are missing from a run output are skipped; one that cannot be read becomes a
/// warning. Throws Error for an unreadable image and Cancelled when the progress scope's token is triggered.
LoadedCase loadCase(const LoadRequest& request, ProgressScope* progress = nullptr);

/// A float volume as labels: values rounded and clamped to 0..255.
Mask toMask(const ImageF& image);

} // namespace strega::ui
