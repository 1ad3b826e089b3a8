#pragma once
/// \file
/// \brief preprocess(): the whole StRegA pre-processing of one volume (METHOD.md §1, steps 2–6).

#include "strega/core/LabelMap.h"
#include "strega/core/ProgressScope.h"
#include "strega/core/Volume.h"
#include "strega/preprocess/AtlasTransform.h"
#include "strega/preprocess/BiasCorrection.h"
#include "strega/preprocess/BrainExtraction.h"
#include "strega/preprocess/Registration.h"
#include "strega/preprocess/StageTiming.h"
#include "strega/preprocess/TissueSegmentation.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace strega::preprocess {

/// \brief Whether the input is registered to the atlas.
enum class RegistrationMode {
  Auto,     ///< register, unless the input is skull-stripped on a BraTS/SRI24 grid (240 x 240 x 155, 1 mm)
  Register, ///< always register
  Skip,     ///< never: the input grid is the working grid (needs a skull-stripped input)
};

const char* toString(RegistrationMode mode);

/// \brief Options of preprocess().
struct PreprocessOptions {
  RegistrationMode registrationMode = RegistrationMode::Auto;
  RegistrationOptions registration;
  /// A transform saved by an earlier run (readAtlasTransform): used instead of registering again. Its mutual
  /// information with the atlas is still checked.
  std::optional<AtlasTransform> precomputedTransform;
  BrainExtractionOptions brainExtraction;
  N4Options n4;
  TissueOptions tissue;
  /// Also produce the native-grid outputs (mask, corrected brain, tissue labels).
  bool nativeOutputs = true;
  std::filesystem::path atlasDirectory; ///< empty: the default atlas (see defaultAtlasDirectory())
};

/// \brief Everything preprocess() produced. "Working" grid: the atlas grid when registered, else the input grid.
struct PreprocessResult {
  ImageGeometry nativeGeometry;
  ImageGeometry workingGeometry;
  bool registered = false;
  bool skullStrippedInput = false;
  /// Working space -> native space (identity when not registered).
  AtlasTransform transform;

  Mask workingBrainMask; ///< brain mask on the working grid
  ImageF workingBrain;   ///< bias-corrected image on the working grid, 0 outside the brain
  TissueResult tissue;   ///< labels and probabilities on the working grid
  Mask nativeBrainMask;  ///< brain mask on the input grid
  ImageF nativeBrain;    ///< bias-corrected input on its own grid, 0 outside the brain
  LabelMap nativeTissue; ///< tissue labels on the input grid (nearest neighbour)

  Contrast contrast = Contrast::T1;
  double brainVolumeMl = 0.0;           ///< native brain mask volume
  double registrationBrainMetric = 0.0; ///< Mattes MI over the atlas brain (see RegistrationResult)
  RegistrationResult registration;      ///< metrics and stage timings of the registration (when registered)
  StageTimings timings;                 ///< every stage, nested names ("register/affine")
  std::vector<std::string> warnings;    ///< also sent to the progress sink
};

/// Run the pre-processing on `native` (LPS float volume as loaded): input checks, skull-stripped detection,
/// rigid + affine (+ B-spline) registration to Colin27, resampling to the atlas grid, brain mask propagation and
/// refinement, N4 inside the brain, tissue segmentation, and mapping of the results back to the input grid.
///
/// Throws Error(Unsupported) for 2D images and slices thicker than 8 mm, Error(InvalidInput) for images without
/// a plausible brain (uniform, noise, failed registration, implausible brain volume). Softer doubts (thick
/// slices, a weak registration metric, unclear tissue contrast) become warnings in the result. Cancellation
/// throws strega::Cancelled.
PreprocessResult preprocess(const ImageF& native, const PreprocessOptions& options, ProgressScope& progress);

} // namespace strega::preprocess
