// Inputs that the fuzz targets of bench/fuzz (or a review of what they exercise) found to crash, hang or exhaust
// memory, kept in tests/io/fuzz_regressions/ and fed to the loaders the way the fuzz targets feed them: a file of
// its own (no extension for DICOM, so that the reader decides by content), or, for *.series, a folder of the
// files that the input holds between bench/fuzz/fuzz_dicom_series.cpp's separators. Each must load or throw
// strega::Error, in well under the fuzzers' 10 s limit.
#include "ImageReaderTestSupport.h"

#include "strega/core/Error.h"
#include "strega/io/ImageReader.h"

#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <string_view>

using namespace strega;
using namespace strega::io;
using namespace strega::testing;

namespace {

const fs::path kRegressions = fs::path(STREGA_SOURCE_DIR) / "tests/io/fuzz_regressions";
constexpr std::string_view kSeriesSeparator = "=STREGA-FILE="; // fuzz_dicom_series.cpp's kSeparator
constexpr std::size_t kMaxSeriesFiles = 32;

std::string readAll(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeAll(const fs::path& file, std::string_view bytes) {
  std::ofstream(file, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

bool endsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// The path the fuzz target would have loaded, made in `dir` from the regression input `file`.
fs::path placeLikeTheFuzzer(const fs::path& file, const ScratchDir& dir) {
  const std::string name = file.filename().string();
  const std::string bytes = readAll(file);
  if (endsWith(name, ".series")) {
    const fs::path folder = dir / "series";
    fs::create_directories(folder);
    std::size_t begin = 0;
    for (std::size_t n = 0; n < kMaxSeriesFiles && begin <= bytes.size(); ++n) {
      std::size_t end = bytes.find(kSeriesSeparator, begin);
      if (end == std::string::npos || n + 1 == kMaxSeriesFiles) end = bytes.size();
      char fileName[8];
      std::snprintf(fileName, sizeof fileName, "f%02zu", n);
      writeAll(folder / fileName, std::string_view(bytes).substr(begin, end - begin));
      begin = end + kSeriesSeparator.size();
    }
    return folder;
  }
  const fs::path target = endsWith(name, ".nii.gz") ? dir / "input.nii.gz"
                          : endsWith(name, ".nii")  ? dir / "input.nii"
                                                    : dir / "input";
  writeAll(target, bytes);
  return target;
}

std::vector<std::string> regressionInputs() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(kRegressions))
    if (entry.is_regular_file() && entry.path().extension() != ".md") names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

// Runs `load`: it may succeed or throw strega::Error; anything else fails the test (a crash ends it).
template <class Load> void expectLoadsOrError(const std::string& what, Load&& load) {
  try {
    load();
  } catch (const Error&) {
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << " threw a non-strega exception: " << e.what();
  }
}

// The hangs these inputs caused took 19 s to forever. ASan makes DCMTK's parsing ~3x slower, and CI's two cores are
// shared: 6.9 s was measured for the deflated-element file under ASan while a compile ran beside it.
#if defined(__SANITIZE_ADDRESS__)
constexpr double kSecondsLimit = 15.0;
#else
constexpr double kSecondsLimit = 5.0;
#endif

class FuzzRegression : public ::testing::TestWithParam<std::string> {};

} // namespace

TEST_P(FuzzRegression, Input_LoadsOrThrowsErrorQuickly) {
  const ScratchDir dir;
  const fs::path path = placeLikeTheFuzzer(kRegressions / GetParam(), dir);
  const auto start = std::chrono::steady_clock::now();
  expectLoadsOrError("scan", [&] { scan(path); });
  expectLoadsOrError("readImage", [&] { readImage(path); });
  ReadOptions second;
  second.frame = 1;
  expectLoadsOrError("readImage(frame 1)", [&] { readImage(path, second); });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, kSecondsLimit) << "the fuzzers count more than 10 s as a hang";
}

INSTANTIATE_TEST_SUITE_P(Inputs, FuzzRegression, ::testing::ValuesIn(regressionInputs()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

// The findings whose outcome is known exactly, beyond "no crash".

TEST(FuzzRegression, GzipNiftiClaimingGigabytes_RefusedAsTruncatedBeforeAllocating) {
  const ScratchDir dir;
  const fs::path path = placeLikeTheFuzzer(kRegressions / "nifti_gz_claims_3gb.nii.gz", dir);
  try {
    readImage(path);
    FAIL() << "a 55-byte file claiming 3.2 GB of voxels loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidInput);
    EXPECT_NE(e.userMessage().find("truncated"), std::string::npos) << e.userMessage();
  }
}

TEST(FuzzRegression, DicomWithMoreFramesThanBytes_RefusedAsCorrupt) {
  const ScratchDir dir;
  const fs::path path = placeLikeTheFuzzer(kRegressions / "dicom_9999999_frames.dcm", dir);
  try {
    readImage(path);
    FAIL() << "a 10 kB file with NumberOfFrames 9999999 loaded";
  } catch (const Error& e) {
    EXPECT_NE(e.userMessage().find("NumberOfFrames"), std::string::npos) << e.userMessage();
  }
}
