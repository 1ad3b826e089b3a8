#pragma once
/// \file
/// \brief StageTiming: the wall time of one named stage, as returned in the result structs.

#include <string>
#include <vector>

namespace strega::preprocess {

/// \brief Wall-clock seconds spent in a stage ("register/affine", "n4", ...). The same figures are reported to the
/// ProgressSink (stageFinished) by the stage's ProgressScope.
struct StageTiming {
  std::string stage;
  double seconds = 0.0;
};

using StageTimings = std::vector<StageTiming>;

} // namespace strega::preprocess
