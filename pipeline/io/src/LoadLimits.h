#pragma once
// Internal to strega::io: checks shared by the non-DICOM readers before any voxel memory is allocated:
// size limits (a header may claim terabytes), frame choice for 4D/5D files, pixel conversion to float.

#include "strega/core/SystemMemory.h"
#include "strega/io/ImageReader.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace strega::io::limits {

/// Largest volume readImage() will allocate, in bytes of float voxels, before also checking free memory.
/// 8 GiB is ~2 billion voxels: far above any brain MRI (a 0.5 mm whole head is ~20 million voxels).
constexpr std::uint64_t kMaxFloatBytes = 8ull << 30;

using strega::formatBytes; // "1.5 GiB": sizes for user messages

/// Product of `sizes`, throwing Error(InvalidInput) on overflow (a header with absurd dimensions).
std::uint64_t checkedProduct(const std::vector<std::uint64_t>& sizes, const std::string& path);

/// Throws Error(Unsupported) when reading `bytesToRead` bytes from disk into a buffer and converting
/// `voxels` voxels to float would exceed kMaxFloatBytes or the memory currently available. `sizeText` names
/// the dimensions for the message ("181x217x181x3").
void checkAllocation(std::uint64_t voxels, std::uint64_t bytesToRead, const std::string& sizeText,
                     const std::string& path);

/// The frame to take from an input with `frames` volumes (1 for a plain 3D image): options.frame, 0 for a 3D
/// image, and Error(Unsupported) for a 4D input without a frame, Error(InvalidArgument) when out of range.
std::size_t chooseFrame(std::uint64_t frames, const ReadOptions& options, const std::string& path);

/// Stored pixel type from an integer/float flag and a size in bytes.
PixelType pixelTypeOf(bool isFloat, bool isSigned, std::size_t bytes);

/// Size in bytes of one stored value (0 for Unknown).
std::size_t bytesOf(PixelType type);

/// Convert `count` stored values at `src` (native byte order) to float.
void convertToFloat(PixelType type, const void* src, std::size_t count, float* dst);

} // namespace strega::io::limits
