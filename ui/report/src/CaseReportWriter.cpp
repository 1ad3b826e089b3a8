#include "strega/report/CaseReportWriter.h"

#include "strega/core/Version.h"
#include "strega/pipeline/CaseInput.h"
#include "strega/report/HtmlReport.h"

#include <sstream>

namespace strega::report {

pipeline::CaseExtraWriter htmlReportWriter(const pipeline::RunOptions& options) {
  if (!options.htmlReport) return {};
  return [](const pipeline::CaseResult& r, const std::filesystem::path& outdir) {
    ReportContent c;
    c.caseName = r.input.id;
    std::ostringstream input;
    const auto& g = r.nativeImage.geometry();
    input << r.input.path.string() << " (" << pipeline::toString(r.input.kind)
          << (r.input.modality.empty() ? "" : ", " + r.input.modality) << ", " << r.inputFormat << ", " << g.size[0]
          << " x " << g.size[1] << " x " << g.size[2] << " voxels of " << g.spacingMm[0] << " x " << g.spacingMm[1]
          << " x " << g.spacingMm[2] << " mm, " << g.orientationCode() << "; contrast " << r.contrast
          << (r.registered ? ", registered to Colin27" : ", not registered") << ")";
    c.inputDescription = input.str();
    c.image = &r.nativeImage;
    c.anomalyMask = &r.mask;
    c.brainMask = &r.brainMask;
    c.findings = r.findings;
    c.threshold = r.threshold;
    c.thresholdMethod = r.thresholdMethod;
    c.versions = {{"StRegA", std::string(versionString()) + " (" + gitCommit() + ")"},
                  {"model", r.modelPath + " (" + r.modelFingerprint + ")"},
                  {"device", r.device}};
    for (const auto& t : r.timings)
      c.stageTimings.push_back({t.stage, t.seconds});
    c.warnings = r.warnings;
    c.configText = r.optionsJson;
    const ReportResult written = writeHtmlReport(c, outdir / "report.html");
    std::vector<std::string> warnings;
    if (!written.view3dNote.empty()) warnings.push_back("report.html: " + written.view3dNote);
    return warnings;
  };
}

} // namespace strega::report
