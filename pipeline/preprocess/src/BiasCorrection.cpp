// N4 bias-field correction (ITK), fitted on a shrunk image and evaluated at full resolution.
#include "strega/preprocess/BiasCorrection.h"

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
  for (unsigned l = 0; l < iterations.Size(); ++l) iterations[l] = options.iterations[l];
  n4->SetMaximumNumberOfIterations(iterations);
  n4->SetNumberOfFittingLevels(static_cast<unsigned>(options.iterations.size()));
  n4->SetConvergenceThreshold(options.convergenceThreshold);
  N4::ArrayType controlPoints;
  controlPoints.Fill(options.initialControlPoints);
  n4->SetNumberOfControlPoints(controlPoints);
  n4->SetBiasFieldFullWidthAtHalfMaximum(options.biasFieldFullWidthAtHalfMaximum);
  n4->SetWienerFilterNoise(options.wienerFilterNoise);
  n4->SetNumberOfHistogramBins(options.histogramBins);
  const std::clock_t debugStart = std::clock();
  itkbridge::runFilter(n4, progress, "bias correction failed", ErrorKind::InvalidInput, 0.0, 0.85);
  if (std::getenv("STREGA_DEBUG_N4"))
    std::fprintf(stderr, "N4: %.2f s cpu, %u levels, last level %u iterations, convergence %.5f\n",
                 double(std::clock() - debugStart) / CLOCKS_PER_SEC, n4->GetCurrentLevel() + 1,
                 n4->GetElapsedIterations(), n4->GetCurrentConvergenceMeasurement());

  // Evaluate the log field on the full-resolution grid.
  using Lattice = N4::BiasFieldControlPointLatticeType;
  using ScalarVector = itk::Image<itk::Vector<float, 1>, 3>;
  auto reconstruct = itk::BSplineControlPointImageFilter<Lattice, ScalarVector>::New();
  reconstruct->SetInput(n4->GetLogBiasFieldControlPointLattice());
  reconstruct->SetSplineOrder(n4->GetSplineOrder());
  reconstruct->SetSize(input->GetLargestPossibleRegion().GetSize());
  reconstruct->SetOrigin(input->GetOrigin());
  reconstruct->SetSpacing(input->GetSpacing());
  reconstruct->SetDirection(input->GetDirection());
  itkbridge::runFilter(reconstruct, progress, "bias correction failed", ErrorKind::Internal, 0.85, 0.98);

  if (std::getenv("STREGA_DEBUG_N4"))
    std::fprintf(stderr, "N4 reconstruct done at %.2f s cpu\n", double(std::clock() - debugStart) / CLOCKS_PER_SEC);
  result.biasField = ImageF(image.geometry(), 1.0f);
  result.corrected = ImageF(image.geometry(), 0.0f);
  const auto* log = reconstruct->GetOutput()->GetBufferPointer();
  // Normalise the field to mean 1 inside the mask so corrected intensities keep the input's scale.
  double sum = 0.0;
  for (std::size_t n = 0; n < image.voxelCount(); ++n)
    if (fitMask[n]) sum += std::exp(double(log[n][0]));
  const double mean = sum / double(inside);
  for (std::size_t n = 0; n < image.voxelCount(); ++n) {
    const float field = static_cast<float>(std::exp(double(log[n][0])) / mean);
    result.biasField[n] = field;
    result.corrected[n] = image[n] / field;
  }
  if (progress) progress->update(1.0);
  return result;
}

} // namespace strega::preprocess
