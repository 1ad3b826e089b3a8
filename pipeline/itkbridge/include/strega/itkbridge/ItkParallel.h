#pragma once
/// \file
/// \brief parallelFor over an index range on ITK's thread pool (internal to the pipeline libraries).

#include <itkMultiThreaderBase.h>

#include <cstddef>
#include <functional>

namespace strega::itkbridge {

/// Run body(begin, end) on disjoint chunks covering [first, last) on ITK's global thread pool (as many chunks as
/// ITK work units, at least `minChunk` items each). Returns when all chunks are done. The body must not throw.
inline void parallelFor(std::size_t first, std::size_t last,
                        const std::function<void(std::size_t begin, std::size_t end)>& body,
                        std::size_t minChunk = 4096) {
  if (last <= first) return;
  const std::size_t n = last - first;
  auto threader = itk::MultiThreaderBase::New();
  std::size_t chunks = static_cast<std::size_t>(threader->GetNumberOfWorkUnits());
  chunks = std::max<std::size_t>(1, std::min(chunks, (n + minChunk - 1) / minChunk));
  if (chunks == 1) {
    body(first, last);
    return;
  }
  threader->ParallelizeArray(
    0, static_cast<itk::SizeValueType>(chunks),
    [&](itk::SizeValueType c) {
      const std::size_t b = first + n * c / chunks;
      const std::size_t e = first + n * (c + 1) / chunks;
      if (e > b) body(b, e);
    },
    nullptr);
}

} // namespace strega::itkbridge
