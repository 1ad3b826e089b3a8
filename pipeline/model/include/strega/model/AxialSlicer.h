#pragma once
/// \file
/// \brief AxialSlicer: moves the axial slices of a volume onto the model's square grid and back.

#include "strega/core/Volume.h"
#include "strega/model/ModelConfig.h"

#include <cstddef>
#include <utility>
#include <vector>

namespace strega::model {

/// \brief Samples axial slices of a volume onto the model grid (ModelConfig::inputSize² pixels of
/// ModelConfig::pixelSizeMm(), centred on the slice) and resamples model-grid slices back onto the volume.
///
/// The axial axis is the voxel axis whose direction is closest to S (LPS). In-plane the model grid is always
/// in LPS orientation whatever the storage order: columns grow towards patient Left, rows towards Posterior
/// (axes stored the other way round are flipped). Model slices are row-major float arrays.
///
/// Where the model pixel equals the voxel spacing the mapping is an exact pad/crop by a whole number of pixels,
/// centred with the odd pixel at the end (voxels outside the model grid come back as 0). Otherwise it is a linear
/// resampling, with a triangle filter widened to the pixel ratio when shrinking (anti-aliased); zero outside the image.
/// Thread-safe for const use.
class AxialSlicer {
public:
  AxialSlicer(const ImageGeometry& geometry, const ModelConfig& config);

  /// Number of axial slices of the volume.
  std::size_t sliceCount() const { return m_sliceCount; }
  /// Side of the model grid in pixels.
  int modelSize() const { return m_modelSize; }
  /// True when the mapping is a pure pad/crop (no interpolation).
  bool isExactPadCrop() const { return m_exact; }
  /// Index (0, 1 or 2) of the voxel axis treated as axial.
  int axialAxis() const { return m_axial; }

  /// True when no voxel of axial slice k is > 0 (an all-background slice).
  bool sliceIsEmpty(const ImageF& volume, std::size_t k) const;
  /// Sample axial slice k of `volume` onto the model grid: writes modelSize()² floats to `out`.
  void toModel(const ImageF& volume, std::size_t k, float* out) const;
  /// Resample a model-grid slice (modelSize()² floats) onto axial slice k of `volume` (overwrites the slice).
  void fromModel(const float* in, std::size_t k, ImageF& volume) const;

private:
  using Taps = std::vector<std::vector<std::pair<int, float>>>; // per destination sample: (source index, weight)
  std::size_t voxelOffset(std::size_t u, std::size_t v, std::size_t k) const;

  Size3 m_size{};
  int m_axial = 2, m_axisU = 0, m_axisV = 1; // u: model columns (towards L), v: model rows (towards P)
  bool m_flipU = false, m_flipV = false;
  std::size_t m_sizeU = 0, m_sizeV = 0, m_sliceCount = 0;
  int m_modelSize = 0;
  bool m_exact = false;
  Taps m_toModelU, m_toModelV, m_fromModelU, m_fromModelV;
};

} // namespace strega::model
