// Case discovery, shards, fingerprints and the run configuration JSON.
#include "strega/pipeline/CaseInput.h"
#include "strega/core/Error.h"
#include "strega/pipeline/Batch.h"
#include "strega/pipeline/CaseRunner.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

namespace fs = std::filesystem;
using namespace strega;
using namespace strega::pipeline;

namespace {

class CaseFolder : public ::testing::Test {
protected:
  void SetUp() override {
    std::random_device rd;
    m_dir = fs::path(::testing::TempDir()) / ("strega-cases-" + std::to_string(rd()));
    fs::create_directories(m_dir);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(m_dir, ec);
  }
  fs::path touch(const fs::path& rel, const std::string& content = "x") {
    fs::create_directories((m_dir / rel).parent_path());
    std::ofstream(m_dir / rel, std::ios::binary) << content;
    return m_dir / rel;
  }
  /// A file with the DICOM preamble and magic (enough for discovery, which does not parse).
  void dicomFile(const fs::path& rel) { touch(rel, std::string(128, '\0') + "DICM"); }
  fs::path m_dir;
};

} // namespace

TEST_F(CaseFolder, ResolveCase_BratsFolderBothNamings_PicksT2ThenFlairAndFindsSeg) {
  touch("BraTS20_001/BraTS20_001_t1.nii.gz");
  touch("BraTS20_001/BraTS20_001_t2.nii.gz");
  touch("BraTS20_001/BraTS20_001_flair.nii.gz");
  touch("BraTS20_001/BraTS20_001_seg.nii.gz");
  const CaseInput classic = resolveCase(m_dir / "BraTS20_001");
  EXPECT_EQ(classic.kind, CaseKind::BratsCase);
  EXPECT_EQ(classic.id, "BraTS20_001");
  EXPECT_EQ(classic.modality, "t2");
  EXPECT_EQ(classic.image.filename(), "BraTS20_001_t2.nii.gz");
  EXPECT_EQ(classic.truth.filename(), "BraTS20_001_seg.nii.gz");
  EXPECT_EQ(resolveCase(m_dir / "BraTS20_001", "flair").image.filename(), "BraTS20_001_flair.nii.gz");
  EXPECT_THROW(resolveCase(m_dir / "BraTS20_001", "t1ce"), Error);

  touch("BraTS-GLI-00002-000/BraTS-GLI-00002-000-t2f.nii.gz");
  touch("BraTS-GLI-00002-000/BraTS-GLI-00002-000-t1n.nii.gz");
  touch("BraTS-GLI-00002-000/BraTS-GLI-00002-000-seg.nii.gz");
  const CaseInput modern = resolveCase(m_dir / "BraTS-GLI-00002-000/");
  EXPECT_EQ(modern.id, "BraTS-GLI-00002-000");
  EXPECT_EQ(modern.modality, "flair") << "no T2 volume: FLAIR is next";
  EXPECT_EQ(modern.truth.filename(), "BraTS-GLI-00002-000-seg.nii.gz");
}

TEST_F(CaseFolder, FindCases_MixedFolder_FilesBratsAndNestedDicomSeries) {
  touch("sub-01.nii.gz");
  touch("sub-02.nii");
  touch("sub-02_seg.nii.gz"); // a label file, not a case
  touch(".hidden.nii.gz");
  touch("README.txt");
  touch("brats/case_t2.nii.gz");
  dicomFile("patient/study/series1/IM0001");
  dicomFile("patient/study/series2/IM0001.dcm");
  const auto cases = findCases(m_dir);
  std::vector<std::string> ids;
  for (const auto& c : cases)
    ids.push_back(c.id);
  EXPECT_EQ(ids,
            (std::vector<std::string>{"brats", "patient_study_series1", "patient_study_series2", "sub-01", "sub-02"}));
  EXPECT_EQ(cases[0].kind, CaseKind::BratsCase);
  EXPECT_EQ(cases[1].kind, CaseKind::DicomSeries);
  EXPECT_EQ(cases[3].kind, CaseKind::ImageFile);
  EXPECT_THROW(findCases(m_dir / "missing"), Error);
}

TEST(CaseNames, ModalityOfName_BratsSuffixesBothNamingsAnyCase) {
  EXPECT_EQ(modalityOfName("phantom_001_t1"), "t1");
  EXPECT_EQ(modalityOfName("phantom_001_T2"), "t2");
  EXPECT_EQ(modalityOfName("BraTS-GLI-00000-000-t2f"), "flair");
  EXPECT_EQ(modalityOfName("case_t1ce"), "t1ce");
  EXPECT_EQ(modalityOfName("BraTS-GLI-00000-000-t1c"), "t1ce");
  EXPECT_EQ(modalityOfName("BraTS-GLI-00000-000-t1n"), "t1");
  EXPECT_EQ(modalityOfName("phantom_001"), "");
  EXPECT_EQ(modalityOfName("case_seg"), "") << "a label file names no contrast";
  EXPECT_EQ(modalityOfName("subject_t12"), "");
}

TEST(Shards, ShardRange_AnySplit_DisjointCompleteSizesWithinOne) {
  for (std::size_t n : {0u, 1u, 5u, 7u, 100u, 101u}) {
    for (int count = 1; count <= 9; ++count) {
      std::size_t expectedBegin = 0, smallest = n, largest = 0;
      for (int i = 1; i <= count; ++i) {
        const auto [begin, end] = shardRange(n, Shard{i, count});
        EXPECT_EQ(begin, expectedBegin) << "gap or overlap, n " << n << " shard " << i << "/" << count;
        expectedBegin = end;
        smallest = std::min(smallest, end - begin);
        largest = std::max(largest, end - begin);
      }
      EXPECT_EQ(expectedBegin, n) << "not every case covered";
      EXPECT_LE(largest - smallest, 1u);
    }
  }
}

TEST(Shards, ParseShard_BadText_Throws) {
  EXPECT_EQ(parseShard("2/5").index, 2);
  EXPECT_EQ(parseShard("2/5").count, 5);
  for (const char* bad : {"0/3", "4/3", "1", "a/b", "1/0", "1/3x", "-1/3"})
    EXPECT_THROW(parseShard(bad), Error) << bad;
}

TEST_F(CaseFolder, FingerprintPath_ChangesWithContentNotWithTime) {
  const fs::path f = touch("a.nii", "abc");
  const std::string first = fingerprintPath(f);
  EXPECT_EQ(first.size(), 16u);
  touch("a.nii", "abc");
  EXPECT_EQ(fingerprintPath(f), first);
  touch("a.nii", "abd");
  EXPECT_NE(fingerprintPath(f), first);
  dicomFile("dicom/1.dcm");
  const std::string folder = fingerprintPath(m_dir / "dicom");
  dicomFile("dicom/2.dcm");
  EXPECT_NE(fingerprintPath(m_dir / "dicom"), folder) << "an added slice must change a series' fingerprint";
}

TEST(RunOptionsJson, RoundTripAndErrors) {
  RunOptions o;
  o.postprocess.minAreaMm2 = 100.0;
  o.postprocess.fixedThreshold = 0.3;
  o.preprocess.registrationMode = preprocess::RegistrationMode::Skip;
  o.inference.samples = 4;
  RunOptions back;
  applyRunOptionsJson(runOptionsToJson(o), back);
  EXPECT_EQ(back.postprocess.minAreaMm2, 100.0);
  ASSERT_TRUE(back.postprocess.fixedThreshold.has_value());
  EXPECT_EQ(*back.postprocess.fixedThreshold, 0.3);
  EXPECT_EQ(back.preprocess.registrationMode, preprocess::RegistrationMode::Skip);
  EXPECT_EQ(back.inference.samples, 4);
  EXPECT_EQ(runOptionsToJson(back), runOptionsToJson(o));
  EXPECT_EQ(configFingerprint(back), configFingerprint(o));

  RunOptions deviceOnly = o;
  deviceOnly.inference.device = "cpu";
  deviceOnly.inference.threads = 7;
  EXPECT_EQ(configFingerprint(deviceOnly), configFingerprint(o)) << "where it ran does not change the result";
  RunOptions other = o;
  other.postprocess.minAreaMm2 = 256.0;
  EXPECT_NE(configFingerprint(other), configFingerprint(o));

  RunOptions x;
  EXPECT_THROW(applyRunOptionsJson(R"({"postprocess": {"min_area": 1}})", x), Error);
  EXPECT_THROW(applyRunOptionsJson(R"({"inference": {"samples": "four"}})", x), Error);
  EXPECT_THROW(applyRunOptionsJson("{not json", x), Error);
  EXPECT_THROW(applyRunOptionsJson(R"({"preprocess": {"registration": "maybe"}})", x), Error);
}

TEST(RunOptionsJson, HoleFillingAndOpening_RoundTripFingerprintedAndChecked) {
  RunOptions paper;
  paper.postprocess.fillHoles = false;
  paper.postprocess.openingRadiusMm = 0.0;
  RunOptions back;
  applyRunOptionsJson(runOptionsToJson(paper), back);
  EXPECT_FALSE(back.postprocess.fillHoles);
  EXPECT_EQ(back.postprocess.openingRadiusMm, 0.0);
  EXPECT_NE(configFingerprint(paper), configFingerprint(RunOptions{})) << "both change the mask: --resume recomputes";
  RunOptions x;
  applyRunOptionsJson(R"({"postprocess": {"opening_radius_mm": 3.5, "fill_holes": true}})", x);
  EXPECT_EQ(x.postprocess.openingRadiusMm, 3.5);
  EXPECT_THROW(applyRunOptionsJson(R"({"postprocess": {"opening_radius_mm": -1}})", x), Error);
  EXPECT_THROW(applyRunOptionsJson(R"({"postprocess": {"opening_radius_mm": 11}})", x), Error);
  EXPECT_THROW(applyRunOptionsJson(R"({"postprocess": {"fill_holes": "yes"}})", x), Error);
}

TEST(RunOptionsJson, CombiScore_RoundTripFingerprintedAndChecked) {
  RunOptions combi;
  combi.residual.score = postprocess::ScoreKind::Combi;
  combi.residual.combiSmoothingMm = 3.0;
  RunOptions back;
  applyRunOptionsJson(runOptionsToJson(combi), back);
  EXPECT_EQ(back.residual.score, postprocess::ScoreKind::Combi);
  EXPECT_EQ(back.residual.combiSmoothingMm, 3.0);
  EXPECT_NE(configFingerprint(combi), configFingerprint(RunOptions{}));
  RunOptions x;
  EXPECT_THROW(applyRunOptionsJson(R"({"residual": {"score": "kl"}})", x), Error);
  EXPECT_THROW(applyRunOptionsJson(R"({"residual": {"combi_smoothing_mm": -1}})", x), Error);
}

namespace {

ImageGeometry grid(std::size_t x, std::size_t y, std::size_t z, double spacing) {
  ImageGeometry g;
  g.size = {x, y, z};
  g.spacingMm = {spacing, spacing, spacing};
  return g;
}

} // namespace

TEST(MemoryEstimate, OneMillimetreHeadUnderTwoGiB_HalfMillimetreBoundedAndGrowingWithVoxels) {
  const std::uint64_t head1mm = estimatePeakMemoryBytes(grid(181, 217, 181, 1.0));
  const std::uint64_t head05mm = estimatePeakMemoryBytes(grid(301, 370, 316, 0.5));
  EXPECT_LE(head1mm, 2ull << 30);
  // Above what bench/pipeline/memory_bench.py measured (769 and 1339 MiB): the estimate must not let a case
  // start that then runs out of memory.
  EXPECT_GE(head1mm, 769ull << 20);
  EXPECT_GE(head05mm, 1339ull << 20);
  EXPECT_LE(head05mm, 3ull << 30);
  EXPECT_GT(head05mm, head1mm);
}

TEST(MemoryEstimate, ResourcesInConfigJson_RoundTripAndLeftOutOfTheFingerprint) {
  RunOptions a;
  RunOptions b = a;
  b.maxMemoryMb = 512;
  EXPECT_EQ(configFingerprint(a), configFingerprint(b)); // a resource setting does not change results
  RunOptions c;
  applyRunOptionsJson(runOptionsToJson(b), c);
  EXPECT_EQ(c.maxMemoryMb, 512);
  EXPECT_THROW(applyRunOptionsJson(R"({"resources": {"max_memory_mb": -1}})", c), Error);
  EXPECT_THROW(applyRunOptionsJson(R"({"resources": {"max_memory": 1}})", c), Error);
}
