// CaseLoader: classifying inputs, report.json, BraTS layouts, loading whole cases.
#include "UiTestSupport.h"

#include "strega/core/Error.h"
#include "strega/ui/CaseLoader.h"

using namespace strega;
using namespace strega::ui;
namespace fs = std::filesystem;
using strega::testing::ScratchDir;

namespace {
ImageF smallVolume(float value) {
  ImageGeometry g;
  g.size = {12, 10, 8};
  g.spacingMm = {2.0, 2.0, 2.0};
  return ImageF(g, value);
}
} // namespace

TEST(CaseLoader, ClassifyInput_RecognisesEachKind) {
  ScratchDir dir;
  io::writeImage(smallVolume(1), dir / "scan.nii.gz");
  EXPECT_EQ(classifyInput(dir / "scan.nii.gz"), InputKind::ImageFile);
  EXPECT_EQ(classifyInput(dir.path()), InputKind::ImageFolder);

  fs::create_directories(dir / "brats");
  io::writeImage(smallVolume(1), dir / "brats" / "BraTS20_001_t1.nii.gz");
  io::writeImage(smallVolume(2), dir / "brats" / "BraTS20_001_t2.nii.gz");
  EXPECT_EQ(classifyInput(dir / "brats"), InputKind::BratsCase);

  fs::create_directories(dir / "run");
  std::ofstream(dir / "run" / "report.json") << R"({"input": "../scan.nii.gz"})";
  EXPECT_EQ(classifyInput(dir / "run"), InputKind::ImageFolder); // report.json alone is not a run output
  io::writeMask(Mask(smallVolume(0).geometry()), dir / "run" / "mask.nii.gz");
  EXPECT_EQ(classifyInput(dir / "run"), InputKind::RunOutput);
  EXPECT_EQ(classifyInput(dir / "run" / "report.json"), InputKind::RunOutput);

  EXPECT_THROW(classifyInput(dir / "missing.nii.gz"), Error);
}

TEST(CaseLoader, FindBratsFiles_PrefersT2AndFindsSegInBothNamings) {
  ScratchDir dir;
  for (const char* name :
       {"BraTS20_007_t1.nii.gz", "BraTS20_007_flair.nii.gz", "BraTS20_007_t2.nii.gz", "BraTS20_007_seg.nii.gz"})
    std::ofstream(dir / name) << "x";
  auto files = findBratsFiles(dir.path());
  ASSERT_TRUE(files);
  EXPECT_EQ(files->caseId, "BraTS20_007");
  EXPECT_EQ(files->contrast, "t2");
  EXPECT_EQ(files->image.filename(), "BraTS20_007_t2.nii.gz");
  ASSERT_TRUE(files->segmentation);

  ScratchDir newer;
  for (const char* name :
       {"BraTS-GLI-00001-000-t1n.nii.gz", "BraTS-GLI-00001-000-t2w.nii.gz", "BraTS-GLI-00001-000-seg.nii.gz"})
    std::ofstream(newer / name) << "x";
  files = findBratsFiles(newer.path());
  ASSERT_TRUE(files);
  EXPECT_EQ(files->caseId, "BraTS-GLI-00001-000");
  EXPECT_EQ(files->contrast, "t2w");
  EXPECT_TRUE(files->segmentation);

  ScratchDir plain;
  std::ofstream(plain / "head.nii.gz") << "x";
  EXPECT_FALSE(findBratsFiles(plain.path()));
}

TEST(CaseLoader, ReadRunReport_AcceptsSnakeAndCamelCaseAndRelativeInput) {
  ScratchDir dir;
  std::ofstream(dir / "report.json") << R"({
    "input": {"path": "in/head.nii.gz", "series_uid": "1.2.3"},
    "findings": [
      {"id": 1, "volume_ml": 2.5, "region": "Left thalamus", "peak_score": 0.8, "centroid_mm": [1, 2, 3],
       "regions": [{"name": "Left thalamus", "percent": 62.5}, {"name": "Left Putamen", "percent": 0.4}]},
      {"id": 2, "volumeMl": 0.5, "peakScore": 0.4, "centroidMm": [4, 5, 6]},
      {"id": 3, "volume_ml": 0.1}
    ],
    "postprocess": {"threshold": 0.125},
    "stage_timings": {"ignored": true}})";
  const RunReport report = readRunReport(dir / "report.json");
  EXPECT_EQ(report.input, dir.path() / "in/head.nii.gz");
  EXPECT_EQ(report.seriesUid, "1.2.3");
  ASSERT_EQ(report.findings.size(), 3u);
  EXPECT_DOUBLE_EQ(report.findings[0].volumeMl, 2.5);
  EXPECT_EQ(report.findings[0].region, "Left thalamus");
  ASSERT_EQ(report.findings[0].regions.size(), 2u);
  EXPECT_DOUBLE_EQ(report.findings[0].regions[0].fraction, 0.625);
  EXPECT_EQ(postprocess::describeRegions(report.findings[0].regions), "Left thalamus 63 %, Left Putamen <1 %");
  EXPECT_TRUE(report.findings[1].regions.empty());
  EXPECT_DOUBLE_EQ(report.findings[0].peakScore, 0.8);
  EXPECT_EQ(*report.findings[0].centroidMm, (Vec3{1, 2, 3}));
  EXPECT_DOUBLE_EQ(report.findings[1].volumeMl, 0.5);
  EXPECT_EQ(*report.findings[1].centroidMm, (Vec3{4, 5, 6}));
  EXPECT_FALSE(report.findings[2].centroidMm);
  EXPECT_DOUBLE_EQ(*report.threshold, 0.125);
}

TEST(CaseLoader, ReadRunReport_NotJson_ThrowsInvalidInput) {
  ScratchDir dir;
  std::ofstream(dir / "report.json") << "{ not json";
  try {
    readRunReport(dir / "report.json");
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidInput);
  }
  std::ofstream(dir / "report.json", std::ios::trunc) << R"({"findings": []})";
  EXPECT_THROW(readRunReport(dir / "report.json"), Error);
}

TEST(CaseLoader, LoadRunOutput_LoadsInputOverlaysAndFindings) {
  ScratchDir dir;
  io::writeImage(smallVolume(5), dir / "head.nii.gz");
  fs::create_directories(dir / "out");
  Mask mask(smallVolume(0).geometry());
  mask.at(3, 4, 5) = 1;
  io::writeMask(mask, dir / "out" / "mask.nii.gz");
  io::writeImage(smallVolume(0.25f), dir / "out" / "residual.nii.gz");
  std::ofstream(dir / "out" / "tissue.nii.gz") << "corrupt"; // unreadable overlay: a warning, not a failure
  std::ofstream(dir / "out" / "report.json")
    << R"({"input": "../head.nii.gz", "findings": [{"id": 1, "volume_ml": 0.008, "centroid_mm": [6, 8, 10]}]})";
  const LoadedCase c = loadCase({dir / "out", ""});
  EXPECT_EQ(c.kind, InputKind::RunOutput);
  ASSERT_TRUE(c.image);
  EXPECT_FLOAT_EQ((*c.image)[0], 5.0f);
  ASSERT_TRUE(c.anomalyMask);
  EXPECT_EQ(c.anomalyMask->at(3, 4, 5), 1);
  ASSERT_TRUE(c.residual);
  EXPECT_FLOAT_EQ((*c.residual)[0], 0.25f);
  EXPECT_FALSE(c.brainMask);
  EXPECT_FALSE(c.tissue);
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_NE(c.warnings[0].find("tissue.nii.gz"), std::string::npos);
  EXPECT_TRUE(c.hasReport);
  ASSERT_EQ(c.findings.size(), 1u);
}

TEST(CaseLoader, LoadRunOutput_MissingInput_ThrowsWithThePath) {
  ScratchDir dir;
  io::writeMask(Mask(smallVolume(0).geometry()), dir / "mask.nii.gz");
  std::ofstream(dir / "report.json") << R"({"input": "/nowhere/head.nii.gz"})";
  try {
    loadCase({dir.path(), ""});
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_NE(e.userMessage().find("/nowhere/head.nii.gz"), std::string::npos);
  }
}

TEST(CaseLoader, LoadBratsCase_TakesT2AndSegmentationLabels) {
  ScratchDir dir;
  io::writeImage(smallVolume(1), dir / "c_t1.nii.gz");
  io::writeImage(smallVolume(2), dir / "c_t2.nii.gz");
  ImageF seg = smallVolume(0);
  seg.at(1, 1, 1) = 4;
  seg.at(2, 1, 1) = 2;
  io::writeImage(seg, dir / "c_seg.nii.gz", io::PixelType::UInt8);
  const LoadedCase c = loadCase({dir.path(), ""});
  EXPECT_EQ(c.kind, InputKind::BratsCase);
  EXPECT_FLOAT_EQ((*c.image)[0], 2.0f);
  ASSERT_TRUE(c.reference);
  EXPECT_EQ(c.reference->at(1, 1, 1), 4);
  EXPECT_EQ(c.reference->at(2, 1, 1), 2);
  EXPECT_EQ(c.title, "c (t2)");
}

TEST(CaseLoader, ToMask_RoundsAndClamps) {
  ImageGeometry g;
  g.size = {5, 1, 1};
  const Mask m = toMask(ImageF(g, std::vector<float>{-3.0f, 0.4f, 0.6f, 300.0f, NAN}));
  EXPECT_EQ(m[0], 0);
  EXPECT_EQ(m[1], 0);
  EXPECT_EQ(m[2], 1);
  EXPECT_EQ(m[3], 255);
  EXPECT_EQ(m[4], 0);
}
