// DICOM files and series through DCMTK: folder walking, header scan, series choice and volume assembly.
#include "DicomReader.h"

#include "DicomHeader.h"
#include "DicomPixels.h"
#include "DicomSeries.h"

#include "strega/core/Error.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <set>

namespace strega::io::dicom {
namespace {

namespace fs = std::filesystem;

void report(ProgressScope* progress, double fraction, std::string_view message = {}) {
  if (progress != nullptr) progress->update(fraction, message);
}

/// Regular files under `folder`, recursively, in path order. Directories are entered once by canonical path (so
/// symlink loops end) and a file reachable twice is listed once. Unreadable entries are counted in `skipped`.
std::vector<fs::path> listFiles(const fs::path& folder, std::size_t& skipped) {
  std::vector<fs::path> files;
  std::set<fs::path> visitedFolders;
  std::set<fs::path> seenFiles;
  std::vector<fs::path> pending{folder};
  while (!pending.empty()) {
    const fs::path current = pending.back();
    pending.pop_back();
    std::error_code ec;
    const fs::path canonical = fs::canonical(current, ec);
    if (ec) {
      ++skipped;
      continue;
    }
    if (!visitedFolders.insert(canonical).second) continue;
    fs::directory_iterator it(current, ec);
    if (ec) {
      ++skipped;
      continue;
    }
    for (const fs::directory_iterator end; it != end; it.increment(ec)) {
      if (ec) {
        ++skipped;
        break;
      }
      std::error_code statusError;
      const fs::file_status status = it->status(statusError); // follows symlinks
      if (statusError) {
        ++skipped; // a dangling link, or no permission to look
        continue;
      }
      if (fs::is_directory(status)) {
        pending.push_back(it->path());
      } else if (fs::is_regular_file(status)) {
        std::error_code canonicalError;
        const fs::path file = fs::canonical(it->path(), canonicalError);
        if (canonicalError) {
          ++skipped;
        } else if (seenFiles.insert(file).second) {
          files.push_back(it->path());
        }
      }
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

struct FolderScan {
  std::vector<DicomFileHeader> headers;
  std::size_t skipped = 0;     ///< unreadable entries and DICOM files that could not be parsed
  std::string firstSkipReason; ///< e.g. "IM0003: not a readable DICOM file (truncated or corrupt)"
};

// Up to this many files, read() keeps each file's parse from the header scan for decoding (parsed once); beyond it
// the memory of thousands of parsed headers outweighs a second parse of the chosen series.
constexpr std::size_t kKeepParsedUpToFiles = 2000;

FolderScan scanHeaders(const fs::path& folder, ProgressScope* progress, bool keepParsed = false) {
  FolderScan scan;
  const std::vector<fs::path> files = listFiles(folder, scan.skipped);
  scan.headers.reserve(files.size());
  for (std::size_t n = 0; n < files.size(); ++n) {
    report(progress, static_cast<double>(n) / static_cast<double>(files.size()));
    if (!looksLikeDicomFile(files[n])) continue;
    try {
      scan.headers.push_back(readDicomHeader(files[n], keepParsed && files.size() <= kKeepParsedUpToFiles));
    } catch (const Error& error) {
      if (scan.skipped++ == 0) scan.firstSkipReason = error.userMessage();
    }
  }
  report(progress, 1.0);
  return scan;
}

void noteSkipped(const FolderScan& scan, ImageInfo& info) {
  if (scan.skipped == 0) return;
  std::string warning = std::to_string(scan.skipped) + " unreadable file(s) or folder(s) skipped while scanning";
  if (!scan.firstSkipReason.empty()) warning += " (" + scan.firstSkipReason + ")";
  info.warnings.push_back(warning);
}

/// Values of `positions` (acquired slices, ascending) interpolated linearly at `target` along the normal.
std::vector<float> resampleAlongNormal(const std::vector<float>& acquired, std::size_t sliceSamples,
                                       const std::vector<double>& positions, double firstMm, double spacingMm,
                                       std::size_t count) {
  std::vector<float> out(sliceSamples * count);
  std::size_t below = 0;
  for (std::size_t k = 0; k < count; ++k) {
    const double p = k + 1 == count ? positions.back() : firstMm + spacingMm * static_cast<double>(k);
    while (below + 2 < positions.size() && positions[below + 1] <= p)
      ++below;
    const std::size_t above = std::min(below + 1, positions.size() - 1);
    const double span = positions[above] - positions[below];
    double w = span > 0 ? (p - positions[below]) / span : 0.0;
    w = std::clamp(w, 0.0, 1.0);
    const float* a = acquired.data() + below * sliceSamples;
    const float* b = acquired.data() + above * sliceSamples;
    float* o = out.data() + k * sliceSamples;
    if (w < 1e-6) {
      std::copy(a, a + sliceSamples, o);
    } else if (w > 1.0 - 1e-6) {
      std::copy(b, b + sliceSamples, o);
    } else {
      const float wf = static_cast<float>(w);
      for (std::size_t n = 0; n < sliceSamples; ++n)
        o[n] = a[n] + wf * (b[n] - a[n]);
    }
  }
  return out;
}

/// What derived objects need to point back at the slices of `plan` at `timepoint`, or nothing when the loaded k
/// slices are not the acquired ones (interpolated) or a slice has no position (see DicomSeriesReference).
std::optional<DicomSeriesReference> seriesReference(const SeriesPlan& plan, const std::vector<DicomFileHeader>& headers,
                                                    std::size_t timepoint) {
  if (plan.resample || plan.frames.empty() || plan.frames.size() != plan.info.geometry.size[2]) return std::nullopt;
  DicomSeriesReference reference;
  for (const std::vector<FrameRef>& position : plan.frames) {
    const FrameRef& ref = position.at(timepoint);
    const DicomFileHeader& header = headers[ref.file];
    const FrameGeometry& frame = header.frames[ref.frame];
    if (!frame.positionMm || !frame.orientation) return std::nullopt;
    DicomSliceSource slice;
    slice.sopClassUid = header.sopClassUid;
    slice.sopInstanceUid = header.sopInstanceUid;
    // Referenced Frame Number is only meaningful (and only allowed) for multi-frame instances.
    slice.frameNumber = header.enhanced || header.frames.size() > 1 ? static_cast<std::uint32_t>(ref.frame + 1) : 0;
    slice.positionMm = *frame.positionMm;
    reference.slices.push_back(std::move(slice));
  }
  const DicomFileHeader& first = headers[plan.frames.front().at(timepoint).file];
  const auto value = [&](const char* keyword) {
    const auto it = first.metadata.find(keyword);
    return it == first.metadata.end() ? std::string() : it->second;
  };
  reference.patientName = value("PatientName");
  reference.patientId = value("PatientID");
  reference.patientBirthDate = value("PatientBirthDate");
  reference.patientSex = value("PatientSex");
  reference.studyInstanceUid = first.studyUid;
  reference.studyDate = value("StudyDate");
  reference.studyTime = value("StudyTime");
  reference.studyId = value("StudyID");
  reference.studyDescription = value("StudyDescription");
  reference.accessionNumber = value("AccessionNumber");
  reference.referringPhysicianName = value("ReferringPhysicianName");
  reference.seriesInstanceUid = first.seriesUid;
  reference.seriesNumber = value("SeriesNumber");
  reference.modality = first.modality;
  reference.frameOfReferenceUid = value("FrameOfReferenceUID");
  reference.specificCharacterSet = value("SpecificCharacterSet");
  reference.geometry = plan.info.geometry;
  reference.sliceThicknessMm = first.frames[plan.frames.front().at(timepoint).frame].sliceThicknessMm;
  return reference;
}

LoadedImage loadPlan(const SeriesPlan& plan, std::vector<DicomFileHeader>& headers, const ReadOptions& options,
                     ProgressScope* progress) {
  if (!plan.refusal.empty()) throw Error(plan.refusalKind, plan.refusal, plan.info.path);
  LoadedImage result;
  result.info = plan.info;
  std::erase_if(result.info.warnings,
                [](const std::string& w) { return w.find("choose a frame") != std::string::npos; });
  const std::size_t timepoints = plan.info.timepoints;
  std::size_t timepoint = 0;
  if (timepoints > 1) {
    if (!options.frame) {
      throw Error(ErrorKind::Unsupported,
                  "the series has " + std::to_string(timepoints) + " images at each of its " +
                    std::to_string(plan.frames.size()) +
                    " slice positions (echoes or timepoints): choose a frame between 0 and " +
                    std::to_string(timepoints - 1),
                  plan.info.path);
    }
    timepoint = *options.frame;
    result.info.warnings.push_back("frame " + std::to_string(timepoint) + " of " + std::to_string(timepoints) +
                                   " loaded");
  }
  if (options.frame && *options.frame >= timepoints) {
    throw Error(ErrorKind::InvalidArgument,
                "frame " + std::to_string(*options.frame) + " is out of range: the series has " +
                  std::to_string(timepoints) + (timepoints == 1 ? " frame" : " frames"),
                plan.info.path);
  }

  const ImageGeometry& geometry = plan.info.geometry;
  const std::size_t sliceSamples = geometry.size[0] * geometry.size[1];
  const std::size_t acquiredSlices = plan.frames.size();
  std::vector<float> acquired(sliceSamples * acquiredSlices);

  // Frames to decode, grouped by file so that each file is loaded once (a multi-frame file holds many).
  std::map<std::size_t, std::pair<std::vector<std::size_t>, std::vector<float*>>> byFile;
  for (std::size_t s = 0; s < acquiredSlices; ++s) {
    const FrameRef& ref = plan.frames[s][timepoint];
    auto& [frames, destinations] = byFile[ref.file];
    frames.push_back(ref.frame);
    destinations.push_back(acquired.data() + s * sliceSamples);
  }
  std::size_t done = 0;
  for (const auto& [file, work] : byFile) {
    decodeFrames(headers[file], work.first, work.second);
    headers[file].parsed.reset(); // its decoded pixel data is no longer needed
    done += work.first.size();
    report(progress, 0.95 * static_cast<double>(done) / static_cast<double>(acquiredSlices));
  }

  std::vector<float> voxels;
  if (plan.resample) {
    voxels = resampleAlongNormal(acquired, sliceSamples, plan.slicePositionsMm, plan.slicePositionsMm.front(),
                                 geometry.spacingMm[2], geometry.size[2]);
  } else {
    voxels = std::move(acquired);
  }
  result.image = ImageF(geometry, std::move(voxels));
  result.dicomSeries = seriesReference(plan, headers, timepoint);
  report(progress, 1.0);
  return result;
}

/// The plan `options.seriesUid` names, or the first loadable MR series (then the first loadable one).
const SeriesPlan& choosePlan(const std::vector<SeriesPlan>& plans, const ReadOptions& options, const fs::path& input,
                             std::string& warning) {
  if (!options.seriesUid.empty()) {
    for (const SeriesPlan& plan : plans) {
      if (plan.info.seriesUid == options.seriesUid) return plan;
    }
    std::string found;
    for (const SeriesPlan& plan : plans)
      found += (found.empty() ? "" : ", ") + plan.info.seriesUid;
    throw Error(ErrorKind::InvalidArgument,
                "no DICOM series " + options.seriesUid + " in " + input.string() + " (found: " + found + ")");
  }
  if (plans.size() == 1) return plans.front();
  const SeriesPlan* chosen = nullptr;
  for (const SeriesPlan& plan : plans) {
    if (plan.refusal.empty() && plan.info.modality == "MR") {
      chosen = &plan;
      break;
    }
  }
  for (const SeriesPlan& plan : plans) {
    if (chosen == nullptr && plan.refusal.empty()) chosen = &plan;
  }
  if (chosen == nullptr) chosen = &plans.front();
  const std::string description = chosen->info.description.empty() ? "" : " \"" + chosen->info.description + "\"";
  warning = input.string() + " holds " + std::to_string(plans.size()) + " DICOM series; loaded " +
            (chosen->info.modality.empty() ? "" : chosen->info.modality + " ") + "series " + chosen->info.seriesUid +
            description + " (choose another by its series UID)";
  return *chosen;
}

/// The header of a single file, refusing files that hold no loadable image.
DicomFileHeader readImageFileHeader(const fs::path& file, bool keepParsed = false) {
  std::error_code ec;
  if (fs::is_regular_file(file, ec) && !looksLikeDicomFile(file))
    throw Error(ErrorKind::InvalidInput, file.filename().string() + " is not a DICOM file", file.string());
  DicomFileHeader header = readDicomHeader(file, keepParsed);
  if (header.directory || !header.hasPixelData)
    throw Error(ErrorKind::Unsupported, file.filename().string() + ": " + describeNonImage(header), file.string());
  if (header.truncated)
    throw Error(ErrorKind::InvalidInput, file.filename().string() + ": " + header.problem, file.string());
  if (header.rows == 0 || header.columns == 0) {
    throw Error(ErrorKind::InvalidInput, file.filename().string() + ": pixel data without Rows/Columns", file.string());
  }
  return header;
}

} // namespace

bool looksLikeDicomFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  unsigned char buffer[132] = {};
  in.read(reinterpret_cast<char*>(buffer), sizeof buffer);
  const std::streamsize got = in.gcount();
  if (got == static_cast<std::streamsize>(sizeof buffer) && buffer[128] == 'D' && buffer[129] == 'I' &&
      buffer[130] == 'C' && buffer[131] == 'M')
    return true;
  if (got < 8) return false;
  // A dataset without preamble and meta header: it starts with a group 0x0002 or 0x0008 element, little or big
  // endian, followed by an explicit VR (two upper-case letters) or an implicit VR length that fits the file.
  const unsigned littleGroup = buffer[0] | (buffer[1] << 8);
  const unsigned bigGroup = (buffer[0] << 8) | buffer[1];
  const bool groupOk = littleGroup == 0x0002 || littleGroup == 0x0008 || bigGroup == 0x0002 || bigGroup == 0x0008;
  if (!groupOk) return false;
  const bool explicitVr = buffer[4] >= 'A' && buffer[4] <= 'Z' && buffer[5] >= 'A' && buffer[5] <= 'Z';
  const unsigned long implicitLength =
    buffer[4] | (buffer[5] << 8) | (buffer[6] << 16) | (std::uint32_t(buffer[7]) << 24);
  return explicitVr || implicitLength < 1024;
}

std::vector<ImageInfo> scanFolder(const std::filesystem::path& folder, ProgressScope* progress) {
  const FolderScan scan = scanHeaders(folder, progress);
  if (progress != nullptr && scan.skipped > 0) {
    ImageInfo note;
    noteSkipped(scan, note);
    progress->warn(note.warnings.front());
  }
  std::vector<ImageInfo> infos;
  for (SeriesPlan& plan : planSeries(scan.headers))
    infos.push_back(std::move(plan.info));
  return infos;
}

ImageInfo scanFile(const std::filesystem::path& file) {
  std::vector<DicomFileHeader> headers{readImageFileHeader(file)};
  std::vector<SeriesPlan> plans = planSeries(headers);
  if (plans.empty()) throw Error(ErrorKind::Unsupported, file.filename().string() + ": no image found", file.string());
  ImageInfo info = std::move(plans.front().info);
  info.path = file.string();
  return info;
}

LoadedImage read(const std::filesystem::path& path, const ReadOptions& options, ProgressScope* progress) {
  std::error_code ec;
  const bool folder = fs::is_directory(path, ec);
  std::optional<ProgressScope> scanScope;
  if (progress != nullptr) scanScope.emplace(*progress, "scan", 0.0, folder ? 0.3 : 0.05);
  FolderScan scan;
  if (folder)
    scan = scanHeaders(path, scanScope ? &*scanScope : nullptr, /*keepParsed=*/true);
  else
    scan.headers.push_back(readImageFileHeader(path, /*keepParsed=*/true));
  scanScope.reset();

  const std::vector<SeriesPlan> plans = planSeries(scan.headers);
  if (plans.empty()) {
    std::string reason = "no DICOM images found in " + path.string();
    if (scan.skipped > 0) reason += " (" + std::to_string(scan.skipped) + " unreadable file(s) skipped)";
    throw Error(ErrorKind::InvalidInput, reason, scan.firstSkipReason);
  }
  std::string choiceWarning;
  const SeriesPlan& plan = choosePlan(plans, options, path, choiceWarning);
  std::optional<ProgressScope> loadScope;
  if (progress != nullptr) loadScope.emplace(*progress, "load", folder ? 0.3 : 0.05, 1.0);
  LoadedImage loaded = loadPlan(plan, scan.headers, options, loadScope ? &*loadScope : nullptr);
  if (!choiceWarning.empty()) loaded.info.warnings.push_back(choiceWarning);
  noteSkipped(scan, loaded.info);
  if (!folder) loaded.info.path = path.string();
  return loaded;
}

} // namespace strega::io::dicom
