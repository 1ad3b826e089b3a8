#pragma once
// Internal: the ITK halves of registerToAtlas, one translation unit each (they are the expensive ones to compile).

#include "strega/core/ProgressScope.h"
#include "strega/preprocess/AtlasTransform.h"
#include "strega/preprocess/Registration.h"

#include <itkImage.h>
#include <itkImageMaskSpatialObject.h>

#include <vector>

namespace strega::preprocess::detail {

using FloatImage = itk::Image<float, 3>;
using MaskObject = itk::ImageMaskSpatialObject<3>;

/// A spatial-object mask for a metric from a strega mask on the fixed grid.
MaskObject::Pointer makeMaskObject(const Mask& mask);

/// An image block-averaged to about each of `spacingsMm` (per-axis integer factors, at least 1).
using Pyramid = std::vector<FloatImage::Pointer>;
Pyramid buildPyramid(FloatImage* image, const std::vector<double>& spacingsMm);

/// Rigid registration initialised by the images' centres of mass (moments). Returns atlas -> native.
Affine3 registerRigid(const Pyramid& fixed, const Pyramid& moving, const RegistrationOptions& options,
                      ProgressScope& scope, double& metric);

/// Affine registration starting from `initial`, optimised about `centreMm` (atlas space), metric inside `mask`.
Affine3 registerAffine(const Pyramid& fixed, const Pyramid& moving, MaskObject* mask, const Affine3& initial,
                       const Vec3& centreMm, const RegistrationOptions& options, ProgressScope& scope, double& metric);

struct DeformableStage {
  DisplacementField field; ///< atlas-space displacement applied before the affine
  double metric = 0.0;
};

/// B-spline refinement on top of `affine` (fixed = atlas), restricted to `mask` on the fixed image.
/// `domain` is the full-resolution fixed image (the B-spline covers it); the pyramids drive the optimisation.
DeformableStage registerDeformable(FloatImage* domain, const Pyramid& fixed, const Pyramid& moving, MaskObject* mask,
                                   const Affine3& affine, const RegistrationOptions& options, ProgressScope& scope);

} // namespace strega::preprocess::detail
