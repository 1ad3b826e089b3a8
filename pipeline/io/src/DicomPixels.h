#pragma once
// Internal to strega::io: decoding the pixel data of one DICOM file with DCMTK into float frames.

#include "DicomHeader.h"

#include <cstddef>
#include <vector>

namespace strega::io::dicom {

/// Decodes frames of `header`'s file (loading and decompressing it with DCMTK: native little/big endian, deflated,
/// JPEG, JPEG-LS, RLE) and writes frame `frames[n]` to `destinations[n]` (rows * columns floats, column index
/// fastest). Each value is the stored value (BitsStored/HighBit/PixelRepresentation honoured), inverted within the
/// stored range for MONOCHROME1, times the frame's RescaleSlope plus RescaleIntercept.
/// Uses header.parsed when the header kept its parse (the file is then not parsed again).
/// Throws Error(InvalidInput) for unreadable or truncated files, Error(Unsupported) for pixel data it cannot decode.
void decodeFrames(const DicomFileHeader& header, const std::vector<std::size_t>& frames,
                  const std::vector<float*>& destinations);

} // namespace strega::io::dicom
