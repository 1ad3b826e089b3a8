#include "strega/model/AxialSlicer.h"

#include <algorithm>
#include <cmath>

namespace strega::model {
namespace {

using Taps = std::vector<std::vector<std::pair<int, float>>>;

/// Weights taking a 1D signal of nSrc samples to nDst samples, destination j sitting at source position
/// offset + j * step. Outside the source the signal is 0. Shrinking (step > 1) uses a triangle filter of
/// half-width `step` (area-like, anti-aliased); otherwise linear interpolation. An integer offset with step 1
/// gives one-hot weights (exact copy).
Taps resampleTaps(int nSrc, int nDst, double offset, double step) {
  Taps taps(nDst);
  const double support = std::max(1.0, step);
  for (int j = 0; j < nDst; ++j) {
    const double x = offset + j * step;
    const int lo = static_cast<int>(std::ceil(x - support + 1e-9));
    const int hi = static_cast<int>(std::floor(x + support - 1e-9));
    double total = 0.0;
    std::vector<std::pair<int, double>> raw;
    for (int i = lo; i <= hi; ++i) {
      const double w = 1.0 - std::abs(i - x) / support;
      if (w <= 0.0) continue;
      total += w; // counts taps outside the source too: outside is zero, not an extended edge
      if (i >= 0 && i < nSrc) raw.emplace_back(i, w);
    }
    for (const auto& [i, w] : raw)
      taps[j].emplace_back(i, static_cast<float>(w / total));
  }
  return taps;
}

/// Source position of model pixel 0 along an axis of n voxels for a model grid of N pixels of `step` voxels.
double firstPosition(std::size_t n, int N, double step, bool exact) {
  // Whole-pixel shift; the odd pixel of padding or cropping goes to the end of the axis.
  if (exact) return std::trunc((static_cast<double>(n) - N) / 2.0);
  return (static_cast<double>(n) - 1.0) / 2.0 - (N - 1.0) / 2.0 * step;
}

} // namespace

AxialSlicer::AxialSlicer(const ImageGeometry& geometry, const ModelConfig& config) {
  config.validate();
  geometry.validate();
  m_size = geometry.size;
  const auto& d = geometry.direction; // columns are the axis directions in LPS: d[row * 3 + axis]
  // Axial axis: largest |S| component; in-plane column axis (towards L): largest |L| component of the others.
  m_axial = 0;
  for (int a = 1; a < 3; ++a)
    if (std::abs(d[6 + a]) > std::abs(d[6 + m_axial])) m_axial = a;
  const int o1 = (m_axial + 1) % 3, o2 = (m_axial + 2) % 3;
  m_axisU = std::abs(d[o1]) >= std::abs(d[o2]) ? o1 : o2;
  m_axisV = m_axisU == o1 ? o2 : o1;
  m_flipU = d[m_axisU] < 0.0;     // L component of the u axis
  m_flipV = d[3 + m_axisV] < 0.0; // P component of the v axis
  m_sizeU = m_size[m_axisU];
  m_sizeV = m_size[m_axisV];
  m_sliceCount = m_size[m_axial];
  m_modelSize = config.inputSize;

  const double pixel = config.pixelSizeMm();
  double stepU = pixel / geometry.spacingMm[m_axisU];
  double stepV = pixel / geometry.spacingMm[m_axisV];
  m_exact = std::abs(stepU - 1.0) < 1e-6 && std::abs(stepV - 1.0) < 1e-6;
  if (m_exact) stepU = stepV = 1.0;
  const double u0 = firstPosition(m_sizeU, m_modelSize, stepU, m_exact);
  const double v0 = firstPosition(m_sizeV, m_modelSize, stepV, m_exact);
  m_toModelU = resampleTaps(static_cast<int>(m_sizeU), m_modelSize, u0, stepU);
  m_toModelV = resampleTaps(static_cast<int>(m_sizeV), m_modelSize, v0, stepV);
  m_fromModelU = resampleTaps(m_modelSize, static_cast<int>(m_sizeU), -u0 / stepU, 1.0 / stepU);
  m_fromModelV = resampleTaps(m_modelSize, static_cast<int>(m_sizeV), -v0 / stepV, 1.0 / stepV);
}

std::size_t AxialSlicer::voxelOffset(std::size_t u, std::size_t v, std::size_t k) const {
  std::array<std::size_t, 3> idx{};
  idx[m_axisU] = m_flipU ? m_sizeU - 1 - u : u;
  idx[m_axisV] = m_flipV ? m_sizeV - 1 - v : v;
  idx[m_axial] = k;
  return idx[0] + m_size[0] * (idx[1] + m_size[1] * idx[2]);
}

bool AxialSlicer::sliceIsEmpty(const ImageF& volume, std::size_t k) const {
  for (std::size_t v = 0; v < m_sizeV; ++v)
    for (std::size_t u = 0; u < m_sizeU; ++u)
      if (volume[voxelOffset(u, v, k)] > 0.0f) return false;
  return true;
}

void AxialSlicer::toModel(const ImageF& volume, std::size_t k, float* out) const {
  if (volume.size() != m_size || k >= m_sliceCount)
    throw Error(ErrorKind::Internal, "AxialSlicer used with a volume or slice it was not made for");
  const int N = m_modelSize;
  // Along u first (rows of the source slice), then along v.
  std::vector<float> rows(m_sizeV * static_cast<std::size_t>(N), 0.0f);
  for (std::size_t v = 0; v < m_sizeV; ++v)
    for (int j = 0; j < N; ++j) {
      float acc = 0.0f;
      for (const auto& [u, w] : m_toModelU[j])
        acc += w * volume[voxelOffset(static_cast<std::size_t>(u), v, k)];
      rows[v * N + j] = acc;
    }
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j) {
      float acc = 0.0f;
      for (const auto& [v, w] : m_toModelV[i])
        acc += w * rows[static_cast<std::size_t>(v) * N + j];
      out[static_cast<std::size_t>(i) * N + j] = acc;
    }
}

void AxialSlicer::fromModel(const float* in, std::size_t k, ImageF& volume) const {
  if (volume.size() != m_size || k >= m_sliceCount)
    throw Error(ErrorKind::Internal, "AxialSlicer used with a volume or slice it was not made for");
  const int N = m_modelSize;
  std::vector<float> rows(static_cast<std::size_t>(N) * m_sizeU, 0.0f);
  for (int i = 0; i < N; ++i)
    for (std::size_t u = 0; u < m_sizeU; ++u) {
      float acc = 0.0f;
      for (const auto& [j, w] : m_fromModelU[u])
        acc += w * in[static_cast<std::size_t>(i) * N + j];
      rows[static_cast<std::size_t>(i) * m_sizeU + u] = acc;
    }
  for (std::size_t v = 0; v < m_sizeV; ++v)
    for (std::size_t u = 0; u < m_sizeU; ++u) {
      float acc = 0.0f;
      for (const auto& [i, w] : m_fromModelV[v])
        acc += w * rows[static_cast<std::size_t>(i) * m_sizeU + u];
      volume[voxelOffset(u, v, k)] = acc;
    }
}

} // namespace strega::model
