// strega-cli batch: screen every case of a folder (resumable, parallel, shardable) with one summary.
#include "Commands.h"
#include "RunArgs.h"
#include "TerminalProgress.h"

#include "strega/core/Error.h"
#include "strega/report/CaseReportWriter.h"
#include "strega/pipeline/Batch.h"

#include <cstdio>
#include <iostream>

namespace strega::cli {

void registerBatch(CLI::App& app, Context& context, int& exitCode) {
  auto* cmd = app.add_subcommand(
    "batch", "Screen every case in INDIR (NIfTI files, DICOM series folders, BraTS case folders) into OUTDIR/<case>/; "
             "writes OUTDIR/summary.csv and summary.json. A failing case becomes a row and the batch goes on");
  struct Args {
    std::string input, outdir, shard;
    int jobs = 1;
    bool resume = false;
    RunArgs run;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("INDIR", args->input, "folder of cases")->required();
  cmd->add_option("-o,--output", args->outdir, "output folder (one sub-folder per case)")->required();
  cmd->add_option("-j,--jobs", args->jobs, "cases processed at the same time (default 1)");
  cmd->add_flag("--resume", args->resume, "skip cases whose outputs were made from the same input, settings and model");
  cmd->add_option("--shard", args->shard,
                  "i/N: process only the i-th of N equal parts of the sorted case list (1 <= i <= N), e.g. one "
                  "cluster array task each; run once more with --resume and no --shard for the combined summary");
  addRunOptions(cmd, args->run);
  cmd->callback([=, &context, &exitCode] {
    exitCode = runCommand([&] {
      pipeline::BatchOptions options;
      options.run = buildRunOptions(args->run);
      options.extraWriter = report::htmlReportWriter(options.run);
      options.jobs = args->jobs;
      options.resume = args->resume;
      if (!args->shard.empty()) options.shard = pipeline::parseShard(args->shard);
      TerminalProgress bar(context.quiet);
      const pipeline::BatchSummary summary =
        pipeline::runBatch(args->input, args->outdir, options, bar, context.cancel);
      bar.finish();
      for (const auto& row : summary.rows)
        if (row.status == pipeline::CaseStatus::Failed)
          std::fprintf(stderr, "strega-cli: %s failed: %s\n", row.id.c_str(), row.reason.c_str());
      const std::string suffix = options.shard.count > 1 ? "-shard-" + std::to_string(options.shard.index) + "-of-" +
                                                             std::to_string(options.shard.count)
                                                         : "";
      const std::string where = options.shard.count > 1
                                  ? " in shard " + args->shard + " of " + std::to_string(summary.totalCases) + " cases"
                                  : "";
      std::printf("%zu case%s%s: %zu done, %zu up to date, %zu failed, %zu cancelled (%.1f s); summary: %s\n",
                  summary.rows.size(), summary.rows.size() == 1 ? "" : "s", where.c_str(),
                  summary.count(pipeline::CaseStatus::Done), summary.count(pipeline::CaseStatus::Skipped),
                  summary.count(pipeline::CaseStatus::Failed), summary.count(pipeline::CaseStatus::Cancelled),
                  summary.seconds,
                  (std::filesystem::path(args->outdir) / ("summary" + suffix + ".csv")).string().c_str());
      if (summary.cancelled) throw Cancelled();
      // Failed cases are recorded, not fatal; the exit code still tells scripts that something needs a look.
      if (summary.count(pipeline::CaseStatus::Failed) > 0)
        throw Error(ErrorKind::InvalidInput,
                    std::to_string(summary.count(pipeline::CaseStatus::Failed)) + " case(s) failed; see the summary");
    });
  });
}

} // namespace strega::cli
