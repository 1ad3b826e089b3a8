#include "LoadLimits.h"

#include "strega/core/Error.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <type_traits>

namespace strega::io::limits {
namespace {

template <class T> void convert(const void* src, std::size_t count, float* dst) {
  T value;
  const auto* bytes = static_cast<const unsigned char*>(src);
  for (std::size_t n = 0; n < count; ++n) {
    // memcpy: the source buffer need not be aligned for T (e.g. NIfTI data at an odd vox_offset).
    std::memcpy(&value, bytes + n * sizeof(T), sizeof(T));
    dst[n] = static_cast<float>(value);
  }
}

} // namespace

std::uint64_t checkedProduct(const std::vector<std::uint64_t>& sizes, const std::string& path) {
  std::uint64_t product = 1;
  for (const auto s : sizes) {
    if (s != 0 && product > std::numeric_limits<std::uint64_t>::max() / s)
      throw Error(ErrorKind::InvalidInput, path + ": the header claims an impossibly large image");
    product *= s;
  }
  return product;
}

void checkAllocation(std::uint64_t voxels, std::uint64_t bytesToRead, const std::string& sizeText,
                     const std::string& path) {
  // Both buffers live at once: the stored values as read, then the float copy.
  const double needed = static_cast<double>(voxels) * sizeof(float) + static_cast<double>(bytesToRead);
  if (static_cast<double>(voxels) * sizeof(float) > static_cast<double>(kMaxFloatBytes))
    throw Error(ErrorKind::Unsupported, path + ": the image is too large to load (" + sizeText + " voxels would need " +
                                          formatBytes(needed) + " of memory; the limit is " +
                                          formatBytes(static_cast<double>(kMaxFloatBytes)) + ")");
  const std::uint64_t available = availableMemoryBytes();
  if (available != 0 && needed > static_cast<double>(available))
    throw Error(ErrorKind::Unsupported, path + ": the image is too large to load (" + sizeText + " voxels need " +
                                          formatBytes(needed) + ", only " + formatBytes(double(available)) +
                                          " of memory is available)");
}

std::size_t chooseFrame(std::uint64_t frames, const ReadOptions& options, const std::string& path) {
  if (frames <= 1) {
    if (options.frame && *options.frame != 0)
      throw Error(ErrorKind::InvalidArgument, path + ": frame " + std::to_string(*options.frame) +
                                                " does not exist: the image is 3D (only frame 0)");
    return 0;
  }
  if (!options.frame)
    throw Error(ErrorKind::Unsupported, path + ": the image holds " + std::to_string(frames) +
                                          " volumes (4D or more); choose one with --frame 0.." +
                                          std::to_string(frames - 1));
  if (*options.frame >= frames)
    throw Error(ErrorKind::InvalidArgument, path + ": frame " + std::to_string(*options.frame) +
                                              " is out of range: the image holds " + std::to_string(frames) +
                                              " volumes (0.." + std::to_string(frames - 1) + ")");
  return *options.frame;
}

PixelType pixelTypeOf(bool isFloat, bool isSigned, std::size_t bytes) {
  if (isFloat) return bytes == 4 ? PixelType::Float32 : bytes == 8 ? PixelType::Float64 : PixelType::Unknown;
  switch (bytes) {
  case 1: return isSigned ? PixelType::Int8 : PixelType::UInt8;
  case 2: return isSigned ? PixelType::Int16 : PixelType::UInt16;
  case 4: return isSigned ? PixelType::Int32 : PixelType::UInt32;
  case 8: return isSigned ? PixelType::Int64 : PixelType::UInt64;
  default: return PixelType::Unknown;
  }
}

std::size_t bytesOf(PixelType type) {
  switch (type) {
  case PixelType::UInt8:
  case PixelType::Int8: return 1;
  case PixelType::UInt16:
  case PixelType::Int16: return 2;
  case PixelType::UInt32:
  case PixelType::Int32:
  case PixelType::Float32: return 4;
  case PixelType::UInt64:
  case PixelType::Int64:
  case PixelType::Float64: return 8;
  case PixelType::Unknown: return 0;
  }
  return 0;
}

void convertToFloat(PixelType type, const void* src, std::size_t count, float* dst) {
  switch (type) {
  case PixelType::UInt8: return convert<std::uint8_t>(src, count, dst);
  case PixelType::Int8: return convert<std::int8_t>(src, count, dst);
  case PixelType::UInt16: return convert<std::uint16_t>(src, count, dst);
  case PixelType::Int16: return convert<std::int16_t>(src, count, dst);
  case PixelType::UInt32: return convert<std::uint32_t>(src, count, dst);
  case PixelType::Int32: return convert<std::int32_t>(src, count, dst);
  case PixelType::UInt64: return convert<std::uint64_t>(src, count, dst);
  case PixelType::Int64: return convert<std::int64_t>(src, count, dst);
  case PixelType::Float32: return convert<float>(src, count, dst);
  case PixelType::Float64: return convert<double>(src, count, dst);
  case PixelType::Unknown: break;
  }
  throw Error(ErrorKind::Internal, "convertToFloat: unknown pixel type");
}

} // namespace strega::io::limits
