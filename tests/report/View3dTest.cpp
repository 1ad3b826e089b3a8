// The 3D view (VTK offscreen, needs an X display: CTest runs these under Xvfb as report_test_xvfb) and the
// Colin27 report kept for a look in a browser.
#include "ReportTestSupport.h"

#include "strega/io/ImageReader.h"

#include <chrono>
#include <iostream>

using namespace strega;
using namespace strega::testing;

namespace {

/// Skips without a display, unless the run demands the 3D view (STREGA_REQUIRE_3D, set by the Xvfb CTest entry).
bool skipWithout3d(const report::ReportResult& result) {
  if (result.view3dRendered) return false;
  if (std::getenv("STREGA_REQUIRE_3D")) {
    ADD_FAILURE() << "no 3D view: " << result.view3dNote;
    return true;
  }
  return true;
}

/// Fraction of pixels that differ from the top-left (background) pixel.
double foregroundFraction(const DecodedPng& png) {
  const auto background = png.at(0, 0);
  std::size_t differ = 0;
  for (int y = 0; y < png.height; ++y)
    for (int x = 0; x < png.width; ++x)
      differ += png.at(x, y) != background;
  return static_cast<double>(differ) / (static_cast<double>(png.width) * png.height);
}

int redPixels(const DecodedPng& png) {
  int n = 0;
  for (int y = 0; y < png.height; ++y)
    for (int x = 0; x < png.width; ++x)
      n += isRed(png.at(x, y));
  return n;
}

} // namespace

TEST(HtmlReportGui, View3d_RenderedNotBlankWithTheLesionInRed) {
  const SyntheticCase c = makeCase({10.0, -6.0, 4.0}, 5.0);
  report::ReportOptions options;
  options.view3dWidth = 320;
  options.view3dHeight = 240;
  report::ReportResult result;
  const std::string html = report::renderHtmlReport(contentOf(c), options, &result);
  if (skipWithout3d(result)) GTEST_SKIP() << result.view3dNote;
  EXPECT_EQ(html.find("3D view not available"), std::string::npos);
  const auto pictures = embeddedPngs(html);
  ASSERT_EQ(pictures.size(), 5u);
  int views3d = 0;
  for (const auto& p : pictures) {
    if (p.alt.rfind("3D view", 0) != 0) continue;
    ++views3d;
    EXPECT_EQ(p.png.width, 320);
    EXPECT_EQ(p.png.height, 240);
    EXPECT_GT(foregroundFraction(p.png), 0.1) << p.alt; // the head fills a good part of the frame
    EXPECT_GT(redPixels(p.png), 100) << p.alt;          // the lesion shows through the translucent brain
  }
  EXPECT_EQ(views3d, 2);
}

TEST(HtmlReportGui, View3dWithoutBrainMask_ShowsTheHeadSurface) {
  const SyntheticCase c = makeCase({10.0, -6.0, 4.0}, 5.0);
  report::ReportContent content = contentOf(c);
  content.brainMask = nullptr;
  report::ReportOptions options;
  options.view3dWidth = 200;
  options.view3dHeight = 160;
  report::ReportResult result;
  const std::string html = report::renderHtmlReport(content, options, &result);
  if (skipWithout3d(result)) GTEST_SKIP() << result.view3dNote;
  EXPECT_NE(html.find("head surface translucent"), std::string::npos);
  int views3d = 0;
  for (const auto& p : embeddedPngs(html))
    if (p.alt.rfind("3D view", 0) == 0) {
      ++views3d;
      EXPECT_GT(foregroundFraction(p.png), 0.1) << p.alt;
    }
  EXPECT_EQ(views3d, 2);
}

TEST(HtmlReportColin27, FakeLesions_ReportForInspection) {
  if (!fs::exists(kColin27)) GTEST_SKIP() << "mricron-data is not installed";
  const ImageF image = io::readImage(kColin27).image;
  const ImageF bet = io::readImage(kColin27.parent_path() / "ch2bet.nii.gz").image;
  Mask brain(bet.geometry(), 0);
  for (std::size_t v = 0; v < bet.voxelCount(); ++v)
    brain[v] = bet[v] > 0.0f;

  // Two fake lesions inside the brain (LPS, mm; MNI space): a 10 mm ball in the patient's left frontal lobe and a
  // 6 mm ball in the right occipital lobe.
  const Vec3 leftFrontal{30.0, -20.0, 30.0};
  const Vec3 rightOccipital{-25.0, 75.0, 10.0};
  const ImageGeometry& g = image.geometry();
  Mask mask(g, 0);
  ImageF score(g, 0.0f);
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        const Vec3 p = g.indexToPhysical({double(i), double(j), double(k)});
        const double d1 = norm(subtract(p, leftFrontal)), d2 = norm(subtract(p, rightOccipital));
        if ((d1 <= 10.0 || d2 <= 6.0) && brain.at(i, j, k)) {
          mask.at(i, j, k) = 1;
          score.at(i, j, k) = static_cast<float>(1.0 - std::min(d1, d2) / 20.0);
        }
      }
  report::ReportContent content;
  content.caseName = "Colin27 (fake lesions)";
  content.inputDescription = kColin27.string() + ", 181 x 217 x 181 voxels of 1 mm";
  content.image = &image;
  content.anomalyMask = &mask;
  content.brainMask = &brain;
  content.findings = postprocess::findComponents(mask, score);
  ASSERT_EQ(content.findings.size(), 2u);
  content.findings[0].region = "Left Frontal Pole (fake)";
  content.findings[1].region = "Right Occipital (fake)";
  content.threshold = 0.5;
  content.thresholdMethod = "fixed";
  content.stageTimings = {{"load", 0.1}};

  // One folder per kind of run: CTest may run this with and without Xvfb at the same time.
  const char* display = std::getenv("DISPLAY");
  const fs::path out = artifactDir(display && *display ? "colin27" : "colin27-no-display") / "report.html";
  const auto start = std::chrono::steady_clock::now();
  const report::ReportResult result = report::writeHtmlReport(content, out);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "[ report   ] Colin27 report: " << seconds << " s (pictures " << result.renderSeconds << " s), "
            << fs::file_size(out) / 1024 << " KiB, 3D " << (result.view3dRendered ? "rendered" : result.view3dNote)
            << ": " << out.string() << "\n";
  RecordProperty("seconds", std::to_string(seconds));

  const std::string html = readFile(out);
  const auto pictures = embeddedPngs(html);
  ASSERT_EQ(static_cast<int>(pictures.size()), 6 + (result.view3dRendered ? 2 : 0));
  // The left frontal lesion in the axial view through it: the image's right half, upper half (radiological).
  const EmbeddedPng* axial = nullptr;
  for (const auto& p : pictures)
    if (p.alt == "Axial slice through finding 1") axial = &p;
  ASSERT_NE(axial, nullptr);
  double sumX = 0.0, sumY = 0.0;
  int red = 0;
  for (int y = 0; y < axial->png.height; ++y)
    for (int x = 0; x < axial->png.width; ++x)
      if (isRed(axial->png.at(x, y))) {
        sumX += x, sumY += y, ++red;
      }
  ASSERT_GT(red, 100);
  EXPECT_GT(sumX / red, axial->png.width / 2.0);
  EXPECT_LT(sumY / red, axial->png.height / 2.0);
  if (!skipWithout3d(result)) {
    for (const auto& p : pictures)
      if (p.alt.rfind("3D view", 0) == 0) {
        EXPECT_GT(foregroundFraction(p.png), 0.1) << p.alt;
      }
  }
}
