#pragma once
/// \file
/// \brief NamedTensor: a named float array with a shape, the torch-free currency of weights between layers.

#include <cstdint>
#include <string>
#include <vector>

namespace strega::model {

/// \brief One parameter as plain data: PyTorch name ("enc.start.conv.weight"), shape, row-major float32 values.
struct NamedTensor {
  std::string name;
  std::vector<std::int64_t> shape;
  std::vector<float> values;

  std::int64_t elementCount() const {
    std::int64_t n = 1;
    for (auto d : shape)
      n *= d;
    return n;
  }
};

} // namespace strega::model
