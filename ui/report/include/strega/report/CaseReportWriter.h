#pragma once
/// \file
/// \brief The report.html writer handed to the pipeline's writeCaseOutputs()/runBatch() by the CLI and the GUI
/// (the report library sits above the pipeline layer, which cannot call it itself).

#include "strega/pipeline/CaseRunner.h"

namespace strega::report {

/// A writer of OUTDIR/report.html for writeCaseOutputs(), or an empty function when options.htmlReport is off.
pipeline::CaseExtraWriter htmlReportWriter(const pipeline::RunOptions& options);

} // namespace strega::report
