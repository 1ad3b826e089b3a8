#pragma once
// Internal to strega::io: the DICOM half of scan()/readImage(), implemented with DCMTK in Dicom*.cpp.

#include "strega/core/ProgressScope.h"
#include "strega/io/ImageReader.h"

#include <filesystem>
#include <vector>

namespace strega::io::dicom {

/// True when the file starts with a DICOM preamble ("DICM" at offset 128) or parses as a DICOM dataset without
/// meta header. Cheap: reads at most a few KiB.
bool looksLikeDicomFile(const std::filesystem::path& file);

/// Every series found under `folder` (recursively, symlink loops broken, non-DICOM files ignored), split by
/// orientation, size and spacing, each with geometry of the sorted volume. Empty when no DICOM image was found.
std::vector<ImageInfo> scanFolder(const std::filesystem::path& folder, ProgressScope* progress);

/// Info of one DICOM file (a single slice or a multi-frame object).
ImageInfo scanFile(const std::filesystem::path& file);

/// Load a DICOM series from a folder (options.seriesUid chooses) or a single (possibly multi-frame) file.
LoadedImage read(const std::filesystem::path& path, const ReadOptions& options, ProgressScope* progress);

} // namespace strega::io::dicom
