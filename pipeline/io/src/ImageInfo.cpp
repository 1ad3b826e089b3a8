#include "strega/io/ImageInfo.h"

namespace strega::io {

const char* toString(PixelType type) {
  switch (type) {
  case PixelType::UInt8: return "uint8";
  case PixelType::Int8: return "int8";
  case PixelType::UInt16: return "uint16";
  case PixelType::Int16: return "int16";
  case PixelType::UInt32: return "uint32";
  case PixelType::Int32: return "int32";
  case PixelType::UInt64: return "uint64";
  case PixelType::Int64: return "int64";
  case PixelType::Float32: return "float32";
  case PixelType::Float64: return "float64";
  case PixelType::Unknown: return "unknown";
  }
  return "unknown";
}

} // namespace strega::io
