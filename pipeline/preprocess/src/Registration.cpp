#include "strega/preprocess/Registration.h"

#include "MaskOps.h"
#include "RegistrationInternal.h"
#include "Similarity.h"
#include "TimedStage.h"
#include "strega/core/Error.h"
#include "strega/itkbridge/ItkConversion.h"

namespace strega::preprocess {
namespace {
Vec3 maskCentroid(const Mask& mask) {
  Vec3 sum{0, 0, 0};
  double n = 0;
  const auto& s = mask.size();
  for (std::size_t k = 0; k < s[2]; ++k)
    for (std::size_t j = 0; j < s[1]; ++j)
      for (std::size_t i = 0; i < s[0]; ++i)
        if (mask.at(i, j, k)) {
          sum = add(sum, Vec3{double(i), double(j), double(k)});
          n += 1;
        }
  if (n == 0) return mask.geometry().indexToPhysical({0, 0, 0});
  return mask.geometry().indexToPhysical(scale(sum, 1.0 / n));
}
} // namespace

RegistrationResult registerToAtlas(const ImageF& native, const ImageF& atlasHead, const Mask& atlasBrainMask,
                                   const RegistrationOptions& options, ProgressScope* progress) {
  if (atlasBrainMask.size() != atlasHead.size())
    throw Error(ErrorKind::InvalidArgument, "the atlas brain mask does not match the atlas grid");
  if (options.levelSpacingsMm.empty() || (options.deformable && options.deformableLevelSpacingsMm.empty()))
    throw Error(ErrorKind::InvalidArgument, "the registration needs at least one resolution level");
  RegistrationResult result;
  auto fixed = itkbridge::toItk(atlasHead);
  auto moving = itkbridge::toItk(native);
  detail::Pyramid fixedLevels, movingLevels, fixedDeformable, movingDeformable;
  {
    detail::TimedStage stage(progress, "pyramid", 0.0, 0.02, &result.timings);
    fixedLevels = detail::buildPyramid(fixed, options.levelSpacingsMm);
    movingLevels = detail::buildPyramid(moving, options.levelSpacingsMm);
    const auto& deformableLevels = options.deformableLevelSpacingsMm;
    if (options.deformable) {
      fixedDeformable =
        deformableLevels == options.levelSpacingsMm ? fixedLevels : detail::buildPyramid(fixed, deformableLevels);
      movingDeformable =
        deformableLevels == options.levelSpacingsMm ? movingLevels : detail::buildPyramid(moving, deformableLevels);
    }
  }
  // The affine stage looks at the brain and 10 mm around it; the deformable one at the brain and 6 mm around it.
  const auto affineMask = detail::makeMaskObject(detail::dilateBox(atlasBrainMask, 10.0));
  const double linearEnd = options.deformable ? 0.55 : 0.95;
  {
    detail::TimedStage stage(progress, "rigid", 0.02, 0.2, &result.timings);
    result.transform.affine =
      detail::registerRigid(fixedLevels, movingLevels, options, stage.scope(), result.rigidMetric);
  }
  {
    detail::TimedStage stage(progress, "affine", 0.2, linearEnd, &result.timings);
    result.transform.affine =
      detail::registerAffine(fixedLevels, movingLevels, affineMask, result.transform.affine,
                             maskCentroid(atlasBrainMask), options, stage.scope(), result.affineMetric);
  }
  const Affine3 affine = result.transform.affine;
  {
    detail::TimedStage check(progress, "check", linearEnd, linearEnd + 0.05, &result.timings);
    result.brainMetric = detail::brainMutualInformation(atlasHead, atlasBrainMask, native, result.transform);
    result.finalBrainMetric = result.brainMetric;
  }
  if (options.deformable) {
    detail::TimedStage stage(progress, "deformable", linearEnd + 0.05, 1.0, &result.timings);
    const auto region = detail::makeMaskObject(detail::dilateBox(atlasBrainMask, options.deformableMarginMm));
    auto deformable =
      detail::registerDeformable(fixed, fixedDeformable, movingDeformable, region, affine, options, stage.scope());
    result.deformableMetric = deformable.metric;
    AtlasTransform full{affine, std::move(deformable.field)};
    const double mi = detail::brainMutualInformation(atlasHead, atlasBrainMask, native, full);
    // Keep the deformation only where it improves the match over the brain.
    if (mi > result.brainMetric + 0.002) {
      result.transform = std::move(full);
      result.finalBrainMetric = mi;
      result.deformationAccepted = true;
    }
  }
  return result;
}

} // namespace strega::preprocess
