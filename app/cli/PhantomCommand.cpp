// strega-cli phantom: the artificial-anomaly benchmark (METHOD.md §6): Colin27 heads with tumour-like lesions and
// their ground truth, as heads with skull on a native grid and as a skull-stripped BraTS-layout folder.
#include "Commands.h"
#include "TerminalProgress.h"

#include "strega/core/AtomicOutput.h"
#include "strega/core/Error.h"
#include "strega/core/Metrics.h"
#include "strega/core/Version.h"
#include "strega/io/ImageWriter.h"
#include "strega/pipeline/CaseRunner.h"
#include "strega/simulate/LesionPhantom.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <vector>

namespace strega::cli {
namespace {

namespace fs = std::filesystem;

nlohmann::json vec(const Vec3& v) { return {v[0], v[1], v[2]}; }

nlohmann::json gridJson(const ImageGeometry& g) { return nlohmann::json::parse(pipeline::geometryJson(g)); }

/// Volume (mL) and centroid (LPS mm) of labels > 0.
std::pair<double, Vec3> volumeAndCentroid(const LabelMap& labels) {
  Vec3 sum{0, 0, 0};
  std::size_t count = 0;
  const auto& s = labels.size();
  for (std::size_t k = 0; k < s[2]; ++k)
    for (std::size_t j = 0; j < s[1]; ++j)
      for (std::size_t i = 0; i < s[0]; ++i)
        if (labels.at(i, j, k)) {
          sum = add(sum, labels.geometry().indexToPhysical({double(i), double(j), double(k)}));
          ++count;
        }
  const double ml = double(count) * labels.geometry().voxelVolumeMm3() / 1000.0;
  return {ml, count ? scale(sum, 1.0 / double(count)) : Vec3{0, 0, 0}};
}

std::string caseName(const char* prefix, int index) {
  char name[64];
  std::snprintf(name, sizeof name, "%s_%03d", prefix, index);
  return name;
}

void makeFolder(const fs::path& folder) {
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) throw Error(ErrorKind::Io, "cannot create the folder " + folder.string(), ec.message());
}

} // namespace

void registerPhantom(CLI::App& app, Context& context, int& exitCode) {
  auto* cmd = app.add_subcommand(
    "phantom", "Make the artificial-anomaly benchmark: deformed Colin27 heads with tumour-like lesions (core + "
               "oedema) and ground truth, as heads/ (native grid, with skull) and brats/ (skull-stripped, "
               "240x240x155 1 mm BraTS layout), plus manifest.json");
  struct Args {
    std::string outdir, contrast = "t2", atlasDir;
    int cases = 10, healthy = 0;
    std::uint64_t seed = 1;
    double minDiameterMm = 15.0, maxDiameterMm = 45.0, massEffectMm = 3.0;
    bool massEffect = false;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("-o,--output", args->outdir, "output folder (created when missing)")->required();
  cmd->add_option("--cases", args->cases, "number of cases with a lesion (default 10)")->check(CLI::Range(0, 100000));
  cmd->add_option("--healthy", args->healthy, "number of healthy cases (no lesion, empty ground truth; default 0)")
    ->check(CLI::Range(0, 100000));
  cmd->add_option("--seed", args->seed, "seed of every random draw; the same seed gives the same files (default 1)");
  cmd->add_option("--contrast", args->contrast, "t1 (the Colin27 T1), t2 (synthetic T2, default) or both")
    ->check(CLI::IsMember({"t1", "t2", "both"}));
  cmd->add_option("--min-diameter-mm", args->minDiameterMm, "smallest whole-tumour diameter (default 15 mm)")
    ->check(CLI::PositiveNumber);
  cmd->add_option("--max-diameter-mm", args->maxDiameterMm, "largest whole-tumour diameter (default 45 mm)")
    ->check(CLI::PositiveNumber);
  cmd->add_flag("--mass-effect", args->massEffect, "push the surrounding tissue outwards (radial displacement)");
  cmd
    ->add_option("--mass-effect-mm", args->massEffectMm,
                 "displacement at the lesion's boundary with --mass-effect (default 3 mm, at most 30 % of the radius)")
    ->check(CLI::NonNegativeNumber);
  cmd->add_option("--atlas-dir", args->atlasDir,
                  "folder with ch2.nii.gz and ch2bet.nii.gz (default: $STREGA_ATLAS_DIR or mricron-data's)");
  cmd->callback([=, &context, &exitCode] {
    exitCode = runCommand([&] {
      if (args->minDiameterMm > args->maxDiameterMm)
        throw Error(ErrorKind::InvalidArgument, "--min-diameter-mm must not exceed --max-diameter-mm");
      if (args->cases + args->healthy == 0)
        throw Error(ErrorKind::InvalidArgument, "nothing to make: --cases and --healthy are both 0");
      const auto started = std::chrono::steady_clock::now();
      std::vector<simulate::ImageContrast> contrasts;
      if (args->contrast != "t2") contrasts.push_back(simulate::ImageContrast::T1);
      if (args->contrast != "t1") contrasts.push_back(simulate::ImageContrast::T2);
      const bool suffixHeads = contrasts.size() > 1;

      const fs::path out = args->outdir, headsDir = out / "heads", bratsDir = out / "brats";
      makeFolder(headsDir);
      makeFolder(bratsDir);
      TerminalProgress bar(context.quiet);
      ProgressScope progress(bar, "phantom", context.cancel);

      nlohmann::json cases = nlohmann::json::array();
      std::optional<ImageGeometry> bratsGeometry;
      const int total = args->cases + args->healthy;
      for (int index = 1; index <= total; ++index) {
        const bool healthy = index > args->cases;
        const std::string name = healthy ? caseName("healthy", index - args->cases) : caseName("phantom", index);
        // One seed per case, readable from the manifest: reruns of a single case need only it.
        const std::uint64_t caseSeed = args->seed * 1000003ull + std::uint64_t(index);
        ProgressScope caseScope(progress, name, double(index - 1) / total, double(index) / total);
        std::shared_ptr<const simulate::Lesion> lesion;
        if (!healthy) {
          simulate::LesionOptions lesionOptions;
          lesionOptions.seed = caseSeed;
          lesionOptions.minDiameterMm = args->minDiameterMm;
          lesionOptions.maxDiameterMm = args->maxDiameterMm;
          lesionOptions.massEffect = args->massEffect;
          lesionOptions.massEffectMm = args->massEffectMm;
          lesion = std::make_shared<const simulate::Lesion>(simulate::drawColin27Lesion(lesionOptions, args->atlasDir));
        }
        const fs::path caseDir = bratsDir / name;
        makeFolder(caseDir);
        nlohmann::json entry = {{"case", name}, {"healthy", healthy}, {"seed", caseSeed}};
        nlohmann::json heads = nlohmann::json::array(), bratsFiles = nlohmann::json::array();
        for (std::size_t c = 0; c < contrasts.size(); ++c) {
          ProgressScope stage(caseScope, "", double(c) / contrasts.size(), double(c + 1) / contrasts.size());
          const std::string tag = contrasts[c] == simulate::ImageContrast::T1 ? "t1" : "t2";
          simulate::PhantomCaseOptions options;
          options.head.seed = caseSeed;
          options.head.contrast = contrasts[c];
          options.head.atlasDirectory = args->atlasDir;
          options.lesion = lesion;
          const simulate::PhantomCase made = simulate::makePhantomCase(options, &stage);
          // With both contrasts each head is its own case (the run/eval layout is one image per case).
          const std::string headCase = suffixHeads ? name + "_" + tag : name;
          // int16 like scanner data and BraTS: the rounding (0.3 SD) is far below the noise (2 to 7 units).
          io::writeImage(made.head.image, headsDir / (headCase + ".nii.gz"), io::PixelType::Int16);
          io::writeMask(made.headLabels, headsDir / (headCase + "_seg.nii.gz"));
          io::writeImage(made.bratsImage, caseDir / (name + "_" + tag + ".nii.gz"), io::PixelType::Int16);
          bratsFiles.push_back("brats/" + name + "/" + name + "_" + tag + ".nii.gz");
          if (c == 0) {
            io::writeMask(made.bratsLabels, caseDir / (name + "_seg.nii.gz"));
            bratsFiles.push_back("brats/" + name + "/" + name + "_seg.nii.gz");
            bratsGeometry = made.bratsImage.geometry();
            const auto [ml, centroid] = volumeAndCentroid(made.bratsLabels);
            entry["lesion_volume_ml"] = ml;
            entry["centroid_mm_lps"] = healthy ? nlohmann::json() : vec(centroid);
          }
          const auto [headMl, headCentroid] = volumeAndCentroid(made.headLabels);
          heads.push_back({{"case", headCase},
                           {"contrast", tag},
                           {"image", "heads/" + headCase + ".nii.gz"},
                           {"seg", "heads/" + headCase + "_seg.nii.gz"},
                           {"grid", gridJson(made.head.image.geometry())},
                           {"lesion_volume_ml", headMl},
                           {"centroid_mm_lps", healthy ? nlohmann::json() : vec(headCentroid)},
                           {"rotation_deg", vec(made.head.rotationDeg)},
                           {"translation_mm", vec(made.head.translationMm)},
                           {"scale", vec(made.head.scale)},
                           {"noise_sigma", made.head.noiseSigma}});
        }
        entry["contrast"] = args->contrast;
        if (lesion) {
          entry["lesion"] = {{"diameter_mm", lesion->diameterMm},
                             {"core_diameter_mm", lesion->coreDiameterMm},
                             {"volume_ml", lesion->volumeMl},
                             {"core_volume_ml", lesion->coreVolumeMl},
                             {"oedema_volume_ml", lesion->volumeMl - lesion->coreVolumeMl},
                             {"centre_mm_lps", vec(lesion->centreMm)},
                             {"mass_effect_mm", lesion->massEffectMm},
                             {"t2_core", lesion->brightCoreT2 ? "brighter than oedema" : "darker than oedema"}};
        }
        entry["brats"] = bratsFiles;
        entry["heads"] = heads;
        cases.push_back(entry);
      }
      bar.finish();

      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      nlohmann::json manifest = {
        {"tool", "strega-cli phantom"},
        {"version", versionString()},
        {"commit", gitCommit()},
        {"seed", args->seed},
        {"contrast", args->contrast},
        {"cases", args->cases},
        {"healthy", args->healthy},
        {"min_diameter_mm", args->minDiameterMm},
        {"max_diameter_mm", args->maxDiameterMm},
        {"mass_effect", args->massEffect},
        {"labels", {{"0", "background"}, {"1", "core"}, {"2", "oedema"}}},
        {"image_type", "int16"},
        {"lesion_volume_and_centroid", "whole tumour (labels > 0) on the BraTS grid (atlas space, LPS mm)"},
        {"brats_grid", bratsGeometry ? gridJson(*bratsGeometry) : nlohmann::json()},
        {"seconds", seconds},
        {"case_list", cases}};
      writeFileAtomically(out / "manifest.json", manifest.dump(2) + "\n");
      std::cout << "wrote " << total << " cases (" << args->cases << " with a lesion, " << args->healthy << " healthy; "
                << args->contrast << ") to " << out.string() << " in " << static_cast<int>(seconds + 0.5) << " s\n";
    });
  });
}

} // namespace strega::cli
