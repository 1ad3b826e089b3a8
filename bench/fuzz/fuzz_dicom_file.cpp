// libFuzzer target: one DICOM file through readImage() and scan() (DicomReader, DicomHeader, DicomPixels).
#include "FuzzSupport.h"

#include "strega/io/ImageReader.h"

namespace {
const strega::fuzz::ScratchDir scratch;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // No extension: the reader decides by content, as for the files of a DICOM folder.
  const auto file = scratch.path() / "input";
  strega::fuzz::writeFile(file, data, size);
  strega::fuzz::expectLoadsOrError([&] { strega::io::scan(file); });
  strega::fuzz::expectLoadsOrError([&] { strega::io::readImage(file); });
  return 0;
}
