#pragma once
/// \file
/// \brief TrainingSet: the non-empty axial slices of healthy tissue maps on the model grid, and their split
/// into training and validation slices.

#include "strega/core/Volume.h"
#include "strega/model/ModelConfig.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace strega::model {

/// Convert a tissue volume to model input values in [0, 1]: a label map with integer values 0..3 (background,
/// CSF, GM, WM) becomes 0, 1/3, 2/3, 1; a volume already within [0, 1] is kept; anything else is min-max scaled
/// to [0, 1] over the whole volume (the authors' rule). NaN or infinite voxels throw Error(InvalidInput).
ImageF toModelInput(const ImageF& tissue);

/// \brief Model-grid slices (ModelConfig::inputSize², row-major, LPS in-plane; see AxialSlicer) taken from
/// healthy volumes, with the volume each slice came from.
///
/// addVolume() keeps only slices with at least one voxel > 0 (all-empty slices are skipped). Memory:
/// inputSize² floats per slice (64 KiB at 128²). Augmentation happens later, per batch, in training.
class TrainingSet {
public:
  explicit TrainingSet(const ModelConfig& config);

  /// Add the non-empty axial slices of `volume` (model-input values, see toModelInput()); returns how many.
  std::size_t addVolume(const ImageF& volume, const std::string& name = {});
  /// Add one model-grid slice directly (inputSize² floats) as part of volume `volume`'s name.
  void addSlice(const float* values, const std::string& volumeName);

  const ModelConfig& config() const { return m_config; }
  std::size_t sliceCount() const { return m_volumeOf.size(); }
  std::size_t volumeCount() const { return m_volumeNames.size(); }
  const std::string& volumeName(std::size_t v) const { return m_volumeNames[v]; }
  std::size_t volumeOf(std::size_t slice) const { return m_volumeOf[slice]; }
  /// Pointer to inputSize² floats of slice i.
  const float* slice(std::size_t i) const { return m_values.data() + i * sliceSize(); }
  std::size_t sliceSize() const { return static_cast<std::size_t>(m_config.inputSize) * m_config.inputSize; }

  /// \brief Slice indices of each part of a split.
  struct Split {
    std::vector<std::size_t> training;
    std::vector<std::size_t> validation;
    bool byVolume = false; ///< whole volumes held out (else every n-th slice)
  };
  /// Hold out about `fraction` (0..0.9) for validation: whole volumes when that leaves at least one volume on
  /// each side (the last volumes in order), else every round(1/fraction)-th slice. fraction 0 gives no
  /// validation set. Deterministic.
  Split split(double fraction) const;

private:
  ModelConfig m_config;
  std::vector<float> m_values;
  std::vector<std::size_t> m_volumeOf;
  std::vector<std::string> m_volumeNames;
};

} // namespace strega::model
