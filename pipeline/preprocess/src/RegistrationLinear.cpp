// Rigid and affine stages of the atlas registration (ITK v4 registration framework, Mattes MI).
#include "RegistrationInternal.h"

#include "strega/core/Error.h"
#include "strega/itkbridge/ItkConversion.h"
#include "strega/itkbridge/ItkProgress.h"

#include <itkAffineTransform.h>
#include <itkBinShrinkImageFilter.h>
#include <itkCenteredTransformInitializer.h>
#include <itkImageRegistrationMethodv4.h>
#include <itkMattesMutualInformationImageToImageMetricv4.h>
#include <itkRegistrationParameterScalesFromPhysicalShift.h>
#include <itkRegularStepGradientDescentOptimizerv4.h>
#include <itkVersorRigid3DTransform.h>

#include <cstdio>
#include <cstdlib>

namespace strega::preprocess::detail {
namespace {

using Metric = itk::MattesMutualInformationImageToImageMetricv4<FloatImage, FloatImage>;
using Optimizer = itk::RegularStepGradientDescentOptimizerv4<double>;
using RigidTransform = itk::VersorRigid3DTransform<double>;
using AffineTransform = itk::AffineTransform<double, 3>;

template <class TTransform> Affine3 toAffine3(const TTransform* t) {
  Affine3 a;
  for (unsigned r = 0; r < 3; ++r) {
    for (unsigned c = 0; c < 3; ++c)
      a.matrix[r * 3 + c] = t->GetMatrix()[r][c];
    a.translationMm[r] = t->GetOffset()[r];
  }
  return a;
}

template <class TTransform>
void runStage(const Pyramid& fixed, const Pyramid& moving, std::size_t levels, TTransform* transform, MaskObject* mask,
              const RegistrationOptions& options, unsigned iterations, double learningRate, double minStep,
              ProgressScope& scope, double& metricValue) {
  using Registration = itk::ImageRegistrationMethodv4<FloatImage, FloatImage, TTransform>;
  for (std::size_t level = 0; level < levels; ++level) {
    auto metric = Metric::New();
    metric->SetNumberOfHistogramBins(options.histogramBins);
    metric->SetUseMovingImageGradientFilter(false);
    metric->SetUseFixedImageGradientFilter(false);
    if (mask) metric->SetFixedImageMask(mask);

    auto optimizer = Optimizer::New();
    optimizer->SetLearningRate(learningRate / double(level + 1));
    optimizer->SetMinimumStepLength(minStep);
    optimizer->SetRelaxationFactor(0.5);
    optimizer->SetNumberOfIterations(iterations);
    optimizer->SetReturnBestParametersAndValue(true);
    auto scales = itk::RegistrationParameterScalesFromPhysicalShift<Metric>::New();
    scales->SetMetric(metric);
    optimizer->SetScalesEstimator(scales);
    optimizer->SetDoEstimateLearningRateOnce(false);
    optimizer->SetDoEstimateLearningRateAtEachIteration(false);

    auto registration = Registration::New();
    registration->SetFixedImage(fixed[level]);
    registration->SetMovingImage(moving[level]);
    registration->SetMetric(metric);
    registration->SetOptimizer(optimizer);
    registration->SetInitialTransform(transform);
    registration->InPlaceOn();
    typename Registration::ShrinkFactorsArrayType shrink(1);
    typename Registration::SmoothingSigmasArrayType sigmas(1);
    shrink[0] = 1;
    sigmas[0] = 0.0;
    registration->SetNumberOfLevels(1);
    registration->SetShrinkFactorsPerLevel(shrink);
    registration->SetSmoothingSigmasPerLevel(sigmas);
    registration->SetMetricSamplingStrategy(Registration::MetricSamplingStrategyEnum::RANDOM);
    registration->SetMetricSamplingPercentage(options.samplingFraction);
    registration->MetricSamplingReinitializeSeed(static_cast<int>(options.seed + level));

    itkbridge::IterationObserver observer(optimizer, &scope, [&] {
      const double it = double(optimizer->GetCurrentIteration()) / std::max(1u, iterations);
      scope.update((double(level) + std::min(it, 1.0)) / double(levels));
    });
    itkbridge::runFilter(registration, &scope, "the registration to the atlas failed", ErrorKind::InvalidInput);
    metricValue = optimizer->GetValue();
    if (std::getenv("STREGA_DEBUG_REGISTRATION"))
      std::fprintf(stderr, "linear level %zu: %lu iterations, metric %.4f, %s\n", level,
                   static_cast<unsigned long>(optimizer->GetCurrentIteration()), metricValue,
                   optimizer->GetStopConditionDescription().c_str());
  }
}

} // namespace

MaskObject::Pointer makeMaskObject(const Mask& mask) {
  auto image = itkbridge::toItk(mask);
  auto object = MaskObject::New();
  object->SetImage(image);
  object->Update();
  return object;
}

Pyramid buildPyramid(FloatImage* image, const std::vector<double>& spacingsMm) {
  Pyramid out;
  for (double target : spacingsMm) {
    auto shrink = itk::BinShrinkImageFilter<FloatImage, FloatImage>::New();
    itk::BinShrinkImageFilter<FloatImage, FloatImage>::ShrinkFactorsType factors;
    bool identity = true;
    for (unsigned d = 0; d < 3; ++d) {
      factors[d] = std::max<unsigned>(1, static_cast<unsigned>(std::lround(target / image->GetSpacing()[d])));
      identity = identity && factors[d] == 1;
    }
    if (identity) {
      out.push_back(image);
      continue;
    }
    shrink->SetShrinkFactors(factors);
    shrink->SetInput(image);
    shrink->Update();
    FloatImage::Pointer level = shrink->GetOutput();
    level->DisconnectPipeline();
    out.push_back(level);
  }
  return out;
}

Affine3 registerRigid(const Pyramid& fixed, const Pyramid& moving, const RegistrationOptions& options,
                      ProgressScope& scope, double& metric) {
  auto rigid = RigidTransform::New();
  using Initializer = itk::CenteredTransformInitializer<RigidTransform, FloatImage, FloatImage>;
  auto initializer = Initializer::New();
  initializer->SetTransform(rigid);
  initializer->SetFixedImage(fixed.front());
  initializer->SetMovingImage(moving.front());
  initializer->MomentsOn();
  try {
    initializer->InitializeTransform();
  } catch (const itk::ExceptionObject& e) {
    throw Error(ErrorKind::InvalidInput, "the image cannot be aligned with the atlas (no intensity mass)",
                e.GetDescription());
  }
  runStage(fixed, moving, 1, rigid.GetPointer(), nullptr, options, options.rigidIterations, 2.0, 0.01, scope, metric);
  return toAffine3(rigid.GetPointer());
}

Affine3 registerAffine(const Pyramid& fixed, const Pyramid& moving, MaskObject* mask, const Affine3& initial,
                       const Vec3& centreMm, const RegistrationOptions& options, ProgressScope& scope, double& metric) {
  auto affine = AffineTransform::New();
  AffineTransform::InputPointType centre;
  AffineTransform::MatrixType m;
  AffineTransform::OutputVectorType offset;
  for (unsigned r = 0; r < 3; ++r) {
    centre[r] = centreMm[r];
    for (unsigned c = 0; c < 3; ++c)
      m[r][c] = initial.matrix[r * 3 + c];
    offset[r] = initial.translationMm[r];
  }
  affine->SetCenter(centre);
  affine->SetMatrix(m);
  affine->SetOffset(offset);
  runStage(fixed, moving, fixed.size(), affine.GetPointer(), mask, options, options.affineIterations, 1.0, 0.005, scope,
           metric);
  return toAffine3(affine.GetPointer());
}

} // namespace strega::preprocess::detail
