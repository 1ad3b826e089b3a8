#pragma once
/// \file
/// \brief The report.html writer handed to the pipeline by `run` and `batch` (the report library sits above it).

#include "strega/pipeline/CaseRunner.h"

namespace strega::cli {

/// A writer of OUTDIR/report.html for writeCaseOutputs(), or an empty function when options.htmlReport is off.
pipeline::CaseExtraWriter htmlReportWriter(const pipeline::RunOptions& options);

} // namespace strega::cli
