#include "strega/report/HtmlReport.h"

#include "Base64.h"
#include "PngDeflate.h"
#include "ReportViews.h"

#include "strega/core/AtomicOutput.h"
#include "strega/core/Error.h"
#include "strega/core/Version.h"
#include "strega/render/SurfaceScene.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <numeric>
#include <sstream>

namespace strega::report {

namespace {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    case '\'': out += "&#39;"; break;
    default: out += c;
    }
  }
  return out;
}

template <class... Args> std::string format(const char* pattern, Args... args) {
  char buffer[128];
  std::snprintf(buffer, sizeof buffer, pattern, args...);
  return buffer;
}

/// Volumes in mL: two decimals, three below 0.1 mL so that small findings do not read as zero.
std::string formatMl(double ml) { return format(ml < 0.1 ? "%.3f" : "%.2f", ml); }

/// Longest side of a slice view on the page (CSS pixels).
constexpr int kSliceDisplayPixels = 300;

std::string nowUtc() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

/// An <img> with the picture as a PNG data URI, shown `displayWidth` CSS pixels wide (0: as the style sheet says).
std::string pngImg(const RgbImage& picture, const std::string& alt, const std::string& cssClass, int displayWidth,
                   int& count) {
  ++count;
  std::string style;
  if (displayWidth > 0) style = " style=\"width:" + std::to_string(displayWidth) + "px\"";
  return "<img class=\"" + cssClass + "\" width=\"" + std::to_string(picture.width) + "\" height=\"" +
         std::to_string(picture.height) + "\"" + style + " alt=\"" + escape(alt) + "\" src=\"data:image/png;base64," +
         detail::base64Encode(detail::encodeCompressedPng(picture)) + "\">";
}

/// One slice view: the picture with the anatomical letters at its edges, and a caption.
std::string sliceFigure(const detail::SliceView& view, const std::string& alt, int displayWidth, int& count) {
  std::string html = "<figure class=\"slice\"><div class=\"frame\">";
  html += pngImg(view.picture, alt, "view", displayWidth, count);
  static constexpr const char* kEdge[4] = {"top", "right", "bottom", "left"};
  for (int e = 0; e < 4; ++e)
    html += std::string("<span class=\"edge ") + kEdge[e] + "\">" + view.edgeLetters[e] + "</span>";
  html += "</div><figcaption>" + escape(render::toString(view.axis)) + ", " + escape(view.depthText) +
          "</figcaption></figure>\n";
  return html;
}

std::string threeViews(detail::SlicePainter& painter, const Vec3& pointMm, bool mark, const std::string& what,
                       int& count) {
  std::vector<detail::SliceView> views;
  int largestSide = 1;
  for (render::ViewAxis axis : {render::ViewAxis::Axial, render::ViewAxis::Coronal, render::ViewAxis::Sagittal}) {
    views.push_back(painter.paint(axis, pointMm, mark));
    largestSide = std::max({largestSide, views.back().picture.width, views.back().picture.height});
  }
  // One scale for the three pictures, so that a millimetre has the same size on screen in every view.
  const double scale = static_cast<double>(kSliceDisplayPixels) / largestSide;
  std::string html = "<div class=\"views\">\n";
  for (const auto& view : views)
    html += sliceFigure(view, std::string(render::toString(view.axis)) + " slice through " + what,
                        static_cast<int>(std::lround(view.picture.width * scale)), count);
  return html + "</div>\n";
}

constexpr const char* kStyle = R"(<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0 auto;max-width:1100px;
padding:1.2em 1.5em;color:#1d2330;background:#fff;line-height:1.4}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.25em;border-bottom:1px solid #d6dae3;padding-bottom:.2em;margin-top:1.6em}
h3{font-size:1.05em;margin:1.2em 0 .4em}
.meta{color:#5a6274;font-size:.92em}.note{color:#5a6274;font-size:.9em}
.summary{display:flex;gap:1em;flex-wrap:wrap;margin:.8em 0}
.stat{background:#f2f4f8;border-radius:6px;padding:.5em 1em;min-width:9em}
.stat b{display:block;font-size:1.4em}
table{border-collapse:collapse;margin:.5em 0;font-size:.93em}
th,td{border:1px solid #d6dae3;padding:.3em .7em;text-align:left}th{background:#f2f4f8}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.views{display:flex;gap:14px;flex-wrap:wrap;align-items:flex-start}
figure{margin:0}figcaption{font-size:.88em;color:#5a6274;text-align:center;margin-top:.3em}
.frame{position:relative;display:inline-block;background:#000;padding:16px}
img.view{display:block;height:auto;max-width:100%}
img.view3d{display:block;width:480px;height:auto;max-width:100%}
.edge{position:absolute;color:#ffd84a;font:bold 12px/16px monospace}
.edge.top{top:0;left:0;right:0;text-align:center}.edge.bottom{bottom:0;left:0;right:0;text-align:center}
.edge.left{left:4px;top:50%;margin-top:-8px}.edge.right{right:4px;top:50%;margin-top:-8px}
.unavailable{background:#f7f2e3;border:1px solid #e4d7a8;padding:.6em 1em;border-radius:6px;display:inline-block}
ul.warnings li{color:#8a4b00}
pre{background:#f2f4f8;padding:.8em;overflow:auto;font-size:.85em}
footer{margin-top:2em;color:#5a6274;font-size:.85em}
</style>
)";

} // namespace

std::string renderHtmlReport(const ReportContent& content, const ReportOptions& options, ReportResult* result) {
  if (!content.image || content.image->empty())
    throw Error(ErrorKind::InvalidArgument, "the report needs the case's image", "ReportContent::image is empty");
  const auto start = std::chrono::steady_clock::now();
  ReportResult local;
  ReportResult& out = result ? *result : local;
  out = {};

  std::vector<const postprocess::Finding*> largest;
  for (const auto& finding : content.findings)
    largest.push_back(&finding);
  std::stable_sort(largest.begin(), largest.end(),
                   [](const auto* a, const auto* b) { return a->volumeMl > b->volumeMl; });
  const double totalMl = std::accumulate(content.findings.begin(), content.findings.end(), 0.0,
                                         [](double sum, const auto& f) { return sum + f.volumeMl; });
  const std::string title = content.caseName.empty() ? std::string("case") : content.caseName;

  std::ostringstream html;
  html << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
       << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
       << "<title>StRegA report: " << escape(title) << "</title>\n"
       << kStyle << "</head>\n<body>\n";
  html << "<h1>StRegA anomaly report: " << escape(title) << "</h1>\n";
  html << "<p class=\"meta\">" << (content.inputDescription.empty() ? "" : escape(content.inputDescription) + "<br>")
       << "Created " << escape(options.generatedAtUtc.empty() ? nowUtc() : options.generatedAtUtc)
       << " by StRegA desktop " << escape(versionString()) << ".</p>\n";

  // Summary.
  html << "<h2>Summary</h2>\n<div class=\"summary\">"
       << "<div class=\"stat\">Findings<b id=\"finding-count\">" << content.findings.size() << "</b></div>"
       << "<div class=\"stat\">Total volume<b id=\"total-volume\">" << formatMl(totalMl) << " mL</b></div>"
       << "<div class=\"stat\">Threshold"
       << (content.thresholdMethod.empty() ? "" : " (" + escape(content.thresholdMethod) + ")")
       << "<b id=\"threshold\">" << format("%.4g", content.threshold) << "</b></div></div>\n";

  // Findings table.
  html << "<h2>Findings</h2>\n";
  if (content.findings.empty()) {
    html << "<p id=\"no-findings\">No findings: no region of the image scored above the threshold.</p>\n";
  } else {
    html << "<table id=\"findings\">\n<tr><th>Id</th><th>Volume (mL)</th><th>Regions (share of the finding)</th>"
         << "<th>Centroid x, y, z (LPS, mm)</th><th>Peak score</th></tr>\n";
    for (const auto& f : content.findings)
      html << "<tr id=\"finding-" << f.id << "\"><td class=\"num\">" << f.id << "</td><td class=\"num\">"
           << formatMl(f.volumeMl) << "</td><td>"
           << (f.region.empty() ? "&mdash;" : escape(postprocess::describeRegions(f))) << "</td><td class=\"num\">"
           << format("%.1f, %.1f, %.1f", f.centroidMm[0], f.centroidMm[1], f.centroidMm[2]) << "</td><td class=\"num\">"
           << format("%.3f", f.peakScore) << "</td></tr>\n";
    html << "</table>\n";
    html << "<p class=\"note\">LPS: x grows to the patient's left, y to posterior, z to superior.</p>\n";
  }

  // Slice views.
  detail::SlicePainter painter(content, options.maxSlicePixels);
  const std::string convention =
    "Radiological convention: the patient's right is on the image's left. Axial views have anterior at the top, "
    "coronal and sagittal views superior at the top, sagittal views anterior on the left. Letters at the edges "
    "name the directions (R/L right/left, A/P anterior/posterior, S/I superior/inferior).";
  if (largest.empty()) {
    html << "<h2>Mid-planes</h2>\n<p class=\"note\">" << convention << "</p>\n"
         << threeViews(painter, painter.centreMm(), false, "the middle of the image", out.embeddedImages);
  } else {
    const std::size_t shown = std::min(largest.size(), static_cast<std::size_t>(std::max(0, options.maxFindingViews)));
    html << "<h2>Largest findings</h2>\n<p class=\"note\">" << convention
         << " Findings are drawn in red; yellow ticks at the borders point at the finding's centroid.";
    if (shown < largest.size()) html << " The " << shown << " largest of " << largest.size() << " findings are shown.";
    html << "</p>\n";
    for (std::size_t i = 0; i < shown; ++i) {
      const auto& f = *largest[i];
      html << "<h3 id=\"views-" << f.id << "\">Finding " << f.id << ": " << formatMl(f.volumeMl) << " mL"
           << (f.region.empty() ? "" : ", " + escape(f.region)) << "</h3>\n"
           << threeViews(painter, f.centroidMm, true, "finding " + std::to_string(f.id), out.embeddedImages);
    }
  }

  // 3D view.
  html << "<h2>3D view</h2>\n";
  const detail::Views3d views3d = detail::render3dViews(content, options);
  if (views3d.views.empty()) {
    out.view3dNote = views3d.note;
    html << "<p class=\"unavailable\" id=\"view3d-note\">" << escape(views3d.note) << "</p>\n";
  } else {
    out.view3dRendered = true;
    html << "<div class=\"views\">\n";
    for (const auto& view : views3d.views)
      html << "<figure>" << pngImg(view.picture, "3D view. " + view.caption, "view3d", 0, out.embeddedImages)
           << "<figcaption>" << escape(view.caption) << "</figcaption></figure>\n";
    html << "</div>\n";
  }

  // Stage timings.
  html << "<h2>Stage timings</h2>\n";
  if (content.stageTimings.empty()) {
    html << "<p class=\"note\">No timings recorded.</p>\n";
  } else {
    double total = 0.0;
    html << "<table id=\"timings\">\n<tr><th>Stage</th><th>Time (s)</th></tr>\n";
    for (const auto& t : content.stageTimings) {
      total += t.seconds;
      html << "<tr><td>" << escape(t.name) << "</td><td class=\"num\">" << format("%.2f", t.seconds) << "</td></tr>\n";
    }
    html << "<tr><th>Total</th><th class=\"num\">" << format("%.2f", total) << "</th></tr>\n</table>\n";
  }

  // Warnings.
  html << "<h2>Warnings</h2>\n";
  if (content.warnings.empty()) {
    html << "<p class=\"note\">None.</p>\n";
  } else {
    html << "<ul class=\"warnings\">\n";
    for (const auto& w : content.warnings)
      html << "<li>" << escape(w) << "</li>\n";
    html << "</ul>\n";
  }

  // Versions and configuration.
  html << "<h2>Versions</h2>\n<table id=\"versions\">\n<tr><th>Component</th><th>Version</th></tr>\n"
       << "<tr><td>StRegA desktop</td><td>" << escape(versionString()) << " (" << escape(gitCommit())
       << ")</td></tr>\n";
  for (const auto& [name, version] : content.versions)
    html << "<tr><td>" << escape(name) << "</td><td>" << escape(version) << "</td></tr>\n";
  html << "<tr><td>VTK (report rendering)</td><td>" << escape(render::vtkVersionString()) << "</td></tr>\n</table>\n";
  if (!content.configText.empty())
    html << "<h2>Configuration</h2>\n<details><summary>Pipeline configuration as run</summary><pre>"
         << escape(content.configText) << "</pre></details>\n";

  html << "<footer>Research software: StRegA marks regions that differ from the healthy brains it was trained on. "
          "It is not a diagnostic device; every finding needs review by a qualified reader.</footer>\n"
       << "</body>\n</html>\n";

  out.renderSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return html.str();
}

ReportResult writeHtmlReport(const ReportContent& content, const std::filesystem::path& htmlPath,
                             const ReportOptions& options) {
  ReportResult result;
  // Rendered completely before anything touches the disk: a failure leaves the previous report in place.
  const std::string html = renderHtmlReport(content, options, &result);
  writeFileAtomically(htmlPath, html);
  return result;
}

} // namespace strega::report
