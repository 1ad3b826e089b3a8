// strega-cli run: screen one case (NIfTI file, DICOM folder or BraTS case folder) and write its outputs.
#include "Commands.h"
#include "RunArgs.h"
#include "TerminalProgress.h"

#include "strega/core/Error.h"
#include "strega/model/CceVae.h"
#include "strega/model/Checkpoint.h"
#include "strega/report/CaseReportWriter.h"

#include <cstdio>
#include <iostream>

namespace strega::cli {

void registerRun(CLI::App& app, Context& context, int& exitCode) {
  auto* cmd = app.add_subcommand(
    "run", "Screen one scan for anomalies: pre-process, cceVAE, residual, Otsu, hole filling, area opening, 3D "
           "opening; writes mask.nii.gz "
           "(input grid), residual, brain mask, tissue map, report.json, report.html and seg.dcm (DICOM) to OUTDIR");
  struct Args {
    std::string input, outdir;
    RunArgs run;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("INPUT", args->input, "NIfTI/NRRD/MetaImage file, DICOM folder or BraTS case folder")->required();
  cmd->add_option("-o,--output", args->outdir, "output folder (created when missing)")->required();
  addRunOptions(cmd, args->run);
  cmd->callback([=, &context, &exitCode] {
    exitCode = runCommand([&] {
      const pipeline::RunOptions options = buildRunOptions(args->run);
      const pipeline::CaseInput input = pipeline::resolveCase(args->input, options.modality);
      // A failure must leave no mask behind, also not one of an earlier run.
      pipeline::removeStaleMask(args->outdir);
      TerminalProgress bar(context.quiet);
      ProgressScope progress(bar, "", context.cancel);
      model::CceVae net = model::loadModel(options.modelPath);
      pipeline::CaseResult result = [&] {
        ProgressScope stage(progress, "run", 0.0, 0.92);
        return pipeline::runCase(input, net, options, stage);
      }();
      {
        ProgressScope stage(progress, "write", 0.92, 1.0);
        pipeline::writeCaseOutputs(result, args->outdir, options, report::htmlReportWriter(options), &stage);
      }
      bar.finish();
      double totalMl = 0.0;
      for (const auto& f : result.findings)
        totalMl += f.volumeMl;
      std::printf("%s: %zu finding%s, %.1f mL in total (threshold %.3f, %s, %.1f s)\n", input.id.c_str(),
                  result.findings.size(), result.findings.size() == 1 ? "" : "s", totalMl, result.threshold,
                  result.device.c_str(), result.totalSeconds);
      for (std::size_t i = 0; i < result.findings.size() && i < 5; ++i) {
        const auto& f = result.findings[i];
        std::printf("  #%d %.2f mL at (%.0f, %.0f, %.0f) mm LPS%s%s\n", f.id, f.volumeMl, f.centroidMm[0],
                    f.centroidMm[1], f.centroidMm[2], f.region.empty() ? "" : ", ",
                    postprocess::describeRegions(f).c_str());
      }
      const std::filesystem::path out = args->outdir;
      const auto html = out / "report.html";
      std::error_code ec;
      std::printf("outputs: %s (mask.nii.gz, report.json%s)\n", out.string().c_str(),
                  std::filesystem::exists(html, ec) ? ", report.html" : "");
    });
  });
}

} // namespace strega::cli
