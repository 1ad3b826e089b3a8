#include "strega/simulate/TissuePhantom.h"

#include "Smoothing.h"
#include "strega/core/Error.h"

namespace strega::simulate {

TissuePhantom makeTissuePhantom(const LabelMap& truth, const PhantomOptions& options) {
  const std::array<double, 3> intensity =
    options.classIntensity ? *options.classIntensity
                           : (options.contrast == ImageContrast::T2 ? std::array<double, 3>{180.0, 95.0, 70.0}
                                                                    : std::array<double, 3>{30.0, 75.0, 110.0});
  TissuePhantom phantom;
  phantom.truth = truth;
  phantom.brainMask = Mask(truth.geometry(), 0);
  for (std::size_t n = 0; n < truth.voxelCount(); ++n)
    phantom.brainMask[n] = truth[n] >= 1 && truth[n] <= 3;

  // Partial volume: blur each tissue's indicator, normalised by the blurred brain mask (no mixing with outside).
  ImageF weight(truth.geometry(), 0.0f);
  for (std::size_t n = 0; n < truth.voxelCount(); ++n)
    weight[n] = phantom.brainMask[n];
  detail::gaussianSmooth(weight, options.partialVolumeSigmaMm);
  ImageF image(truth.geometry(), 0.0f);
  for (int c = 0; c < 3; ++c) {
    ImageF fraction(truth.geometry(), 0.0f);
    for (std::size_t n = 0; n < truth.voxelCount(); ++n)
      fraction[n] = truth[n] == c + 1 ? 1.0f : 0.0f;
    detail::gaussianSmooth(fraction, options.partialVolumeSigmaMm);
    for (std::size_t n = 0; n < truth.voxelCount(); ++n)
      if (phantom.brainMask[n] && weight[n] > 0) image[n] += static_cast<float>(intensity[c] * fraction[n] / weight[n]);
  }
  const ImageF bias = randomBiasField(truth.geometry(), options.biasAmplitude, options.seed * 977ull + 3ull);
  for (std::size_t n = 0; n < image.voxelCount(); ++n)
    image[n] *= bias[n];
  const double brightest = std::max({intensity[0], intensity[1], intensity[2]});
  addRicianNoise(image, options.noiseFraction * brightest, options.seed * 7877ull + 11ull);
  for (std::size_t n = 0; n < image.voxelCount(); ++n)
    if (!phantom.brainMask[n]) image[n] = 0.0f;
  phantom.image = std::move(image);
  return phantom;
}

} // namespace strega::simulate
