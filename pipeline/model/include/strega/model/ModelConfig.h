#pragma once
/// \file
/// \brief ModelConfig: the architecture of a cceVAE (input size, feature maps, latent size), with the named
/// configurations `reference` and `compact`, and the parameter list it implies (names and shapes).

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace strega::model {

/// \brief Name and shape of one model parameter, in PyTorch's layout (conv [out,in,kH,kW], transposed conv
/// [in,out,kH,kW], PReLU [1]).
struct ParameterSpec {
  std::string name;
  std::vector<std::int64_t> shape;
  std::int64_t elementCount() const;
  /// "[16,1,3,3]"
  std::string shapeText() const;
};

/// \brief Architecture of the context-encoding VAE of METHOD.md §2 (no torch types; cheap to copy).
///
/// Encoder: four 3x3 stride-2 convolutions (no bias) with PReLU, feature maps featureMaps[0..3], then one
/// convolution whose kernel spans the remaining (inputSize/16)² map and gives 2·latentDim channels at 1x1
/// (mu | log σ). Decoder: a transposed convolution from latentDim (1x1) back to featureMaps[3] at (inputSize/16)²
/// with PReLU, three 4x4 stride-2 transposed convolutions with PReLU, and a last one to one channel, linear.
///
/// Slices are sampled onto a square model grid of inputSize² pixels covering fieldOfViewMm² centred on the
/// slice: pixel size fieldOfViewMm / inputSize mm. The reference config covers 256 mm at 1 mm (pad/crop of
/// 1 mm data); compact covers 240 mm at 1.875 mm.
struct ModelConfig {
  std::string name = "compact"; ///< "reference", "compact" or "custom"
  int inputSize = 128;          ///< model grid side in pixels; a multiple of 16
  std::array<int, 4> featureMaps{16, 32, 64, 128};
  int latentDim = 128;          ///< z
  double fieldOfViewMm = 240.0; ///< physical side of the model grid (mm)

  /// The authors' configuration: 1x256x256, 16/64/256/1024, z 1024 (812,295,576 parameters).
  static ModelConfig reference();
  /// The project default: 1x128x128, 16/32/64/128, z 128 (3.4 million parameters, 13.7 MB in fp32).
  static ModelConfig compact();
  /// reference() or compact() by name; throws Error(InvalidArgument) for anything else.
  static ModelConfig byName(const std::string& name);

  /// Side of the feature map before the bottleneck conv (inputSize / 16).
  int bottleneckSize() const { return inputSize / 16; }
  /// Pixel size of the model grid in mm.
  double pixelSizeMm() const { return fieldOfViewMm / inputSize; }
  /// Throws Error(InvalidArgument) for sizes that do not make a valid network.
  void validate() const;

  /// "key=value" lines (name, input_size, feature_maps, latent_dim, field_of_view_mm), the checkpoint form.
  std::string toKeyValueText() const;
  /// Parse toKeyValueText(); unknown keys are ignored, missing or malformed ones throw Error(Model).
  static ModelConfig fromKeyValueText(const std::string& text);

  bool sameArchitecture(const ModelConfig& other) const;
  /// "reference" or "compact" when architecture and field of view are those of the named configuration,
  /// otherwise "custom": the name a configuration gets after any of its sizes was changed.
  std::string nameFromShape() const;
  bool operator==(const ModelConfig& other) const = default;
};

/// The parameters of the network in registration order, named as the authors' PyTorch module names them
/// ("enc.start.conv.weight", ..., "dec.end.conv.weight"): 18 entries.
std::vector<ParameterSpec> parameterSpecs(const ModelConfig& config);
/// Total number of scalar parameters.
std::int64_t parameterCount(const ModelConfig& config);
/// Floating-point operations (2 per multiply-add) of one slice through encoder + decoder (mu path).
double forwardFlopsPerSlice(const ModelConfig& config);
/// A one-paragraph human description of the layers ("enc.start conv 3x3/2 1->16 @128 -> 64, PReLU" ...).
std::string describeArchitecture(const ModelConfig& config);

} // namespace strega::model
