#pragma once
/// \file
/// \brief Registration of a native image to the atlas: rigid, affine, then an optional B-spline refinement.

#include "strega/core/ProgressScope.h"
#include "strega/core/Volume.h"
#include "strega/preprocess/AtlasTransform.h"
#include "strega/preprocess/StageTiming.h"

#include <cstdint>
#include <string>
#include <vector>

namespace strega::preprocess {

/// \brief Options of registerToAtlas(). Metric: Mattes mutual information (so a T2 or FLAIR image registers to the
/// T1 atlas), random sampling, regular-step gradient descent for rigid/affine and L-BFGS-B for the B-spline.
struct RegistrationOptions {
  /// Resolution pyramid (mm): both images are block-averaged to about these spacings once, and each stage runs
  /// coarse to fine on them. The rigid stage uses the first (coarsest) level only.
  std::vector<double> levelSpacingsMm{4.0, 2.0};
  double samplingFraction = 0.15; ///< fraction of the fixed (atlas) voxels sampled per iteration
  unsigned histogramBins = 32;
  unsigned rigidIterations = 150;
  unsigned affineIterations = 150;
  /// Optional deformable refinement: a cubic B-spline (Mattes MI, L-BFGS-B) over the atlas grid, driven by the
  /// brain and 6 mm around it, applied before the affine (atlas space). It is kept only when it raises the mutual
  /// information over the atlas brain (see RegistrationResult::deformationAccepted). ITK's Mattes metric costs
  /// time in proportion to the number of control points per sample: keep the spacing coarse.
  bool deformable = true;
  double controlPointSpacingMm = 50.0;
  /// The deformable metric looks at the atlas brain dilated by this margin (mm). Beyond the brain, T1 and T2
  /// disagree (CSF is dark in one, bright in the other, bone dark in both), so a small margin suits all contrasts.
  double deformableMarginMm = 2.0;
  unsigned deformableIterations = 15;
  std::vector<double> deformableLevelSpacingsMm{4.0};
  double deformableSamplingFraction = 0.08;
  /// Grid spacing (mm) of the dense displacement field the B-spline is sampled on.
  double displacementGridMm = 2.0;
  std::uint32_t seed = 20240601; ///< metric sampling seed (results are reproducible)
};

/// \brief What registerToAtlas() found. Metric values are Mattes MI as ITK reports it (negative; lower is better).
struct RegistrationResult {
  AtlasTransform transform; ///< full transform (affine + deformation when enabled)
  double rigidMetric = 0.0;
  double affineMetric = 0.0;
  double deformableMetric = 0.0;
  /// Mutual information (nats, 32 x 32 bins) between the atlas head and the image seen through the affine
  /// transform, over the atlas brain: a plausibility figure (generated heads reach 0.6 to 0.9; noise, blobs and
  /// heads with a wrong orientation stay below 0.05).
  double brainMetric = 0.0;
  /// The same with the full transform (equal to brainMetric without a deformation).
  double finalBrainMetric = 0.0;
  /// Whether the deformable refinement improved brainMetric and was kept.
  bool deformationAccepted = false;
  StageTimings timings;
  std::vector<std::string> warnings;
};

/// Register `native` (moving) to `atlasHead` (fixed). `atlasBrainMask` (same grid as atlasHead) focuses the affine
/// and deformable stages on the brain and its surroundings. The rigid stage starts from the images' centres of
/// mass (moments). Progress and cancellation through `progress`; stage times in the result.
/// Throws Error(InvalidInput) when the optimiser fails outright (e.g. the images do not overlap).
RegistrationResult registerToAtlas(const ImageF& native, const ImageF& atlasHead, const Mask& atlasBrainMask,
                                   const RegistrationOptions& options = {}, ProgressScope* progress = nullptr);

} // namespace strega::preprocess
