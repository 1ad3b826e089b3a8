#pragma once
/// \file
/// \brief ReportContent: everything a case report shows (images, findings, run facts), gathered by the caller.

#include "strega/core/Volume.h"
#include "strega/postprocess/Finding.h"

#include <string>
#include <utility>
#include <vector>

namespace strega::report {

/// \brief Wall-clock time of one pipeline stage, in seconds.
struct StageTiming {
  std::string name;
  double seconds = 0.0;
};

/// \brief The facts of one processed case that the HTML report presents.
///
/// Images are borrowed, not copied: the pointers must stay valid while the report is written. All of them live in
/// LPS physical space (mm); they need not share a grid, because every view is resampled through world space, but
/// the anomaly mask is normally on the native image's grid (the grid the findings' voxel indices refer to).
/// Findings are expected in the order findComponents() gives (decreasing volume); the report takes the largest
/// ones by volumeMl whatever the order.
struct ReportContent {
  std::string caseName;              ///< shown as the title, e.g. the input's file name without extension
  std::string inputDescription;      ///< e.g. the input path, modality, size and spacing
  const ImageF* image = nullptr;     ///< the native image (grey background of the slice views); required
  const Mask* anomalyMask = nullptr; ///< the final anomaly mask (non-zero = anomalous); null = none
  const Mask* brainMask = nullptr;   ///< optional; grey window and 3D context surface (else an image iso-surface)
  std::vector<postprocess::Finding> findings;
  double threshold = 0.0;      ///< residual-score threshold that produced the mask (score units)
  std::string thresholdMethod; ///< e.g. "Otsu"; may be empty
  std::vector<std::pair<std::string, std::string>> versions; ///< (component, version), e.g. ("StRegA", "0.1.0")
  std::vector<StageTiming> stageTimings;
  std::vector<std::string> warnings;
  std::string configText; ///< the pipeline configuration as run (shown verbatim, e.g. JSON)
};

} // namespace strega::report
