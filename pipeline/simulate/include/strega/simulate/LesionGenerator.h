#pragma once
/// \file
/// \brief Tumour-like artificial lesions (core + oedema) for the paper's artificial-anomaly benchmark.

#include "strega/core/LabelMap.h"
#include "strega/core/Volume.h"
#include "strega/simulate/HeadGenerator.h"

#include <array>
#include <cstdint>

namespace strega::simulate {

/// Labels of a lesion's ground truth. The whole tumour is every label > 0 (METHOD.md §6).
enum LesionLabel : std::uint8_t { LesionBackground = 0, LesionCore = 1, LesionOedema = 2 };

/// \brief Parameters of drawLesion(). Random draws are uniform and reproducible from `seed`.
struct LesionOptions {
  std::uint64_t seed = 1;
  double minDiameterMm = 15.0; ///< nominal diameter of the whole tumour (core + oedema), before perturbation
  double maxDiameterMm = 45.0;
  double minCoreFraction = 0.35; ///< core diameter as a fraction of the whole tumour's
  double maxCoreFraction = 0.65;
  /// Relative amplitude of the smooth radial perturbation: the local radius stays within [1 - a, 1 + a] times
  /// the nominal one, so the shape is irregular but never fragmented.
  double irregularity = 0.3;
  double marginMm = 3.0; ///< smallest distance between the lesion and the brain mask's boundary
  /// Probability of centring the lesion in white matter (else grey matter); tumours mostly grow in white matter.
  double whiteMatterProbability = 0.75;
  bool massEffect = false;
  /// Outward displacement of the tissue at the lesion's boundary when massEffect is on, capped at 30 % of the
  /// nominal radius; it decays as (R / d)^2 with the distance d from the centre and vanishes beyond 4 R.
  double massEffectMm = 3.0;
};

/// \brief One drawn lesion on a grid (usually the Colin27 atlas grid; LPS, mm).
///
/// `labels` covers the whole grid; the partial-volume fractions and the texture cover only `box`, a sub-grid
/// holding the lesion (index offset `boxOffset` into the full grid), to keep a lesion small in memory.
struct Lesion {
  LabelMap labels;       ///< 0 background, 1 core, 2 oedema (LesionLabel)
  ImageGeometry box;     ///< sub-grid around the lesion (same spacing and direction as `labels`)
  Size3 boxOffset{};     ///< index of box voxel (0,0,0) in the full grid
  ImageF wholeFraction;  ///< on `box`: 0..1 share of each voxel inside the whole tumour (partial volume)
  ImageF coreFraction;   ///< on `box`: 0..1 share inside the core (never above wholeFraction)
  ImageF texture;        ///< on `box`: smooth relative intensity variation of the lesion (about +-8 %)
  Vec3 centreMm{};       ///< nominal centre, LPS mm
  double diameterMm = 0; ///< nominal whole-tumour diameter
  double coreDiameterMm = 0;
  double massEffectMm = 0;   ///< displacement at the boundary; 0 without mass effect
  bool brightCoreT2 = false; ///< T2: a cystic/necrotic core brighter than the oedema, else a darker solid core
  double volumeMl = 0;       ///< whole tumour (labels > 0)
  double coreVolumeMl = 0;
  Vec3 centroidMm{}; ///< centroid of labels > 0, LPS mm
};

/// Draw a lesion inside `brain` on the grid of `tissue` (labels 1 CSF, 2 GM, 3 WM): its centre is a white- or
/// grey-matter voxel far enough from the brain boundary that the whole perturbed shape plus `marginMm` lies
/// inside. Deterministic for a seed. Throws Error(InvalidArgument) for bad options or when no position fits
/// (a lesion too large for the brain).
Lesion drawLesion(const LabelMap& tissue, const Mask& brain, const LesionOptions& options);

/// \brief Intensities of a lesion's compartments, in the image's units.
struct LesionIntensity {
  double core = 0.0;
  double oedema = 0.0;
};

/// Lesion intensities from the image's CSF / GM / WM means: in T1 the oedema is hypo-intense (between CSF and
/// GM, closer to GM) and the core darker still; in T2 the oedema is hyper-intense (halfway between GM and CSF)
/// and the core is brighter (near CSF, cystic) or darker (between WM and GM, solid) as `brightCoreT2` says.
LesionIntensity lesionIntensity(ImageContrast contrast, const std::array<double, 3>& tissueMeans, bool brightCoreT2);

/// The point whose tissue the mass effect moves to `pointMm` (LPS mm): radially closer to the lesion centre.
/// The identity without mass effect.
Vec3 massEffectSourceMm(const Lesion& lesion, const Vec3& pointMm);

/// `image` (on the lesion's full grid) with the lesion in it: inside `brain` the mass effect first pushes the
/// tissue outwards (linear interpolation), then each voxel is blended with the lesion by its partial-volume
/// fractions: v (1 - w) + (w - c) oedema (1 + t) + c core (1 + t). Throws Error(InvalidArgument) on a grid
/// mismatch.
ImageF insertLesion(const ImageF& image, const Mask& brain, const Lesion& lesion, const LesionIntensity& intensity);

} // namespace strega::simulate
