#pragma once
/// \file
/// \brief Brain extraction: detecting skull-stripped inputs and refining a propagated atlas brain mask.

#include "strega/core/ProgressScope.h"
#include "strega/core/Volume.h"
#include "strega/preprocess/TissueSegmentation.h"

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace strega::preprocess {

/// \brief What detectSkullStripped() measured.
struct SkullStripCheck {
  bool skullStripped = false;
  double zeroFraction = 0.0;       ///< fraction of voxels that are exactly zero
  double borderZeroFraction = 0.0; ///< fraction of the grid's border voxels that are zero
  double foregroundVolumeMl = 0.0; ///< volume of the non-zero region (largest component, holes filled)
};

/// An input is taken as already skull-stripped (BraTS style) when at least 30 % of its voxels and 95 % of its
/// border are exactly zero and the non-zero region has a brain-like volume (500 to 2500 mL). A head with an
/// air background that happens to be zero-filled fails the volume test (a head is 3 to 6 L).
SkullStripCheck detectSkullStripped(const ImageF& image);

/// The non-zero region of a skull-stripped image: largest 6-connected component with holes filled.
Mask nonZeroMask(const ImageF& image);

/// \brief Options of refineBrainMask().
///
/// Inside a band of `bandMm` around the propagated boundary each voxel gets a tissue score t: 0 at the CSF mean
/// intensity, 1 at the grey-matter mean (whatever the contrast). Band voxels inside the mask with t below
/// `removeBelow` (CSF, air, bone in T1) or beyond the white matter (fat, bone in T2) are removed; band voxels
/// outside with t of at least `addAbove` (and not beyond the white matter) are added. The hysteresis keeps
/// voxels of intermediate intensity (partial volume) as propagated.
struct BrainExtractionOptions {
  bool refine = true;
  double bandMm = 1.0;
  double removeBelow = 0.2;
  double addAbove = 0.8;
  /// How far beyond the white-matter mean (in its standard deviations) an intensity still counts as brain.
  double whiteMatterSigmas = 3.0;
  /// Which way the intensities run (T1: CSF dark, T2: CSF bright). Auto: the smallest intensity class is CSF.
  Contrast contrast = Contrast::Auto;
  /// This image's CSF, grey and white matter intensities and the white matter's spread, when known (the full
  /// pipeline measures them in atlas regions: ventricles, cortical ribbon, deep white matter). Without them a
  /// 3-class histogram mixture inside the mask is used, whose CSF class tends to absorb partial volume.
  std::optional<std::array<double, 3>> tissueMeans;
  double whiteMatterSd = 0.0;
};

/// \brief A refined mask and what the refinement did.
struct BrainExtractionResult {
  Mask mask;
  std::size_t propagatedVoxels = 0;
  std::size_t removedVoxels = 0; ///< band voxels dropped (non-brain intensities, islands)
  std::size_t addedVoxels = 0;   ///< band voxels added (brain intensities), holes filled
  std::vector<std::string> warnings;
};

/// Refine a brain mask propagated from the atlas (same grid as `image`, usually the atlas grid; `image` bias
/// corrected) on the image itself: move the boundary within the band to this brain's CSF/grey-matter transition,
/// keep the largest component, fill holes.
BrainExtractionResult refineBrainMask(const ImageF& image, const Mask& propagated,
                                      const BrainExtractionOptions& options = {}, ProgressScope* progress = nullptr);

} // namespace strega::preprocess
