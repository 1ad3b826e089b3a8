// Deformable refinement of the atlas registration: a cubic B-spline on the atlas grid, Mattes MI, L-BFGS-B.
#include "RegistrationInternal.h"

#include "strega/core/Error.h"
#include "strega/itkbridge/ItkParallel.h"
#include "strega/itkbridge/ItkProgress.h"

#include <itkAffineTransform.h>
#include <itkBSplineTransform.h>
#include <itkBSplineTransformInitializer.h>
#include <itkImageRegistrationMethodv4.h>
#include <itkLBFGSBOptimizerv4.h>
#include <itkMattesMutualInformationImageToImageMetricv4.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace strega::preprocess::detail {

DeformableStage registerDeformable(FloatImage* fixed, const Pyramid& fixedLevels, const Pyramid& movingLevels,
                                   MaskObject* mask, const Affine3& a, const RegistrationOptions& options,
                                   ProgressScope& scope) {
  using BSpline = itk::BSplineTransform<double, 3, 3>;
  using Metric = itk::MattesMutualInformationImageToImageMetricv4<FloatImage, FloatImage>;
  using Registration = itk::ImageRegistrationMethodv4<FloatImage, FloatImage, BSpline>;

  auto affine = itk::AffineTransform<double, 3>::New();
  {
    itk::AffineTransform<double, 3>::MatrixType m;
    itk::AffineTransform<double, 3>::OutputVectorType offset;
    for (unsigned r = 0; r < 3; ++r) {
      for (unsigned c = 0; c < 3; ++c)
        m[r][c] = a.matrix[r * 3 + c];
      offset[r] = a.translationMm[r];
    }
    affine->SetMatrix(m);
    affine->SetOffset(offset);
  }

  auto bspline = BSpline::New();
  auto initializer = itk::BSplineTransformInitializer<BSpline, FloatImage>::New();
  BSpline::MeshSizeType mesh;
  const auto region = fixed->GetLargestPossibleRegion();
  for (unsigned d = 0; d < 3; ++d) {
    const double extent = double(region.GetSize()[d] - 1) * fixed->GetSpacing()[d];
    mesh[d] = std::max<unsigned>(1, static_cast<unsigned>(std::lround(extent / options.controlPointSpacingMm)));
  }
  initializer->SetTransform(bspline);
  initializer->SetImage(fixed);
  initializer->SetTransformDomainMeshSize(mesh);
  initializer->InitializeTransform();
  bspline->SetIdentity();

  const std::size_t levels = fixedLevels.size();
  DeformableStage out;
  for (std::size_t level = 0; level < levels; ++level) {
    auto metric = Metric::New();
    metric->SetNumberOfHistogramBins(options.histogramBins);
    metric->SetUseMovingImageGradientFilter(false);
    metric->SetUseFixedImageGradientFilter(false);
    if (mask) metric->SetFixedImageMask(mask);

    // L-BFGS-B warns on every level that it ignores parameter scales (which are all 1 here anyway).
    itk::Object::GlobalWarningDisplayOff();
    auto optimizer = itk::LBFGSBOptimizerv4::New();
    const auto parameterCount = bspline->GetNumberOfParameters();
    itk::LBFGSBOptimizerv4::BoundSelectionType unbounded(parameterCount);
    itk::LBFGSBOptimizerv4::BoundValueType bound(parameterCount);
    unbounded.Fill(0);
    bound.Fill(0.0);
    optimizer->SetBoundSelection(unbounded);
    optimizer->SetLowerBound(bound);
    optimizer->SetUpperBound(bound);
    optimizer->SetGradientConvergenceTolerance(1e-6);
    optimizer->SetCostFunctionConvergenceFactor(1e7);
    optimizer->SetNumberOfIterations(options.deformableIterations);
    optimizer->SetMaximumNumberOfFunctionEvaluations(options.deformableIterations * 2);
    optimizer->SetMaximumNumberOfCorrections(7);

    auto registration = Registration::New();
    registration->SetFixedImage(fixedLevels[level]);
    registration->SetMovingImage(movingLevels[level]);
    registration->SetMetric(metric);
    registration->SetOptimizer(optimizer);
    registration->SetMovingInitialTransform(affine);
    registration->SetInitialTransform(bspline);
    registration->InPlaceOn();
    Registration::ShrinkFactorsArrayType shrink(1);
    Registration::SmoothingSigmasArrayType sigmas(1);
    shrink[0] = 1;
    sigmas[0] = 0.0;
    registration->SetNumberOfLevels(1);
    registration->SetShrinkFactorsPerLevel(shrink);
    registration->SetSmoothingSigmasPerLevel(sigmas);
    registration->SetMetricSamplingStrategy(Registration::MetricSamplingStrategyEnum::RANDOM);
    registration->SetMetricSamplingPercentage(options.deformableSamplingFraction);
    registration->MetricSamplingReinitializeSeed(static_cast<int>(options.seed + 100 + level));

    unsigned iteration = 0;
    itkbridge::IterationObserver observer(optimizer, &scope, [&] {
      ++iteration;
      const double it = std::min(1.0, double(iteration) / std::max(1u, options.deformableIterations));
      scope.update(0.95 * (double(level) + it) / double(levels));
    });
    itkbridge::runFilter(registration, &scope, "the deformable registration to the atlas failed",
                         ErrorKind::InvalidInput);
    out.metric = optimizer->GetValue();
    if (std::getenv("STREGA_DEBUG_REGISTRATION"))
      std::fprintf(stderr, "deformable level %zu: %u iterations, metric %.4f, %s\n", level, iteration, out.metric,
                   optimizer->GetStopConditionDescription().c_str());
  }

  // Sample the B-spline displacement on a grid over the atlas.
  ImageGeometry grid;
  {
    const auto spacing = fixed->GetSpacing();
    for (unsigned d = 0; d < 3; ++d) {
      const double extent = double(region.GetSize()[d] - 1) * spacing[d];
      grid.spacingMm[d] = options.displacementGridMm;
      grid.size[d] = static_cast<std::size_t>(std::ceil(extent / options.displacementGridMm)) + 1;
      grid.originMm[d] = fixed->GetOrigin()[d];
      for (unsigned c = 0; c < 3; ++c)
        grid.direction[d * 3 + c] = fixed->GetDirection()[d][c];
    }
  }
  out.field = DisplacementField(grid);
  const auto s = grid.size;
  const Mat3 m = grid.indexToPhysicalMatrix();
  itkbridge::parallelFor(
    0, s[2],
    [&](std::size_t kb, std::size_t ke) {
      for (std::size_t k = kb; k < ke; ++k)
        for (std::size_t j = 0; j < s[1]; ++j)
          for (std::size_t i = 0; i < s[0]; ++i) {
            BSpline::InputPointType p;
            for (unsigned r = 0; r < 3; ++r)
              p[r] = grid.originMm[r] + m[r * 3] * double(i) + m[r * 3 + 1] * double(j) + m[r * 3 + 2] * double(k);
            const auto q = bspline->TransformPoint(p);
            for (int r = 0; r < 3; ++r)
              out.field.component(r).at(i, j, k) = static_cast<float>(q[r] - p[r]);
          }
    },
    1);
  scope.update(1.0);
  return out;
}

} // namespace strega::preprocess::detail
