// strega-cli preprocess: the StRegA pre-processing of one volume, written to a folder.
#include "Commands.h"
#include "TerminalProgress.h"

#include "strega/core/AtomicOutput.h"
#include "strega/core/Error.h"
#include "strega/core/Version.h"
#include "strega/io/ImageReader.h"
#include "strega/io/ImageWriter.h"
#include "strega/pipeline/CaseRunner.h"
#include "strega/preprocess/Atlas.h"
#include "strega/preprocess/Preprocess.h"
#include "strega/preprocess/TransformIO.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <iostream>

namespace strega::cli {
namespace {

namespace fs = std::filesystem;

nlohmann::json geometryJson(const ImageGeometry& g) { return nlohmann::json::parse(pipeline::geometryJson(g)); }

} // namespace

void registerPreprocess(CLI::App& app, Context& context, int& exitCode) {
  auto* cmd = app.add_subcommand(
    "preprocess", "Register to the Colin27 atlas, extract the brain, correct the bias (N4) and segment CSF/GM/WM; "
                  "writes masks, images, tissue maps, transforms and preprocess.json to OUTDIR");
  struct Args {
    std::string input, outdir, contrast = "auto", atlasDir, series, transform, warp;
    bool skipRegistration = false, forceRegistration = false, noDeformable = false, noN4 = false, noRefine = false,
         noNative = false;
    double beta = -1.0;
    unsigned n4Shrink = 0;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("INPUT", args->input, "image file (NIfTI, NRRD, MetaImage, DICOM) or DICOM folder")->required();
  cmd->add_option("-o,--output", args->outdir, "output folder (created when missing)")->required();
  cmd->add_option("--series", args->series, "SeriesInstanceUID to use when a DICOM folder holds several");
  auto* skip = cmd->add_flag("--skip-registration", args->skipRegistration,
                             "the input is already skull-stripped and registered (e.g. BraTS, SRI24 1 mm): work on "
                             "its own grid");
  cmd
    ->add_flag("--register", args->forceRegistration,
               "always register, even a skull-stripped 240x240x155 input (by default such an input is taken as "
               "BraTS and not registered)")
    ->excludes(skip);
  cmd->add_option("--transform", args->transform,
                  "reuse a saved atlas_to_input_affine.tfm instead of registering (with --warp for its deformation)");
  cmd->add_option("--warp", args->warp, "the atlas_to_input_warp.nii.gz saved with --transform's affine");
  cmd->add_option("--contrast", args->contrast,
                  "tissue intensity order: auto (default), t1 (CSF<GM<WM), t2 (reversed)");
  cmd->add_flag("--no-deformable", args->noDeformable, "affine registration only (no B-spline refinement)");
  cmd->add_flag("--no-n4", args->noN4, "no bias-field correction");
  cmd->add_flag("--no-refine", args->noRefine, "use the propagated atlas brain mask without refining it on the image");
  cmd->add_flag("--no-native", args->noNative, "atlas-space outputs only (skip mapping back to the input grid)");
  cmd->add_option("--mrf-beta", args->beta, "MRF strength of the tissue segmentation (default 0.3)");
  cmd->add_option("--n4-shrink", args->n4Shrink, "N4 shrink factor (default 6)");
  cmd->add_option("--atlas-dir", args->atlasDir,
                  "folder with ch2.nii.gz and ch2bet.nii.gz (default: $STREGA_ATLAS_DIR or mricron-data's)");
  cmd->callback([=, &context, &exitCode] {
    exitCode = runCommand([&] {
      const auto started = std::chrono::steady_clock::now();
      TerminalProgress bar(context.quiet);
      ProgressScope progress(bar, "", context.cancel);

      preprocess::PreprocessOptions options;
      options.registrationMode = args->skipRegistration    ? preprocess::RegistrationMode::Skip
                                 : args->forceRegistration ? preprocess::RegistrationMode::Register
                                                           : preprocess::RegistrationMode::Auto;
      options.tissue.contrast = preprocess::parseContrast(args->contrast);
      options.registration.deformable = !args->noDeformable;
      options.n4.enabled = !args->noN4;
      options.brainExtraction.refine = !args->noRefine;
      options.nativeOutputs = !args->noNative;
      if (args->beta >= 0.0) options.tissue.mrfBeta = args->beta;
      if (args->n4Shrink > 0) options.n4.shrinkFactor = args->n4Shrink;
      options.atlasDirectory = args->atlasDir;
      if (!args->transform.empty())
        options.precomputedTransform = preprocess::readAtlasTransform(args->transform, args->warp);

      io::ReadOptions readOptions;
      readOptions.seriesUid = args->series;
      io::LoadedImage loaded = [&] {
        ProgressScope read(progress, "read", 0.0, 0.05);
        return io::readImage(args->input, readOptions, &read);
      }();
      preprocess::PreprocessResult result = [&] {
        ProgressScope stage(progress, "preprocess", 0.05, 0.85);
        return preprocess::preprocess(loaded.image, options, stage);
      }();

      const fs::path out = args->outdir;
      std::error_code ec;
      fs::create_directories(out, ec);
      if (ec) throw Error(ErrorKind::Io, "cannot create the output folder " + out.string(), ec.message());
      nlohmann::json files = nlohmann::json::object();
      {
        ProgressScope write(progress, "write", 0.85, 1.0);
        auto mask = [&](const Mask& m, const std::string& name) {
          io::writeMask(m, out / name);
          files[name] = "mask";
        };
        auto image = [&](const ImageF& im, const std::string& name, const std::string& kind) {
          io::writeImage(im, out / name);
          files[name] = kind;
        };
        const std::string working = result.registered ? "atlas" : "input";
        mask(result.workingBrainMask, "atlas_brain_mask.nii.gz");
        image(result.workingBrain, "atlas_brain.nii.gz", "bias-corrected brain, " + working + " grid");
        write.update(0.2);
        mask(result.tissue.labels, "tissue.nii.gz");
        files["tissue.nii.gz"] = "labels 0 background, 1 CSF, 2 GM, 3 WM; " + working + " grid";
        const char* names[3] = {"prob_csf.nii.gz", "prob_gm.nii.gz", "prob_wm.nii.gz"};
        for (int c = 0; c < 3; ++c)
          image(result.tissue.probabilities[c], names[c], "probability, " + working + " grid");
        write.update(0.6);
        if (options.nativeOutputs) {
          mask(result.nativeBrainMask, "brain_mask.nii.gz");
          image(result.nativeBrain, "brain.nii.gz", "bias-corrected brain, input grid");
          mask(result.nativeTissue, "tissue_native.nii.gz");
          files["tissue_native.nii.gz"] = "labels 0-3, input grid (nearest neighbour)";
        }
        write.update(0.9);
        preprocess::writeAtlasTransform(result.transform, out / "atlas_to_input_affine.tfm",
                                        out / "atlas_to_input_warp.nii.gz");
        files["atlas_to_input_affine.tfm"] = "ITK AffineTransform: atlas point -> input point";
        if (result.transform.deformation)
          files["atlas_to_input_warp.nii.gz"] = "ITK displacement field (atlas space), applied before the affine";
      }
      bar.finish();

      nlohmann::json timings = nlohmann::json::array();
      for (const auto& t : result.timings)
        timings.push_back({{"stage", t.stage}, {"seconds", t.seconds}});
      const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      nlohmann::json report = {
        {"tool", "strega-cli preprocess"},
        {"version", versionString()},
        {"commit", gitCommit()},
        {"itk", "5.2"},
        {"input",
         {{"path", args->input}, {"format", loaded.info.format}, {"geometry", geometryJson(result.nativeGeometry)}}},
        {"atlas", preprocess::defaultAtlasDirectory().string()},
        {"registered", result.registered},
        {"registration_mode", preprocess::toString(options.registrationMode)},
        {"skull_stripped_input", result.skullStrippedInput},
        {"working_grid", geometryJson(result.workingGeometry)},
        {"contrast", preprocess::toString(result.contrast)},
        {"brain_volume_ml", result.brainVolumeMl},
        {"registration",
         {{"rigid_metric", result.registration.rigidMetric},
          {"affine_metric", result.registration.affineMetric},
          {"brain_mutual_information", result.registration.brainMetric},
          {"final_brain_mutual_information", result.registration.finalBrainMetric},
          {"deformation_kept", result.registration.deformationAccepted},
          {"affine_volume_ratio", result.transform.affine.determinant()}}},
        {"tissue",
         {{"mean_intensity",
           {{"csf", result.tissue.meanIntensity[0]},
            {"gm", result.tissue.meanIntensity[1]},
            {"wm", result.tissue.meanIntensity[2]}}},
          {"volume_fraction",
           {{"csf", result.tissue.volumeFraction[0]},
            {"gm", result.tissue.volumeFraction[1]},
            {"wm", result.tissue.volumeFraction[2]}}},
          {"mrf_beta", options.tissue.mrfBeta},
          {"partial_volume", options.tissue.partialVolume}}},
        {"stage_timings", timings},
        {"total_seconds", total},
        {"warnings", result.warnings},
        {"files", files}};
      for (const auto& w : loaded.info.warnings)
        report["warnings"].push_back("input: " + w);
      writeFileAtomically(out / "preprocess.json", report.dump(2) + "\n");
      std::cout << "preprocessed " << args->input << " -> " << out.string() << " ("
                << preprocess::toString(result.contrast) << ", brain " << static_cast<long>(result.brainVolumeMl + 0.5)
                << " mL, " << (result.registered ? "registered" : "not registered") << ", "
                << static_cast<int>(total + 0.5) << " s)\n";
    });
  });
}

} // namespace strega::cli
