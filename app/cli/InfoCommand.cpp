#include "Commands.h"
#include "TerminalProgress.h"

#include "strega/io/ImageReader.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace strega::cli {
namespace {

nlohmann::json toJson(const io::ImageInfo& info) {
  const auto& g = info.geometry;
  nlohmann::json direction = nlohmann::json::array();
  for (int r = 0; r < 3; ++r)
    direction.push_back({g.direction[r * 3], g.direction[r * 3 + 1], g.direction[r * 3 + 2]});
  return {{"path", info.path},
          {"format", info.format},
          {"size", {g.size[0], g.size[1], g.size[2]}},
          {"spacing", {g.spacingMm[0], g.spacingMm[1], g.spacingMm[2]}},
          {"origin", {g.originMm[0], g.originMm[1], g.originMm[2]}},
          {"direction", direction},
          {"orientation", g.orientationCode()},
          {"pixel_type", io::toString(info.storedPixelType)},
          {"timepoints", info.timepoints},
          {"components", info.components},
          {"modality", info.modality},
          {"description", info.description},
          {"series_uid", info.seriesUid},
          {"file_count", info.fileCount},
          {"metadata", info.metadata},
          {"warnings", info.warnings}};
}

void printText(const io::ImageInfo& info) {
  const auto& g = info.geometry;
  std::printf("%s\n", info.path.c_str());
  std::printf("  format       %s%s%s\n", info.format.c_str(), info.modality.empty() ? "" : ", modality ",
              info.modality.c_str());
  if (!info.description.empty()) std::printf("  description  %s\n", info.description.c_str());
  if (!info.seriesUid.empty()) std::printf("  series       %s (%zu files)\n", info.seriesUid.c_str(), info.fileCount);
  std::printf("  size         %zu x %zu x %zu%s\n", g.size[0], g.size[1], g.size[2],
              info.timepoints > 1 ? (" x " + std::to_string(info.timepoints) + " timepoints").c_str() : "");
  std::printf("  spacing      %.4g x %.4g x %.4g mm\n", g.spacingMm[0], g.spacingMm[1], g.spacingMm[2]);
  std::printf("  origin       (%.3f, %.3f, %.3f) mm LPS\n", g.originMm[0], g.originMm[1], g.originMm[2]);
  std::printf("  orientation  %s  direction [%.4f %.4f %.4f; %.4f %.4f %.4f; %.4f %.4f %.4f]\n",
              g.orientationCode().c_str(), g.direction[0], g.direction[1], g.direction[2], g.direction[3],
              g.direction[4], g.direction[5], g.direction[6], g.direction[7], g.direction[8]);
  std::printf("  pixel type   %s\n", io::toString(info.storedPixelType));
  for (const char* key : {"PatientName", "PatientID", "StudyDate", "StudyDescription"}) {
    auto it = info.metadata.find(key);
    if (it != info.metadata.end() && !it->second.empty()) std::printf("  %-12s %s\n", key, it->second.c_str());
  }
  for (const auto& w : info.warnings)
    std::printf("  warning      %s\n", w.c_str());
}

} // namespace

void registerInfo(CLI::App& app, Context& context, int& exitCode) {
  auto* cmd = app.add_subcommand("info", "List the volumes and DICOM series in a file or folder, with geometry "
                                         "(LPS, mm) and metadata");
  auto path = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  cmd->add_option("PATH", *path, "image file (NIfTI, NRRD, MetaImage, DICOM) or folder")->required();
  cmd->add_flag("--json", *json, "print a JSON array, one object per volume/series");
  cmd->callback([=, &context, &exitCode] {
    exitCode = runCommand([&] {
      TerminalProgress bar(context.quiet || *json);
      ProgressScope progress(bar, "scan", context.cancel);
      const auto infos = io::scan(*path, &progress);
      bar.finish();
      if (*json) {
        nlohmann::json array = nlohmann::json::array();
        for (const auto& info : infos)
          array.push_back(toJson(info));
        std::cout << array.dump(2) << "\n";
      } else {
        for (const auto& info : infos)
          printText(info);
      }
    });
  });
}

} // namespace strega::cli
