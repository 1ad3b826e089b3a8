// Every DICOM test file shipped with Debian's pydicom and nibabel either loads or is refused with a reason; the plain
// MR/CT images among them load with the voxel values pydicom reads.
#include "DicomHeader.h"
#include "DicomReader.h"
#include "DicomSeries.h"
#include "DicomTestSupport.h"

#include "strega/core/Error.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

namespace strega::io {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

const fs::path kPydicomFiles = "/usr/lib/python3/dist-packages/pydicom/data/test_files";
const fs::path kNibabelFiles = "/usr/lib/python3/dist-packages/nibabel/tests/data";
const fs::path kNicomFiles = "/usr/lib/python3/dist-packages/nibabel/nicom/tests/data";

/// One test file: where it lives, how the table names it, and the path to read (a gunzipped copy for .gz files).
struct TestFile {
  std::string name;
  fs::path source;
  fs::path readable;
};

/// The files of the test sets (gzip-compressed ones uncompressed into `scratch`), sorted by name.
std::vector<TestFile> collectTestFiles(const fs::path& scratch) {
  std::vector<TestFile> files;
  const auto add = [&](const fs::path& file, const std::string& name) {
    TestFile entry{name, file, file};
    if (file.extension() == ".gz") {
      fs::create_directories(scratch / std::to_string(files.size()));
      entry.readable = scratch / std::to_string(files.size()) / file.stem();
      test::runCommand("gzip -dc " + test::shellQuote(file.string()) + " > " +
                       test::shellQuote(entry.readable.string()) + " 2>/dev/null");
    }
    files.push_back(entry);
  };
  std::error_code ec;
  if (fs::is_directory(kPydicomFiles)) {
    for (const auto& entry : fs::recursive_directory_iterator(kPydicomFiles, ec)) {
      if (entry.is_regular_file()) add(entry.path(), "pydicom/" + fs::relative(entry.path(), kPydicomFiles).string());
    }
  }
  for (const auto& [folder, prefix] :
       {std::pair{kNibabelFiles, "nibabel/tests/data/"}, std::pair{kNicomFiles, "nibabel/nicom/tests/data/"}}) {
    if (!fs::is_directory(folder)) continue;
    for (const auto& entry : fs::directory_iterator(folder, ec)) {
      const std::string name = entry.path().filename().string();
      const bool nicom = folder == kNicomFiles;
      if (entry.is_regular_file() && (nicom || entry.path().extension() == ".dcm")) add(entry.path(), prefix + name);
    }
  }
  std::sort(files.begin(), files.end(), [](const TestFile& a, const TestFile& b) { return a.name < b.name; });
  return files;
}

struct Outcome {
  bool loaded = false;
  std::string summary; ///< size and spacing, or the reason for refusal
  LoadedImage image;
};

Outcome tryRead(const fs::path& file) {
  Outcome outcome;
  try {
    outcome.image = dicom::read(file, {}, nullptr);
    outcome.loaded = true;
    const ImageGeometry& g = outcome.image.image.geometry();
    std::ostringstream summary;
    summary << g.size[0] << "x" << g.size[1] << "x" << g.size[2] << " " << outcome.image.info.modality;
    for (const std::string& w : outcome.image.info.warnings)
      summary << " [" << w << "]";
    outcome.summary = summary.str();
  } catch (const Error& error) {
    outcome.summary = std::string(toString(error.kind())) + ": " + error.userMessage();
  }
  return outcome;
}

/// Plain MR/CT (and a few other greyscale) images that must load. Values are compared with pydicom where it can
/// decode them, else with `referenceFrom` (a lossless twin, or DCMTK's dcmdjpeg output read by pydicom).
struct MustLoad {
  std::string name;
  std::string referenceFrom; ///< "" = the file itself; "dcmdjpeg" = decompressed by dcmdjpeg; else another name
};

const std::vector<MustLoad> kMustLoad = {
  {"pydicom/MR_small.dcm", ""},
  {"pydicom/MR_small_RLE.dcm", ""},
  {"pydicom/MR_small_bigendian.dcm", ""},
  {"pydicom/MR_small_expb.dcm", ""},
  {"pydicom/MR_small_implicit.dcm", ""},
  {"pydicom/MR_small_jpeg_ls_lossless.dcm", "pydicom/MR_small.dcm"},
  {"pydicom/MR_small_padded.dcm", ""},
  {"pydicom/CT_small.dcm", ""},
  {"pydicom/JPEG-lossy.dcm", "dcmdjpeg"},
  {"pydicom/JPGExtended.dcm", "dcmdjpeg"},
  {"pydicom/image_dfl.dcm", ""},
  {"pydicom/zipMR.gz", ""},
  {"pydicom/rtdose.dcm", ""},
  {"pydicom/rtdose_1frame.dcm", ""},
  {"pydicom/rtdose_expb.dcm", ""},
  {"pydicom/rtdose_expb_1frame.dcm", ""},
  {"pydicom/rtdose_rle.dcm", ""},
  {"pydicom/rtdose_rle_1frame.dcm", ""},
  {"pydicom/dicomdirtests/77654033/CR1/6154", ""},
  {"pydicom/dicomdirtests/77654033/CT2/17106", ""},
  {"pydicom/dicomdirtests/98892001/CT5N/2062", ""},
  {"pydicom/dicomdirtests/98892003/MR1/4919", ""},
  {"pydicom/dicomdirtests/98892003/MR700/4467", ""},
  {"nibabel/tests/data/0.dcm", ""},
  {"nibabel/tests/data/1.dcm", ""},
  {"nibabel/nicom/tests/data/0.dcm", ""},
  {"nibabel/nicom/tests/data/1.dcm", ""},
  {"nibabel/nicom/tests/data/decimal_rescale.dcm", ""},
  {"nibabel/nicom/tests/data/siemens_dwi_0.dcm.gz", ""},
  {"nibabel/nicom/tests/data/siemens_dwi_1000.dcm.gz", ""},
  {"nibabel/nicom/tests/data/philips_mprage.dcm.gz", ""},
};

/// Files that must be refused, with a word the reason must contain.
const std::vector<std::pair<std::string, std::string>> kMustRefuse = {
  {"pydicom/waveform_ecg.dcm", "no image"},       {"pydicom/MR_truncated.dcm", "truncated"},
  {"pydicom/rtplan_truncated.dcm", ""},           {"pydicom/rtplan.dcm", "no image"},
  {"pydicom/JPEG2000.dcm", "JPEG 2000"},          {"pydicom/MR_small_jp2klossless.dcm", "JPEG 2000"},
  {"pydicom/693_J2KI.dcm", "JPEG 2000"},          {"pydicom/SC_rgb_rle.dcm", "colour"},
  {"pydicom/ExplVR_BigEnd.dcm", "colour"},        {"pydicom/liver_1frame.dcm", "SEG"},
  {"pydicom/dicomdirtests/DICOMDIR", "DICOMDIR"}, {"pydicom/README.txt", "not a DICOM file"},
};

class DicomConformance : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    s_scratch = new TempDir("strega-dicom-conformance");
    s_files = new std::vector<TestFile>(collectTestFiles(s_scratch->path()));
    s_outcomes = new std::map<std::string, Outcome>();
    for (const TestFile& file : *s_files)
      (*s_outcomes)[file.name] = tryRead(file.readable);
  }
  static void TearDownTestSuite() {
    delete s_outcomes;
    delete s_files;
    delete s_scratch;
  }
  static const TestFile* find(const std::string& name) {
    for (const TestFile& f : *s_files) {
      if (f.name == name) return &f;
    }
    return nullptr;
  }

  static TempDir* s_scratch;
  static std::vector<TestFile>* s_files;
  static std::map<std::string, Outcome>* s_outcomes;
};
TempDir* DicomConformance::s_scratch = nullptr;
std::vector<TestFile>* DicomConformance::s_files = nullptr;
std::map<std::string, Outcome>* DicomConformance::s_outcomes = nullptr;

TEST_F(DicomConformance, Read_EveryPydicomAndNibabelFile_LoadsOrRefusesWithReason) {
  if (s_files->empty()) GTEST_SKIP() << "python3-pydicom / python3-nibabel test files are not installed";
  std::size_t loaded = 0;
  int width = 4;
  for (const TestFile& file : *s_files)
    width = std::max(width, static_cast<int>(file.name.size()) + 2);
  std::cout << "\n"
            << std::left << std::setw(width) << "file" << std::setw(9) << "outcome"
            << "detail\n";
  for (const TestFile& file : *s_files) {
    const Outcome& outcome = s_outcomes->at(file.name);
    loaded += outcome.loaded ? 1 : 0;
    std::cout << std::left << std::setw(width) << file.name << std::setw(9) << (outcome.loaded ? "LOADED" : "refused")
              << outcome.summary << "\n";
    EXPECT_FALSE(outcome.summary.empty()) << file.name;
    if (!outcome.loaded) {
      // A refusal is one line that says why.
      EXPECT_EQ(outcome.summary.find('\n'), std::string::npos) << file.name;
      EXPECT_GT(outcome.summary.size(), 20u) << file.name;
    }
  }
  std::cout << loaded << " of " << s_files->size() << " files loaded\n";
  for (const auto& [name, word] : kMustRefuse) {
    if (find(name) != nullptr) {
      const Outcome& outcome = s_outcomes->at(name);
      EXPECT_FALSE(outcome.loaded) << name;
      EXPECT_NE(outcome.summary.find(word), std::string::npos) << name << ": " << outcome.summary;
    }
  }
}

TEST_F(DicomConformance, Read_PlainMrCtImages_LoadWithPydicomValues) {
  if (s_files->empty()) GTEST_SKIP() << "python3-pydicom / python3-nibabel test files are not installed";
  for (const MustLoad& item : kMustLoad) {
    const TestFile* file = find(item.name);
    ASSERT_NE(file, nullptr) << item.name << " is missing from the installed test set";
    EXPECT_TRUE(s_outcomes->at(item.name).loaded) << item.name << ": " << s_outcomes->at(item.name).summary;
  }
  const std::string& python = test::pythonWithPydicom();
  if (python.empty()) GTEST_SKIP() << "no python3 with pydicom/nibabel/numpy: values not compared";

  // One helper run for all files: reference values of each file (or of its reference twin).
  TempDir scratch("strega-dicom-reference");
  std::string command = python + " " + test::shellQuote((test::toolsFolder() / "dicom_reference.py").string());
  std::vector<fs::path> references;
  std::vector<const MustLoad*> compared;
  for (const MustLoad& item : kMustLoad) {
    const TestFile* file = find(item.name);
    fs::path source = file->readable;
    if (item.referenceFrom == "dcmdjpeg") {
      if (!test::haveProgram("dcmdjpeg")) continue;
      source = scratch.path() / (std::to_string(compared.size()) + "_decompressed.dcm");
      if (test::runCommand("dcmdjpeg " + test::shellQuote(file->readable.string()) + " " +
                           test::shellQuote(source.string()) + " > /dev/null 2>&1") != 0)
        continue;
    } else if (!item.referenceFrom.empty()) {
      source = find(item.referenceFrom)->readable;
    }
    const fs::path target = scratch.path() / (std::to_string(compared.size()) + ".raw");
    command += " " + test::shellQuote(source.string()) + " " + test::shellQuote(target.string());
    references.push_back(target);
    compared.push_back(&item);
  }
  std::string output;
  ASSERT_EQ(test::runCommand(command + " 2>/dev/null", &output), 0) << command;
  std::istringstream lines(output);
  std::size_t checked = 0;
  for (std::size_t n = 0; n < compared.size(); ++n) {
    std::string line;
    std::getline(lines, line);
    const std::string& name = compared[n]->name;
    const Outcome& outcome = s_outcomes->at(name);
    if (!outcome.loaded) continue; // reported above
    if (line.rfind("OK", 0) != 0) {
      ADD_FAILURE() << name << ": pydicom gives no reference (" << line << ")";
      continue;
    }
    std::istringstream dims(line.substr(3));
    std::size_t frames = 0, rows = 0, columns = 0;
    dims >> frames >> rows >> columns;
    const std::vector<float> reference = test::readFloats(references[n]);
    ASSERT_EQ(reference.size(), frames * rows * columns) << name;

    // Which frame of the file became which slice: the reader sorts frames along the slice normal.
    const dicom::DicomFileHeader header = dicom::readDicomHeader(find(name)->readable);
    const std::vector<dicom::SeriesPlan> plans = dicom::planSeries({header});
    ASSERT_EQ(plans.size(), 1u) << name;
    ASSERT_FALSE(plans[0].resample) << name;
    const ImageF& image = outcome.image.image;
    ASSERT_EQ(image.size()[0], columns) << name;
    ASSERT_EQ(image.size()[1], rows) << name;
    ASSERT_EQ(image.size()[2], plans[0].frames.size()) << name;
    std::size_t mismatches = 0;
    double worst = 0.0;
    for (std::size_t k = 0; k < image.size()[2]; ++k) {
      const std::size_t frame = plans[0].frames[k][0].frame;
      for (std::size_t j = 0; j < rows; ++j) {
        for (std::size_t i = 0; i < columns; ++i) {
          const double expected = reference[(frame * rows + j) * columns + i];
          const double difference = std::abs(image.at(i, j, k) - expected);
          if (difference > 1e-3 + 1e-6 * std::abs(expected)) {
            ++mismatches;
            worst = std::max(worst, difference);
          }
        }
      }
    }
    EXPECT_EQ(mismatches, 0u) << name << ": " << mismatches << " voxels differ from pydicom, worst by " << worst;
    ++checked;
  }
  std::cout << checked << " files compared with pydicom's values\n";
  EXPECT_GE(checked, compared.size() - 2);
}

TEST_F(DicomConformance, ScanAndRead_WholeTestSetFolders_SeriesListedAndFirstMrLoaded) {
  if (s_files->empty()) GTEST_SKIP() << "python3-pydicom / python3-nibabel test files are not installed";
  // pydicom's folder mixes ~40 series with reports, plans, colour and broken files: each series is listed, the
  // loader takes the first loadable MR series and says so.
  const std::vector<ImageInfo> infos = dicom::scanFolder(kPydicomFiles, nullptr);
  EXPECT_GE(infos.size(), 30u);
  for (const ImageInfo& info : infos) {
    EXPECT_GT(info.geometry.voxelCount(), 0u) << info.path;
    EXPECT_NO_THROW(info.geometry.validate()) << info.path;
  }
  const LoadedImage loaded = dicom::read(kPydicomFiles, {}, nullptr);
  EXPECT_EQ(loaded.info.modality, "MR");
  bool told = false;
  for (const std::string& w : loaded.info.warnings)
    told = told || w.find("DICOM series; loaded MR series") != std::string::npos;
  EXPECT_TRUE(told);

  // nibabel's two folders hold the same Siemens files: each SOP instance counts once.
  const std::vector<ImageInfo> nibabel = dicom::scanFolder(kNibabelFiles.parent_path(), nullptr);
  for (const ImageInfo& info : nibabel) {
    if (info.description == "CBU_DTI_64D_1A") {
      EXPECT_EQ(info.fileCount, 2u);
    }
  }
}

} // namespace
} // namespace strega::io
