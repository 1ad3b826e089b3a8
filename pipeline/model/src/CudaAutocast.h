#pragma once
/// \file
/// \brief CudaAutocast: RAII switch for CUDA autocast that compiles against LibTorch 1.13 (Debian) and 2.x
/// (Python's torch on GPU machines), whose autocast functions differ.

#include <ATen/autocast_mode.h>
#include <torch/version.h>

namespace strega::model {

/// \brief Enables CUDA autocast with `dtype` for its lifetime and restores the previous state afterwards.
/// Inactive (no effect at all) when `active` is false, e.g. for fp32 or on the CPU.
class CudaAutocast {
public:
  CudaAutocast(bool active, at::ScalarType dtype) : m_active(active) {
    if (!m_active) return;
      // LibTorch 2.4 replaced the CUDA-only functions by device-typed ones and later releases dropped the old ones.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    m_previousEnabled = at::autocast::is_autocast_enabled(at::kCUDA);
    m_previousType = at::autocast::get_autocast_dtype(at::kCUDA);
    at::autocast::set_autocast_dtype(at::kCUDA, dtype);
    at::autocast::set_autocast_enabled(at::kCUDA, true);
#else
    m_previousEnabled = at::autocast::is_enabled();
    m_previousType = at::autocast::get_autocast_gpu_dtype();
    at::autocast::set_autocast_gpu_dtype(dtype);
    at::autocast::set_enabled(true);
#endif
  }
  ~CudaAutocast() {
    if (!m_active) return;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    at::autocast::set_autocast_enabled(at::kCUDA, m_previousEnabled);
    at::autocast::set_autocast_dtype(at::kCUDA, m_previousType);
#else
    at::autocast::set_enabled(m_previousEnabled);
    at::autocast::set_autocast_gpu_dtype(m_previousType);
#endif
    at::autocast::clear_cache();
  }
  CudaAutocast(const CudaAutocast&) = delete;
  CudaAutocast& operator=(const CudaAutocast&) = delete;

private:
  bool m_active;
  bool m_previousEnabled = false;
  at::ScalarType m_previousType = at::kHalf;
};

} // namespace strega::model
