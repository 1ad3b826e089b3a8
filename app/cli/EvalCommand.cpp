// strega-cli eval: Dice, sensitivity, precision, HD95 and volumes of predicted masks against ground truth
// (METHOD.md §6), optionally beside an intensity-threshold baseline.
#include "Commands.h"
#include "TerminalProgress.h"

#include "strega/core/Error.h"
#include "strega/pipeline/Evaluation.h"

#include <cstdio>
#include <iostream>
#include <memory>

namespace strega::cli {

void registerEval(CLI::App& app, Context& context, int& exitCode) {
  auto* cmd = app.add_subcommand(
    "eval", "Score predicted masks against ground truth (whole tumour: labels > 0): per-case Dice, sensitivity, "
            "precision, HD95 (mm) and volumes (mL), mean ± SD; writes eval.csv, eval.json, eval.md, eval.png");
  struct Args {
    std::string pred, truth, outdir, baseline, modality = "t2";
    double k = 2.0;
  };
  auto args = std::make_shared<Args>();
  cmd
    ->add_option("--pred", args->pred,
                 "predictions: PREDDIR/<case>/mask.nii.gz (as run/batch write) or "
                 "PREDDIR/<case>.nii.gz")
    ->required();
  cmd
    ->add_option("--truth", args->truth,
                 "ground truth: a BraTS folder (<case>/<case>_seg.nii.gz or -seg.nii.gz) "
                 "or a flat folder of <case>_seg.nii.gz / <case>.nii.gz")
    ->required();
  cmd->add_option("-o,--output", args->outdir, "output folder (created when missing)")->required();
  cmd->add_option("--baseline", args->baseline, "also score a baseline on the same cases: threshold")
    ->check(CLI::IsMember({"threshold"}));
  cmd
    ->add_option("--baseline-modality", args->modality,
                 "image the baseline thresholds, tried first (default t2; then t2, flair, t1)")
    ->check(CLI::IsMember({"t2", "flair", "t1"}));
  cmd
    ->add_option("--baseline-k", args->k,
                 "baseline threshold: mean + k SD of the brain (mean - k SD for T1; "
                 "default 2)")
    ->check(CLI::NonNegativeNumber);
  cmd->callback([=, &context, &exitCode] {
    exitCode = runCommand([&] {
      pipeline::EvalOptions options;
      options.predDir = args->pred;
      options.truthDir = args->truth;
      if (!args->baseline.empty()) {
        pipeline::BaselineOptions baseline;
        baseline.modality = args->modality;
        baseline.k = args->k;
        options.baseline = baseline;
      }
      TerminalProgress bar(context.quiet);
      ProgressScope progress(bar, "eval", context.cancel);
      const pipeline::EvalReport report = pipeline::evaluate(options, &progress);
      pipeline::writeEvalReport(report, args->outdir);
      bar.finish();
      for (const auto& row : report.rows)
        if (!row.scores) std::cerr << "strega-cli: warning: " << row.caseName << ": " << row.reason << "\n";
      std::printf("%s\nwrote %s/eval.{csv,json,md,png}\n", pipeline::evalSummaryLine(report).c_str(),
                  args->outdir.c_str());
      if (report.summary.scored == 0)
        throw Error(ErrorKind::InvalidInput, "no case could be scored (see eval.csv for the reasons)");
    });
  });
}

} // namespace strega::cli
