#pragma once
/// \file
/// \brief Volume<T>: a 3D image: a contiguous voxel buffer plus its LPS geometry.

#include "strega/core/Error.h"
#include "strega/core/ImageGeometry.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace strega {

/// \brief A 3D image with voxels of type T on an ImageGeometry (LPS, mm).
///
/// Voxels are stored with i fastest, then j, then k: linear index = i + size_i * (j + size_j * k), the layout of
/// ITK, NIfTI and DICOM frames. A value type: copies copy the voxels.
template <class T>
class Volume {
public:
  using ValueType = T;

  Volume() = default;
  explicit Volume(const ImageGeometry& geometry, T fill = T{})
    : m_geometry(geometry), m_voxels(geometry.voxelCount(), fill) {}
  Volume(const ImageGeometry& geometry, std::vector<T> voxels) : m_geometry(geometry), m_voxels(std::move(voxels)) {
    if (m_voxels.size() != m_geometry.voxelCount())
      throw Error(ErrorKind::Internal, "voxel buffer does not match the image size");
  }

  const ImageGeometry& geometry() const { return m_geometry; }
  /// Replace spacing, origin and direction; the size must stay the same.
  void setGeometry(const ImageGeometry& geometry) {
    if (geometry.size != m_geometry.size)
      throw Error(ErrorKind::Internal, "setGeometry cannot change the image size");
    m_geometry = geometry;
  }
  const Size3& size() const { return m_geometry.size; }
  std::size_t voxelCount() const { return m_voxels.size(); }
  bool empty() const { return m_voxels.empty(); }

  std::size_t linearIndex(std::size_t i, std::size_t j, std::size_t k) const {
    return i + m_geometry.size[0] * (j + m_geometry.size[1] * k);
  }
  bool contains(long long i, long long j, long long k) const {
    return i >= 0 && j >= 0 && k >= 0 && static_cast<std::size_t>(i) < m_geometry.size[0] &&
           static_cast<std::size_t>(j) < m_geometry.size[1] && static_cast<std::size_t>(k) < m_geometry.size[2];
  }
  T& at(std::size_t i, std::size_t j, std::size_t k) { return m_voxels[linearIndex(i, j, k)]; }
  const T& at(std::size_t i, std::size_t j, std::size_t k) const { return m_voxels[linearIndex(i, j, k)]; }
  T& operator[](std::size_t linear) { return m_voxels[linear]; }
  const T& operator[](std::size_t linear) const { return m_voxels[linear]; }

  T* data() { return m_voxels.data(); }
  const T* data() const { return m_voxels.data(); }
  std::span<T> voxels() { return m_voxels; }
  std::span<const T> voxels() const { return m_voxels; }
  /// Move the buffer out (leaves the volume empty).
  std::vector<T> release() {
    m_geometry.size = {0, 0, 0};
    return std::move(m_voxels);
  }

private:
  ImageGeometry m_geometry;
  std::vector<T> m_voxels;
};

using ImageF = Volume<float>;
using Mask = Volume<std::uint8_t>;

/// A volume of type U on the same geometry as `like`, filled with `fill`.
template <class U, class T>
Volume<U> makeVolumeLike(const Volume<T>& like, U fill = U{}) {
  return Volume<U>(like.geometry(), fill);
}

} // namespace strega
