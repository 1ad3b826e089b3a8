// N4 bias-field correction (ITK), fitted on a shrunk image and evaluated at full resolution.
#include "strega/preprocess/BiasCorrection.h"

#include "Sampling.h"
#include "strega/core/Error.h"
#include "strega/itkbridge/ItkConversion.h"
#include "strega/itkbridge/ItkProgress.h"

#include <itkBSplineControlPointImageFilter.h>
#include <itkN4BiasFieldCorrectionImageFilter.h>
#include <itkShrinkImageFilter.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace strega::preprocess {

BiasCorrectionResult correctBias(const ImageF& image, const Mask& mask, const N4Options& options,
                                 ProgressScope* progress) {
  if (image.size() != mask.size()) throw Error(ErrorKind::InvalidArgument, "the mask does not match the image size");
  BiasCorrectionResult result;
  if (!options.enabled) {
    result.corrected = image;
    result.biasField = ImageF(image.geometry(), 1.0f);
    return result;
  }
  if (options.iterations.empty() || options.shrinkFactor == 0)
    throw Error(ErrorKind::InvalidArgument, "N4 needs at least one fitting level and a shrink factor of at least 1");
  using FloatImage = itk::Image<float, 3>;
  using MaskImage = itk::Image<std::uint8_t, 3>;

  Mask fitMask(mask.geometry(), 0);
  std::size_t inside = 0;
  for (std::size_t n = 0; n < mask.voxelCount(); ++n)
    if (mask[n] && image[n] > 0.0f && std::isfinite(image[n])) fitMask[n] = 1, ++inside;
  if (inside < 1000)
    throw Error(ErrorKind::InvalidInput, "too few brain voxels with positive intensity for bias correction",
                std::to_string(inside) + " voxels");

  auto input = itkbridge::toItk(image);
  auto maskImage = itkbridge::toItk(fitMask);
  // N4 takes the log of the intensities: keep them positive everywhere (the mask decides what is fitted).
  {
    auto* p = input->GetBufferPointer();
    for (std::size_t n = 0; n < image.voxelCount(); ++n)
      if (!(p[n] > 0.0f)) p[n] = 1e-3f;
  }
  auto shrinkImage = itk::ShrinkImageFilter<FloatImage, FloatImage>::New();
  shrinkImage->SetInput(input);
  shrinkImage->SetShrinkFactors(options.shrinkFactor);
  auto shrinkMask = itk::ShrinkImageFilter<MaskImage, MaskImage>::New();
  shrinkMask->SetInput(maskImage);
  shrinkMask->SetShrinkFactors(options.shrinkFactor);
  itkbridge::runFilter(shrinkImage, progress, "bias correction failed");
  itkbridge::runFilter(shrinkMask, progress, "bias correction failed");

  using N4 = itk::N4BiasFieldCorrectionImageFilter<FloatImage, MaskImage, FloatImage>;
  auto n4 = N4::New();
  n4->SetInput(shrinkImage->GetOutput());
  n4->SetMaskImage(shrinkMask->GetOutput());
  n4->SetMaskLabel(1);
  N4::VariableSizeArrayType iterations(static_cast<unsigned>(options.iterations.size()));
  for (unsigned l = 0; l < iterations.Size(); ++l)
    iterations[l] = options.iterations[l];
  n4->SetMaximumNumberOfIterations(iterations);
  n4->SetNumberOfFittingLevels(static_cast<unsigned>(options.iterations.size()));
  n4->SetConvergenceThreshold(options.convergenceThreshold);
  N4::ArrayType controlPoints;
  controlPoints.Fill(options.initialControlPoints);
  n4->SetNumberOfControlPoints(controlPoints);
  n4->SetBiasFieldFullWidthAtHalfMaximum(options.biasFieldFullWidthAtHalfMaximum);
  n4->SetWienerFilterNoise(options.wienerFilterNoise);
  n4->SetNumberOfHistogramBins(options.histogramBins);
  // N4 reports no ProgressEvent between its iterations (so AbortGenerateData is never looked at while it fits):
  // cancellation is checked at every IterationEvent instead, which keeps Cancel responsive during this stage.
  const itkbridge::IterationObserver cancelBetweenIterations(n4, progress, {});
  itkbridge::runFilter(n4, progress, "bias correction failed", ErrorKind::InvalidInput, 0.0, 0.85);

  // Evaluate the log field on a grid of half the resolution (the field is smooth) and interpolate it linearly.
  using Lattice = N4::BiasFieldControlPointLatticeType;
  using ScalarVector = itk::Image<itk::Vector<float, 1>, 3>;
  auto reconstruct = itk::BSplineControlPointImageFilter<Lattice, ScalarVector>::New();
  reconstruct->SetInput(n4->GetLogBiasFieldControlPointLattice());
  reconstruct->SetSplineOrder(n4->GetSplineOrder());
  ScalarVector::SizeType halfSize;
  ScalarVector::SpacingType halfSpacing;
  for (unsigned d = 0; d < 3; ++d) {
    halfSize[d] = (input->GetLargestPossibleRegion().GetSize()[d] + 1) / 2 + 1;
    halfSpacing[d] = 2.0 * input->GetSpacing()[d];
  }
  reconstruct->SetSize(halfSize);
  reconstruct->SetOrigin(input->GetOrigin());
  reconstruct->SetSpacing(halfSpacing);
  reconstruct->SetDirection(input->GetDirection());
  itkbridge::runFilter(reconstruct, progress, "bias correction failed", ErrorKind::Internal, 0.85, 0.95);
  ImageGeometry halfGrid = image.geometry();
  for (int d = 0; d < 3; ++d) {
    halfGrid.size[d] = halfSize[d];
    halfGrid.spacingMm[d] = halfSpacing[d];
  }
  ImageF logField(halfGrid, 0.0f);
  const auto* log = reconstruct->GetOutput()->GetBufferPointer();
  for (std::size_t n = 0; n < logField.voxelCount(); ++n)
    logField[n] = log[n][0];

  result.biasField = ImageF(image.geometry(), 1.0f);
  result.corrected = ImageF(image.geometry(), 0.0f);
  const auto& s = image.size();
  for (std::size_t k = 0; k < s[2]; ++k)
    for (std::size_t j = 0; j < s[1]; ++j)
      for (std::size_t i = 0; i < s[0]; ++i)
        result.biasField.at(i, j, k) = std::exp(detail::sampleLinear(logField, {0.5 * i, 0.5 * j, 0.5 * k}, 0.0f));
  // Normalise the field to mean 1 inside the mask so corrected intensities keep the input's scale.
  double sum = 0.0;
  for (std::size_t n = 0; n < image.voxelCount(); ++n)
    if (fitMask[n]) sum += result.biasField[n];
  const float mean = static_cast<float>(sum / double(inside));
  for (std::size_t n = 0; n < image.voxelCount(); ++n) {
    result.biasField[n] /= mean;
    result.corrected[n] = image[n] / result.biasField[n];
  }
  if (progress) progress->update(1.0);
  return result;
}

} // namespace strega::preprocess
