#pragma once
/// \file
/// \brief runBatch(): many cases, in parallel, resumable, shardable, with one summary (CSV and JSON).

#include "strega/core/CancelToken.h"
#include "strega/core/ProgressSink.h"
#include "strega/pipeline/CaseRunner.h"

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace strega::pipeline {

/// \brief One cluster shard: cases [begin, end) of the sorted case list for shard `index` (1-based) of `count`.
struct Shard {
  int index = 1;
  int count = 1;
};

/// Parse "i/N" (1 <= i <= N); Error(InvalidArgument) otherwise.
Shard parseShard(const std::string& text);

/// The half-open range of case indices of `shard` among `caseCount` cases: contiguous blocks whose sizes differ
/// by at most one, disjoint, and together covering every case.
std::pair<std::size_t, std::size_t> shardRange(std::size_t caseCount, const Shard& shard);

/// \brief Settings of runBatch().
struct BatchOptions {
  RunOptions run;
  int jobs = 1;        ///< cases processed at the same time (each with its own model instance)
  bool resume = false; ///< skip cases whose outputs match the input fingerprint, config and model
  Shard shard;
  CaseExtraWriter extraWriter; ///< e.g. the HTML report (see writeCaseOutputs)
};

/// \brief How a case of a batch ended.
/// Pending: not finished yet (seen in the summary files while the batch runs).
enum class CaseStatus { Done, Skipped, Failed, Cancelled, Pending };
const char* toString(CaseStatus status);

/// \brief One row of the batch summary.
struct BatchRow {
  std::string id;
  std::string input;
  CaseStatus status = CaseStatus::Failed;
  std::string reason; ///< failed: the one-line user message; skipped: why
  std::size_t findings = 0;
  double totalVolumeMl = 0.0;
  double largestFindingMl = 0.0;
  std::string largestRegion;
  double threshold = 0.0;
  double seconds = 0.0; ///< wall time of this case (0 when skipped)
  std::string device;
};

/// \brief The result of runBatch().
struct BatchSummary {
  std::vector<BatchRow> rows; ///< in case order (this shard's cases only)
  std::size_t totalCases = 0; ///< cases found in the input folder, all shards together
  double seconds = 0.0;
  bool cancelled = false;
  std::size_t count(CaseStatus status) const;
};

/// Process the cases found in `inputFolder` (findCases()) into `outputFolder`/<case id>/ with the outputs of
/// writeCaseOutputs(). Each case is written into a hidden staging folder (`outputFolder`/.partial/<host>-<pid>/)
/// and renamed into place only when complete, so a killed batch (even by SIGKILL) leaves no partial case behind;
/// the next batch into the same folder removes what a dead batch left there (its lock file is free) and leaves
/// the staging of batches still running (other shards) alone. A failing case becomes a
/// row with its reason and the batch goes on. `outputFolder`/summary.csv and summary.json (with a shard:
/// summary-shard-i-of-N.*) are rewritten atomically after every case. Cancellation (the token) stops after the
/// cases in flight are abandoned; the rows say which were cancelled, and the summary is still written.
/// `progress` receives the overall fraction of this shard (thread-safe calls).
BatchSummary runBatch(const std::filesystem::path& inputFolder, const std::filesystem::path& outputFolder,
                      const BatchOptions& options, ProgressSink& progress, CancelToken cancel = CancelToken());

/// The summary as CSV and JSON text (what runBatch writes).
std::string batchSummaryCsv(const BatchSummary& summary);
std::string batchSummaryJson(const BatchSummary& summary, const BatchOptions& options);

} // namespace strega::pipeline
