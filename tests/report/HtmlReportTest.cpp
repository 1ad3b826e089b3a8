// writeHtmlReport on synthetic heads with a known spherical lesion: the findings table, the embedded pictures
// (decoded and inspected pixel by pixel for orientation and overlay colour), no findings, atomic writing, and the
// report without a display (in a child process whose environment has no DISPLAY).
#include "ReportTestSupport.h"

#include "strega/core/Error.h"
#include "strega/render/SliceFrame.h"

#include <chrono>
#include <csignal>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace strega;
using namespace strega::testing;

namespace {

/// Patient's left (+x), anterior (-y), superior (+z) of the head's centre (LPS, mm): on the image's right and in
/// its upper half in a radiological axial view.
const Vec3 kLesionMm{10.0, -6.0, 4.0};
constexpr double kLesionRadiusMm = 5.0;

const EmbeddedPng* findByAlt(const std::vector<EmbeddedPng>& pictures, const std::string& alt) {
  for (const auto& p : pictures)
    if (p.alt == alt) return &p;
  return nullptr;
}

int expectedPictures(int slices, const report::ReportResult& result) {
  return slices + (result.view3dRendered ? 2 : 0);
}

} // namespace

TEST(HtmlReport, SphereLesion_FindingRowHasItsVolume) {
  const SyntheticCase c = makeCase(kLesionMm, kLesionRadiusMm);
  ASSERT_EQ(c.findings.size(), 1u);
  std::size_t voxels = 0;
  for (auto v : c.mask.voxels())
    voxels += v != 0;
  const double expectedMl = static_cast<double>(voxels) * 1.0 / 1000.0; // 1 mm^3 voxels
  EXPECT_NEAR(c.findings[0].volumeMl, expectedMl, 1e-12);
  EXPECT_NEAR(expectedMl, 4.0 / 3.0 * M_PI * 125.0 / 1000.0, 0.02); // a voxelised 5 mm ball: about 0.52 mL

  const std::string html = report::renderHtmlReport(contentOf(c));
  const auto row = html.find("<tr id=\"finding-1\">");
  ASSERT_NE(row, std::string::npos);
  const std::string rowText = html.substr(row, html.find("</tr>", row) - row);
  char volume[32];
  std::snprintf(volume, sizeof volume, "%.2f", expectedMl);
  EXPECT_NE(rowText.find(std::string("<td class=\"num\">") + volume + "</td>"), std::string::npos) << rowText;
  EXPECT_NE(rowText.find("10.0, -6.0, 4.0"), std::string::npos) << rowText; // centroid, LPS mm
  EXPECT_NE(rowText.find("0.800"), std::string::npos) << rowText;           // peak score
  EXPECT_NE(html.find("<b id=\"finding-count\">1</b>"), std::string::npos);
  EXPECT_NE(html.find(std::string("<b id=\"total-volume\">") + volume + " mL</b>"), std::string::npos);
  EXPECT_NE(html.find("<b id=\"threshold\">0.42</b>"), std::string::npos);
}

TEST(HtmlReport, SphereLesion_SelfContainedWithEscapedText) {
  const SyntheticCase c = makeCase(kLesionMm, kLesionRadiusMm);
  const std::string html = report::renderHtmlReport(contentOf(c));
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_NE(html.find("test warning &lt;with&gt; markup &amp; more"), std::string::npos);
  EXPECT_NE(html.find("<td>preprocess</td><td class=\"num\">1.50</td>"), std::string::npos);
  EXPECT_NE(html.find("<th class=\"num\">3.75</th>"), std::string::npos); // total of the stage timings
  EXPECT_NE(html.find("{&quot;threshold&quot;: &quot;otsu&quot;}"), std::string::npos);
  EXPECT_NE(html.find("<td>model</td><td>test-model 1</td>"), std::string::npos);
  EXPECT_NE(html.find("Radiological convention"), std::string::npos);
}

TEST(HtmlReport, SphereLesion_EmbedsThreeDecodableSlicePngs) {
  const SyntheticCase c = makeCase(kLesionMm, kLesionRadiusMm);
  report::ReportResult result;
  const std::string html = report::renderHtmlReport(contentOf(c), {}, &result);
  const auto pictures = embeddedPngs(html);
  ASSERT_EQ(static_cast<int>(pictures.size()), expectedPictures(3, result));
  EXPECT_EQ(result.embeddedImages, static_cast<int>(pictures.size()));
  for (const auto& p : pictures) {
    EXPECT_EQ(p.png.width, p.declaredWidth) << p.alt;
    EXPECT_EQ(p.png.height, p.declaredHeight) << p.alt;
  }
  // Slices span the world bounding box of the voxel centres at the smallest spacing (1 mm): 48 x 48 axially,
  // 48 wide and 40 high coronally and sagittally.
  ASSERT_NE(findByAlt(pictures, "Axial slice through finding 1"), nullptr);
  EXPECT_EQ(findByAlt(pictures, "Axial slice through finding 1")->png.width, 48);
  EXPECT_EQ(findByAlt(pictures, "Axial slice through finding 1")->png.height, 48);
  ASSERT_NE(findByAlt(pictures, "Coronal slice through finding 1"), nullptr);
  EXPECT_EQ(findByAlt(pictures, "Coronal slice through finding 1")->png.height, 40);
  ASSERT_NE(findByAlt(pictures, "Sagittal slice through finding 1"), nullptr);
}

TEST(HtmlReport, SphereLesion_OverlayRedAtLesionGreyElsewhereRadiologicalOrientation) {
  const SyntheticCase c = makeCase(kLesionMm, kLesionRadiusMm);
  const auto pictures = embeddedPngs(report::renderHtmlReport(contentOf(c)));
  const EmbeddedPng* axial = findByAlt(pictures, "Axial slice through finding 1");
  const EmbeddedPng* coronal = findByAlt(pictures, "Coronal slice through finding 1");
  const EmbeddedPng* sagittal = findByAlt(pictures, "Sagittal slice through finding 1");
  ASSERT_TRUE(axial && coronal && sagittal);

  // Axial, radiological: column = x + 24 (patient's left to the right), row = y + 24 (anterior at the top).
  const int ax = static_cast<int>(kLesionMm[0]) + 24, ay = static_cast<int>(kLesionMm[1]) + 24;
  EXPECT_GT(ax, 24); // the patient's left half is the image's right half
  EXPECT_LT(ay, 24); // anterior is the upper half
  EXPECT_TRUE(isRed(axial->png.at(ax, ay))) << "lesion centre not coloured";
  // The mirror point (patient's right, posterior) is head tissue: grey, neither black nor coloured.
  const auto far = axial->png.at(48 - 1 - ax, 48 - 1 - ay);
  EXPECT_TRUE(isGrey(far));
  EXPECT_GT(far[0], 30);
  // Background outside the head is black.
  EXPECT_EQ(axial->png.at(2, 24), (std::array<int, 3>{0, 0, 0}));

  // Coronal: column = x + 24, row = 19 - z (superior at the top).
  EXPECT_TRUE(isRed(coronal->png.at(ax, 19 - static_cast<int>(kLesionMm[2]))));
  EXPECT_TRUE(isGrey(coronal->png.at(48 - 1 - ax, 19 - static_cast<int>(kLesionMm[2]))));
  // Sagittal: column = y + 24 (anterior on the left), row = 19 - z.
  EXPECT_TRUE(isRed(sagittal->png.at(ay, 19 - static_cast<int>(kLesionMm[2]))));
  EXPECT_TRUE(isGrey(sagittal->png.at(48 - 1 - ay, 19 - static_cast<int>(kLesionMm[2]))));
}

TEST(HtmlReport, RasStoredVolume_SamePicturesAsLpsStored) {
  // NIfTI-style storage (i to the right, j to anterior) holds the same world content on a flipped grid; the views
  // are world-aligned, so every picture must come out identical.
  const SyntheticCase lps = makeCase(kLesionMm, kLesionRadiusMm);
  const SyntheticCase ras = makeCase(kLesionMm, kLesionRadiusMm, Mat3{-1, 0, 0, 0, -1, 0, 0, 0, 1});
  ASSERT_EQ(ras.findings.size(), 1u);
  EXPECT_NEAR(norm(subtract(ras.findings[0].centroidMm, kLesionMm)), 0.0, 1e-9);
  report::ReportOptions noSurfaces;
  noSurfaces.render3d = false;
  const auto a = embeddedPngs(report::renderHtmlReport(contentOf(lps), noSurfaces));
  const auto b = embeddedPngs(report::renderHtmlReport(contentOf(ras), noSurfaces));
  ASSERT_EQ(a.size(), 3u);
  ASSERT_EQ(b.size(), 3u);
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].alt, b[i].alt);
    EXPECT_EQ(a[i].png.rgb, b[i].png.rgb) << a[i].alt;
  }
}

TEST(HtmlReport, ObliqueVolume_LesionDrawnWhereItsWorldPositionFalls) {
  // A grid rotated 20 degrees about x and 30 about z with anisotropic voxels: the views stay world-aligned (upright),
  // so the lesion lies at the pixel of its LPS position in the axial frame through it.
  ImageGeometry g;
  g.size = {56, 52, 40};
  g.spacingMm = {0.9, 1.0, 1.3};
  const double x = 20.0 * M_PI / 180.0, z = 30.0 * M_PI / 180.0;
  const Mat3 rx{1, 0, 0, 0, std::cos(x), -std::sin(x), 0, std::sin(x), std::cos(x)};
  const Mat3 rz{std::cos(z), -std::sin(z), 0, std::sin(z), std::cos(z), 0, 0, 0, 1};
  g.direction = multiply(rz, rx);
  // Centre the grid on the world origin (where the head is).
  const Vec3 halfExtent = multiply(g.indexToPhysicalMatrix(), Vec3{27.5, 25.5, 19.5});
  g.originMm = scale(halfExtent, -1.0);
  const SyntheticCase c = makeCaseOnGrid(g, kLesionMm, kLesionRadiusMm);
  ASSERT_EQ(c.findings.size(), 1u);
  const Vec3 centroid = c.findings[0].centroidMm;
  EXPECT_LT(norm(subtract(centroid, kLesionMm)), 0.5);

  report::ReportOptions options;
  options.render3d = false;
  const auto pictures = embeddedPngs(report::renderHtmlReport(contentOf(c), options));
  const EmbeddedPng* axial = findByAlt(pictures, "Axial slice through finding 1");
  ASSERT_NE(axial, nullptr);
  const render::SliceGeometry slices(g, options.maxSlicePixels);
  const render::SliceFrame frame =
    slices.frame(render::ViewAxis::Axial, slices.snap(centroid), render::DisplayConvention::Radiological);
  EXPECT_EQ(axial->png.width, frame.width);
  EXPECT_EQ(axial->png.height, frame.height);
  const auto pixel = frame.worldToPixel(centroid);
  const int a = static_cast<int>(std::lround(pixel[0])), b = static_cast<int>(std::lround(pixel[1]));
  EXPECT_TRUE(isRed(axial->png.at(a, b)));
  // The patient's left on the image's right, anterior up, as for an axis-aligned grid.
  EXPECT_GT(a, frame.width / 2);
  EXPECT_LT(b, frame.height / 2);
  const auto mirror = frame.worldToPixel(Vec3{-kLesionMm[0], -kLesionMm[1], centroid[2]});
  const auto far = axial->png.at(static_cast<int>(std::lround(mirror[0])), static_cast<int>(std::lround(mirror[1])));
  EXPECT_TRUE(isGrey(far));
  EXPECT_GT(far[0], 30);
}

TEST(HtmlReport, NoFindings_SaysSoAndShowsMidPlanes) {
  SyntheticCase c = makeCase(kLesionMm, kLesionRadiusMm);
  std::fill(c.mask.voxels().begin(), c.mask.voxels().end(), std::uint8_t{0});
  c.findings.clear();
  report::ReportResult result;
  const std::string html = report::renderHtmlReport(contentOf(c), {}, &result);
  EXPECT_NE(html.find("No findings"), std::string::npos);
  EXPECT_NE(html.find("<b id=\"finding-count\">0</b>"), std::string::npos);
  EXPECT_EQ(html.find("<tr id=\"finding-"), std::string::npos);
  const auto pictures = embeddedPngs(html);
  ASSERT_EQ(static_cast<int>(pictures.size()), expectedPictures(3, result));
  const EmbeddedPng* axial = findByAlt(pictures, "Axial slice through the middle of the image");
  ASSERT_NE(axial, nullptr);
  // The mid-plane crosses the head's centre: grey there, and no colour anywhere.
  EXPECT_TRUE(isGrey(axial->png.at(24, 24)));
  for (int y = 0; y < axial->png.height; ++y)
    for (int x = 0; x < axial->png.width; ++x)
      ASSERT_TRUE(isGrey(axial->png.at(x, y))) << x << "," << y;
}

TEST(HtmlReport, FourFindings_ViewsForTheThreeLargestOnly) {
  SyntheticCase c = makeCase(kLesionMm, kLesionRadiusMm);
  // Three more, smaller balls far from the first.
  const ImageGeometry& g = c.mask.geometry();
  const Vec3 centres[3] = {{-10, 8, -6}, {-8, -10, 10}, {6, 10, -10}};
  const double radii[3] = {2.0, 3.0, 4.0};
  for (std::size_t v = 0; v < c.mask.voxelCount(); ++v) {
    const std::size_t i = v % g.size[0], j = v / g.size[0] % g.size[1], k = v / (g.size[0] * g.size[1]);
    const Vec3 p = g.indexToPhysical({double(i), double(j), double(k)});
    for (int n = 0; n < 3; ++n)
      if (norm(subtract(p, centres[n])) <= radii[n]) c.mask[v] = 1;
  }
  c.findings = postprocess::findComponents(c.mask, ImageF(g, 0.5f));
  ASSERT_EQ(c.findings.size(), 4u);
  report::ReportResult result;
  const std::string html = report::renderHtmlReport(contentOf(c), {}, &result);
  EXPECT_EQ(countOf(html, "<tr id=\"finding-"), 4);
  EXPECT_EQ(static_cast<int>(embeddedPngs(html).size()), expectedPictures(9, result));
  EXPECT_NE(html.find("id=\"views-1\""), std::string::npos);
  EXPECT_NE(html.find("id=\"views-3\""), std::string::npos);
  EXPECT_EQ(html.find("id=\"views-4\""), std::string::npos); // the smallest (2 mm ball) gets no views
  EXPECT_NE(html.find("The 3 largest of 4 findings are shown."), std::string::npos);
}

TEST(HtmlReport, Write_ReplacesAtomicallyAndKeepsThePreviousReportOnFailure) {
  const ScratchDir dir;
  const SyntheticCase c = makeCase(kLesionMm, kLesionRadiusMm);
  report::ReportContent content = contentOf(c);
  report::ReportOptions options;
  options.render3d = false;
  content.caseName = "first-version";
  report::writeHtmlReport(content, dir / "report.html", options);
  content.caseName = "second-version";
  const auto result = report::writeHtmlReport(content, dir / "report.html", options);
  EXPECT_EQ(result.embeddedImages, 3);
  EXPECT_EQ(result.view3dNote, "3D view not requested");
  std::string html = readFile(dir / "report.html");
  EXPECT_NE(html.find("second-version"), std::string::npos);
  EXPECT_EQ(html.find("first-version"), std::string::npos);
  EXPECT_NE(html.rfind("</html>\n"), std::string::npos); // complete

  // A report that cannot be made leaves the previous one untouched and no temporary file behind.
  content.image = nullptr;
  EXPECT_THROW(report::writeHtmlReport(content, dir / "report.html", options), Error);
  EXPECT_EQ(readFile(dir / "report.html"), html);
  int entries = 0;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    ++entries;
    EXPECT_EQ(entry.path().filename(), "report.html");
  }
  EXPECT_EQ(entries, 1);

  // An unwritable destination is an I/O error.
  content.image = &c.image;
  try {
    report::writeHtmlReport(content, dir / "missing-folder" / "report.html", options);
    ADD_FAILURE() << "no error for a missing folder";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Io);
  }
}

// Runs only as the child process of WithoutDisplay_ReportWrittenWithNote (whose environment has no DISPLAY).
TEST(HtmlReportChild, WriteWithoutDisplay) {
  const char* out = std::getenv("STREGA_REPORT_CHILD_OUT");
  if (!out) GTEST_SKIP() << "runs as a child of HtmlReport.WithoutDisplay_ReportWrittenWithNote";
  ASSERT_EQ(std::getenv("DISPLAY"), nullptr);
  const SyntheticCase c = makeCase(kLesionMm, kLesionRadiusMm);
  const auto result = report::writeHtmlReport(contentOf(c), out);
  EXPECT_FALSE(result.view3dRendered);
  EXPECT_EQ(result.view3dNote, "3D view not available: no display");
}

TEST(HtmlReport, WithoutDisplay_ReportWrittenWithNote) {
  // VTK may abort when asked for a window without an X server, and what the display check concluded is cached
  // per process: so the report is written by a fresh copy of this executable whose environment lacks DISPLAY.
  const ScratchDir dir;
  const fs::path out = dir / "report.html";
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  std::vector<std::string> env{"STREGA_REPORT_CHILD_OUT=" + out.string()};
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e;
    if (entry.rfind("DISPLAY=", 0) == 0 || entry.rfind("WAYLAND_DISPLAY=", 0) == 0 ||
        entry.rfind("STREGA_REPORT_CHILD_OUT=", 0) == 0 || entry.rfind("GTEST_", 0) == 0)
      continue;
    env.push_back(entry);
  }
  std::vector<char*> envp;
  for (auto& e : env)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string filter = "--gtest_filter=HtmlReportChild.WriteWithoutDisplay";
  char* argv[] = {const_cast<char*>(self.c_str()), filter.data(), nullptr};

  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::execve(self.c_str(), argv, envp.data());
    ::_exit(127);
  }
  int status = 0;
  bool exited = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!exited) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    FAIL() << "writing the report without a display hung";
  }
  ASSERT_TRUE(WIFEXITED(status)) << "the child crashed (signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0) << ")";
  ASSERT_EQ(WEXITSTATUS(status), 0);

  const std::string html = readFile(out);
  EXPECT_NE(html.find("3D view not available: no display"), std::string::npos);
  EXPECT_NE(html.find("<tr id=\"finding-1\">"), std::string::npos);
  const auto pictures = embeddedPngs(html);
  EXPECT_EQ(pictures.size(), 3u); // the slice views only
  for (const auto& p : pictures)
    EXPECT_GT(p.png.width, 0) << p.alt;
}

TEST(HtmlReport, PublicHeaders_FreeOfVtkAndQt) {
  // The CLI links strega::report without Qt, and callers must not need VTK's headers.
  const fs::path include = fs::path(STREGA_SOURCE_DIR) / "ui" / "report" / "include";
  int headers = 0;
  for (const auto& entry : fs::recursive_directory_iterator(include)) {
    if (entry.path().extension() != ".h") continue;
    ++headers;
    const std::string text = readFile(entry.path());
    for (const char* banned : {"#include <vtk", "#include <Q", "#include \"vtk", "vtkSmartPointer", "strega/render/"})
      EXPECT_EQ(text.find(banned), std::string::npos) << entry.path() << " contains " << banned;
  }
  EXPECT_GE(headers, 2);
}
