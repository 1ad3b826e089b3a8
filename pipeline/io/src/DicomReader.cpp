// DICOM reading with DCMTK (first compiling version; completed in the following commits).
#include "DicomReader.h"

#include "strega/core/Error.h"

#include <fstream>

namespace strega::io::dicom {

bool looksLikeDicomFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  char buffer[132] = {};
  if (!in.read(buffer, sizeof buffer))
    return false;
  return buffer[128] == 'D' && buffer[129] == 'I' && buffer[130] == 'C' && buffer[131] == 'M';
}

std::vector<ImageInfo> scanFolder(const std::filesystem::path& folder, ProgressScope* progress) { return {}; }

ImageInfo scanFile(const std::filesystem::path& file) {
  throw Error(ErrorKind::Unsupported, "DICOM reading is not implemented yet", file.string());
}

LoadedImage read(const std::filesystem::path& path, const ReadOptions& options, ProgressScope* progress) {
  throw Error(ErrorKind::Unsupported, "DICOM reading is not implemented yet", path.string());
}

} // namespace strega::io::dicom
