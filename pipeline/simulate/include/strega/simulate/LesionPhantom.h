#pragma once
/// \file
/// \brief Artificial-anomaly cases: Colin27 heads with a tumour-like lesion, on a native grid and in BraTS layout.

#include "strega/core/LabelMap.h"
#include "strega/core/ProgressScope.h"
#include "strega/core/Volume.h"
#include "strega/simulate/HeadGenerator.h"
#include "strega/simulate/LesionGenerator.h"

#include <filesystem>
#include <memory>

namespace strega::simulate {

/// The grid of the BraTS-layout output: 240 x 240 x 155 voxels of 1 mm like BraTS/SRI24, with the atlas grid's
/// direction (RAS-stored, as BraTS files are) and the Colin27 brain (`atlasBrain`, ch2bet > 0) centred on it.
/// The voxel centres coincide with atlas voxel centres, so moving atlas images onto it does not blur them.
/// Throws Error(InvalidInput) when the brain does not fit (more than 155 mm tall).
ImageGeometry bratsGrid(const Mask& atlasBrain);

/// A lesion drawn in the Colin27 brain (ch2bet) from its tissue map (see drawLesion()).
Lesion drawColin27Lesion(const LesionOptions& options, const std::filesystem::path& atlasDirectory = {});

/// \brief Parameters of makePhantomCase().
struct PhantomCaseOptions {
  /// Seed, contrast, deformation and noise of the head; atlasImage is set by makePhantomCase().
  HeadOptions head;
  /// The lesion (drawColin27Lesion()); null makes a healthy case with empty labels. Sharing one lesion
  /// between a T1 and a T2 case with the same head seed gives two contrasts of one subject.
  std::shared_ptr<const Lesion> lesion;
};

/// \brief One artificial-anomaly case in both layouts, with its ground truth (0 background, 1 core, 2 oedema).
struct PhantomCase {
  GeneratedHead head;   ///< head with skull and lesion on its native grid (see generateHead())
  LabelMap headLabels;  ///< the lesion carried to the head's grid by the head's true transform (nearest)
  ImageF bratsImage;    ///< skull-stripped on bratsGrid(): the lesioned atlas image inside ch2bet, 0 outside
  LabelMap bratsLabels; ///< the lesion on bratsGrid()
  Mask bratsBrainMask;  ///< ch2bet on bratsGrid()
};

/// Insert the lesion into the atlas-space template of the contrast (ch2, or the synthetic T2) with intensities
/// from Colin27's tissue means, deform it into a head (generateHead()) and carry the labels along; for the
/// BraTS layout move the lesioned atlas image, masked by ch2bet, onto bratsGrid() and give it the head's bias
/// field amplitude and Rician noise level (noise inside the brain only, so the background stays exactly zero
/// and the volume is detected as skull-stripped). Deterministic for a seed.
PhantomCase makePhantomCase(const PhantomCaseOptions& options, ProgressScope* progress = nullptr);

} // namespace strega::simulate
