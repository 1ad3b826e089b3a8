#pragma once
/// \file
/// \brief writeHtmlReport: the case report as one self-contained HTML file (report.html).

#include "strega/report/ReportContent.h"

#include <filesystem>
#include <string>

namespace strega::report {

/// \brief What the report draws and how large.
struct ReportOptions {
  int maxFindingViews = 3;  ///< findings (largest first) that get three orthogonal slice views each
  int maxSlicePixels = 512; ///< longest side of a slice view (pixels); the pixel size follows from it
  int view3dWidth = 640;    ///< 3D view size (pixels)
  int view3dHeight = 480;
  bool render3d = true;       ///< false skips the 3D view (the report then says it was not requested)
  std::string generatedAtUtc; ///< shown as the creation time; empty = now (ISO 8601, UTC)
};

/// \brief What writing the report produced, for the caller's log.
struct ReportResult {
  int embeddedImages = 0; ///< PNG pictures embedded in the HTML (slice views and the 3D view)
  bool view3dRendered = false;
  std::string view3dNote;     ///< why there is no 3D picture (e.g. "3D view not available: no display"); else ""
  double renderSeconds = 0.0; ///< time spent drawing the pictures
};

/// \brief Builds the report as an HTML document: one self-contained page (inline CSS, pictures as base64 PNG data
/// URIs, no scripts, nothing fetched from the network) that opens in any browser.
///
/// Contents: a summary (number of findings, total volume in mL, threshold); a findings table (id, volume mL,
/// region, centroid in LPS mm, peak score); for each of the largest findings (up to options.maxFindingViews)
/// axial, coronal and sagittal slices through its centroid with the anomaly mask drawn in colour over the grey
/// image; with no findings, the three mid-planes instead. Slices are world-aligned planes (LPS) resampled through
/// each image's geometry, so oblique volumes display upright, in radiological convention (the patient's right on
/// the image's left; anterior up in axial views, superior up in coronal and sagittal views, anterior left in
/// sagittal views). Then a 3D view (brain surface, semi-transparent, with the anomaly surfaces) rendered offscreen
/// by VTK, stage timings, warnings, versions and the configuration.
///
/// The slice views need no display. The 3D view needs an X display (Debian's VTK renders through GLX); without
/// one the page says "3D view not available: no display" instead, and nothing else changes. Never opens a window.
/// May be called from several threads at once (3D renders are then serialised). Throws Error(InvalidArgument) when
/// content.image is null or empty.
std::string renderHtmlReport(const ReportContent& content, const ReportOptions& options = {},
                             ReportResult* result = nullptr);

/// \brief renderHtmlReport() written to `htmlPath` atomically (temporary file + rename: the path holds either the
/// previous file or the complete new one). Throws Error(Io) when the file cannot be written.
ReportResult writeHtmlReport(const ReportContent& content, const std::filesystem::path& htmlPath,
                             const ReportOptions& options = {});

} // namespace strega::report
