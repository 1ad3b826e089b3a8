// libFuzzer target: a NIfTI-1/NIfTI-2/Analyze file through scan() and readImage() (NiftiReader, LoadLimits).
// Input starting with the gzip magic is written as .nii.gz, anything else as .nii; the first byte of a
// 348-byte-headed Analyze pair cannot be told apart, so .hdr/.img pairs are covered by the .nii path's header code.
#include "FuzzSupport.h"

#include "strega/io/ImageReader.h"

namespace {
const strega::fuzz::ScratchDir scratch;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const bool gzipped = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
  const auto file = scratch.path() / (gzipped ? "input.nii.gz" : "input.nii");
  std::error_code ec;
  std::filesystem::remove(scratch.path() / (gzipped ? "input.nii" : "input.nii.gz"), ec);
  strega::fuzz::writeFile(file, data, size);
  strega::fuzz::expectLoadsOrError([&] { strega::io::scan(file); });
  strega::fuzz::expectLoadsOrError([&] { strega::io::readImage(file); });
  // A 4D file is refused without a frame: also read its second frame.
  strega::io::ReadOptions second;
  second.frame = 1;
  strega::fuzz::expectLoadsOrError([&] { strega::io::readImage(file, second); });
  return 0;
}
