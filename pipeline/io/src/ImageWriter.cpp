#include "strega/io/ImageWriter.h"

#include "ItkImageIo.h"

#include "strega/core/Error.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

namespace strega::io {
namespace {

// Float -> T: floats are copied; integers are rounded half away from zero and clamped to T's range, NaN -> 0.
// Comparisons are done in double, where every bound of T is exact or rounds up to a power of two (so `>=`
// catches values that would overflow the cast).
template <class T> std::vector<unsigned char> convertFromFloat(const ImageF& image) {
  std::vector<unsigned char> bytes(image.voxelCount() * sizeof(T));
  T* out = reinterpret_cast<T*>(bytes.data());
  const float* in = image.data();
  for (std::size_t n = 0; n < image.voxelCount(); ++n) {
    if constexpr (std::is_floating_point_v<T>) {
      out[n] = static_cast<T>(in[n]);
    } else {
      const double v = in[n];
      constexpr double lowest = static_cast<double>(std::numeric_limits<T>::lowest());
      constexpr double highest = static_cast<double>(std::numeric_limits<T>::max());
      if (std::isnan(v))
        out[n] = 0;
      else if (v <= lowest)
        out[n] = std::numeric_limits<T>::lowest();
      else if (std::round(v) >= highest)
        out[n] = std::numeric_limits<T>::max();
      else
        out[n] = static_cast<T>(std::round(v));
    }
  }
  return bytes;
}

std::vector<unsigned char> convert(const ImageF& image, PixelType type) {
  switch (type) {
  case PixelType::UInt8: return convertFromFloat<std::uint8_t>(image);
  case PixelType::Int8: return convertFromFloat<std::int8_t>(image);
  case PixelType::UInt16: return convertFromFloat<std::uint16_t>(image);
  case PixelType::Int16: return convertFromFloat<std::int16_t>(image);
  case PixelType::UInt32: return convertFromFloat<std::uint32_t>(image);
  case PixelType::Int32: return convertFromFloat<std::int32_t>(image);
  case PixelType::UInt64: return convertFromFloat<std::uint64_t>(image);
  case PixelType::Int64: return convertFromFloat<std::int64_t>(image);
  case PixelType::Float32: return convertFromFloat<float>(image);
  case PixelType::Float64: return convertFromFloat<double>(image);
  case PixelType::Unknown: break;
  }
  return convertFromFloat<float>(image);
}

} // namespace

void writeImage(const ImageF& image, const std::filesystem::path& path, PixelType storedAs) {
  if (image.empty())
    throw Error(ErrorKind::InvalidArgument, "nothing to write to " + path.string() + ": the image is empty");
  if (storedAs == PixelType::Unknown) storedAs = PixelType::Float32;
  if (storedAs == PixelType::Float32) {
    itkio::write(image.geometry(), image.data(), storedAs, path);
    return;
  }
  const std::vector<unsigned char> bytes = convert(image, storedAs);
  itkio::write(image.geometry(), bytes.data(), storedAs, path);
}

void writeMask(const Mask& mask, const std::filesystem::path& path) {
  if (mask.empty())
    throw Error(ErrorKind::InvalidArgument, "nothing to write to " + path.string() + ": the mask is empty");
  itkio::write(mask.geometry(), mask.data(), PixelType::UInt8, path);
}

} // namespace strega::io
