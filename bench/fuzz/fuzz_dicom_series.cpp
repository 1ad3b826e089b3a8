// libFuzzer target: a folder of DICOM files through scan() and readImage() (the series assembler: grouping,
// splitting, sorting, slice grid, multi-file pixel reading). The input is the files one after another, separated
// by kSeparator (the seed corpus holds real series cut this way), written as f00, f01, ... into a fresh folder.
#include "FuzzSupport.h"

#include "strega/io/ImageReader.h"

#include <algorithm>
#include <cstdio>

namespace {
const strega::fuzz::ScratchDir scratch;
constexpr std::string_view kSeparator = "=STREGA-FILE=";
constexpr std::size_t kMaxFiles = 32;
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto folder = scratch.freshFolder("series");
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t begin = 0;
  for (std::size_t n = 0; n < kMaxFiles && begin <= input.size(); ++n) {
    std::size_t end = input.find(kSeparator, begin);
    if (end == std::string_view::npos || n + 1 == kMaxFiles) end = input.size();
    char name[8];
    std::snprintf(name, sizeof name, "f%02zu", n);
    strega::fuzz::writeFile(folder / name, data + begin, end - begin);
    begin = end + kSeparator.size();
  }
  strega::fuzz::expectLoadsOrError([&] { strega::io::scan(folder); });
  strega::fuzz::expectLoadsOrError([&] { strega::io::readImage(folder); });
  return 0;
}
