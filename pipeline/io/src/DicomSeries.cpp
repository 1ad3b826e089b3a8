// Assembling DICOM headers into volumes: grouping, splitting, sorting along the normal, slice grid (DicomSeries.h).
#include "DicomSeries.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

namespace strega::io::dicom {
namespace {

// Frames closer than this along the normal share a slice position (echoes, timepoints).
constexpr double kSamePositionMm = 0.01;
// Orientation cosines and pixel spacings that differ by less than this belong to the same stack.
constexpr double kOrientationTolerance = 1e-4;
constexpr double kSpacingRelativeTolerance = 1e-4;
// Spacing that varies by at most this fraction (or kSpacingAbsoluteToleranceMm) is regular.
constexpr double kSpacingRelativeVariation = 0.01;
constexpr double kSpacingAbsoluteToleranceMm = 1e-3;

/// "2.0", "2.5", "1.25": millimetres with at least one and at most three decimals.
std::string mm(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.3f", value);
  std::string s = buffer;
  while (s.size() > 1 && s.back() == '0' && s[s.size() - 2] != '.')
    s.pop_back();
  return s;
}

PixelType storedType(const DicomFileHeader& h) {
  const bool isSigned = h.pixelRepresentation == 1;
  switch (h.bitsAllocated) {
  case 8: return isSigned ? PixelType::Int8 : PixelType::UInt8;
  case 16: return isSigned ? PixelType::Int16 : PixelType::UInt16;
  case 32: return isSigned ? PixelType::Int32 : PixelType::UInt32;
  default: return PixelType::Unknown;
  }
}

struct Entry {
  FrameRef ref;
  const DicomFileHeader* header = nullptr;
  const FrameGeometry* geometry = nullptr;
  double distanceMm = 0.0; // projection of the position on the slice normal
};

/// The type that holds the loaded values exactly: the stored type when no frame is rescaled, else the smallest
/// integer type that holds every rescaled stored value (integer slope and intercept), else float32.
PixelType outputType(const std::vector<Entry>& entries) {
  const PixelType first = storedType(*entries.front().header);
  bool identity = true;
  bool integral = true;
  bool sameStored = true;
  double lowest = 0.0;
  double highest = 0.0;
  for (std::size_t n = 0; n < entries.size(); ++n) {
    const DicomFileHeader& h = *entries[n].header;
    const FrameGeometry& g = *entries[n].geometry;
    sameStored = sameStored && storedType(h) == first;
    identity = identity && g.rescaleSlope == 1.0 && g.rescaleIntercept == 0.0;
    integral =
      integral && g.rescaleSlope == std::round(g.rescaleSlope) && g.rescaleIntercept == std::round(g.rescaleIntercept);
    const unsigned bits = std::clamp(h.bitsStored, 1u, 32u);
    const double storedMin = h.pixelRepresentation == 1 ? -std::ldexp(1.0, static_cast<int>(bits) - 1) : 0.0;
    const double storedMax = h.pixelRepresentation == 1 ? std::ldexp(1.0, static_cast<int>(bits) - 1) - 1.0
                                                        : std::ldexp(1.0, static_cast<int>(bits)) - 1.0;
    const double a = storedMin * g.rescaleSlope + g.rescaleIntercept;
    const double b = storedMax * g.rescaleSlope + g.rescaleIntercept;
    lowest = n == 0 ? std::min(a, b) : std::min({lowest, a, b});
    highest = n == 0 ? std::max(a, b) : std::max({highest, a, b});
  }
  if (identity && sameStored) return first;
  if (!integral) return PixelType::Float32;
  if (lowest >= 0.0) {
    if (highest <= 255.0) return PixelType::UInt8;
    if (highest <= 65535.0) return PixelType::UInt16;
    if (highest <= 4294967295.0) return PixelType::UInt32;
    return PixelType::Float32;
  }
  if (lowest >= -128.0 && highest <= 127.0) return PixelType::Int8;
  if (lowest >= -32768.0 && highest <= 32767.0) return PixelType::Int16;
  if (lowest >= -2147483648.0 && highest <= 2147483647.0) return PixelType::Int32;
  return PixelType::Float32;
}

bool hasGeometry(const Entry& e) { return e.geometry->positionMm && e.geometry->orientation; }

bool sameStack(const Entry& a, const Entry& b) {
  if (a.header->rows != b.header->rows || a.header->columns != b.header->columns) return false;
  if (hasGeometry(a) != hasGeometry(b)) return false;
  const auto& oa = a.geometry->orientation;
  const auto& ob = b.geometry->orientation;
  if (oa.has_value() != ob.has_value()) return false;
  if (oa) {
    for (int n = 0; n < 6; ++n) {
      if (std::abs((*oa)[n] - (*ob)[n]) > kOrientationTolerance) return false;
    }
  }
  const auto& sa = a.geometry->pixelSpacingMm;
  const auto& sb = b.geometry->pixelSpacingMm;
  if (sa.has_value() != sb.has_value()) return false;
  if (sa) {
    for (int n = 0; n < 2; ++n) {
      if (std::abs((*sa)[n] - (*sb)[n]) > kSpacingRelativeTolerance * std::max(std::abs((*sa)[n]), 1.0)) return false;
    }
  }
  return true;
}

std::string metadataOr(const DicomFileHeader& h, const char* key, std::string fallback = {}) {
  const auto it = h.metadata.find(key);
  return it == h.metadata.end() ? fallback : it->second;
}

std::filesystem::path commonFolder(const std::vector<const DicomFileHeader*>& headers) {
  std::filesystem::path common = headers.front()->path.parent_path();
  for (const DicomFileHeader* h : headers) {
    const std::filesystem::path folder = h->path.parent_path();
    while (!common.empty()) {
      const auto mismatch = std::mismatch(common.begin(), common.end(), folder.begin(), folder.end());
      if (mismatch.first == common.end()) break;
      common = common.parent_path();
    }
  }
  return common;
}

void addWarning(ImageInfo& info, const std::string& warning) {
  if (!warning.empty() && std::find(info.warnings.begin(), info.warnings.end(), warning) == info.warnings.end())
    info.warnings.push_back(warning);
}

/// Builds the plan for one stack (frames of one series with one orientation, size and spacing).
SeriesPlan planStack(std::vector<Entry> entries) {
  SeriesPlan plan;
  const bool geometryKnown = std::all_of(entries.begin(), entries.end(), hasGeometry);

  Vec3 row{1, 0, 0};
  Vec3 col{0, 1, 0};
  Vec3 normal{0, 0, 1};
  if (geometryKnown) {
    const auto& o = *entries.front().geometry->orientation;
    const Vec3 rowRaw{o[0], o[1], o[2]};
    const Vec3 colRaw{o[3], o[4], o[5]};
    if (norm(rowRaw) < 1e-6 || norm(colRaw) < 1e-6 ||
        std::abs(dot(rowRaw, colRaw)) > 1e-3 * norm(rowRaw) * norm(colRaw)) {
      plan.refusal = "ImageOrientationPatient is not a pair of perpendicular unit vectors";
    } else {
      row = normalized(rowRaw);
      col = normalized(colRaw);
      normal = normalized(cross(row, col));
    }
    for (Entry& e : entries)
      e.distanceMm = dot(*e.geometry->positionMm, normal);
  }
  // Along the normal; frames at one position (echoes, timepoints) in acquisition order, then path and frame order.
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& a, const Entry& b) { return a.distanceMm < b.distanceMm; });
  const auto acquisitionOrder = [](const Entry& a, const Entry& b) {
    if (a.geometry->orderKey != b.geometry->orderKey) return a.geometry->orderKey < b.geometry->orderKey;
    if (a.ref.file != b.ref.file) return a.ref.file < b.ref.file;
    return a.ref.frame < b.ref.frame;
  };
  for (std::size_t begin = 0; begin < entries.size();) {
    std::size_t end = begin + 1;
    while (end < entries.size() && entries[end].distanceMm - entries[end - 1].distanceMm <= kSamePositionMm)
      ++end;
    std::sort(entries.begin() + static_cast<std::ptrdiff_t>(begin), entries.begin() + static_cast<std::ptrdiff_t>(end),
              acquisitionOrder);
    begin = end;
  }

  const Entry& first = entries.front();
  const DicomFileHeader& h0 = *first.header;
  const FrameGeometry& g0 = *first.geometry;
  ImageInfo& info = plan.info;

  std::set<std::size_t> files;
  std::vector<const DicomFileHeader*> fileHeaders;
  for (const Entry& e : entries) {
    if (files.insert(e.ref.file).second) fileHeaders.push_back(e.header);
  }
  plan.files.assign(files.begin(), files.end());
  plan.seriesInstanceUid = h0.seriesUid;
  info.path = (fileHeaders.size() == 1 ? fileHeaders.front()->path : commonFolder(fileHeaders)).string();
  info.format = std::any_of(fileHeaders.begin(), fileHeaders.end(), [](auto* h) { return h->enhanced; })
                  ? "DICOM (enhanced multi-frame)"
                  : "DICOM";
  info.storedPixelType = outputType(entries);
  info.components = h0.samplesPerPixel;
  info.modality = h0.modality;
  info.description = metadataOr(h0, "SeriesDescription");
  // A file without SeriesInstanceUID is a series of its own, named by its path so that it can still be chosen.
  info.seriesUid = h0.seriesUid.empty() ? h0.path.string() : h0.seriesUid;
  info.fileCount = files.size();
  info.metadata = h0.metadata;
  if (const auto it = info.metadata.find("SliceThickness"); it == info.metadata.end() && g0.sliceThicknessMm > 0)
    info.metadata["SliceThickness"] = mm(g0.sliceThicknessMm);
  for (const DicomFileHeader* h : fileHeaders) {
    if (!h->problem.empty() && plan.refusal.empty()) {
      plan.refusal = h->problem;
      if (fileHeaders.size() > 1) plan.refusal = h->path.filename().string() + ": " + plan.refusal;
    }
    addWarning(info, h->note);
  }

  const std::array<double, 2> pixelSpacing = g0.pixelSpacingMm.value_or(std::array<double, 2>{1.0, 1.0});
  if (!g0.pixelSpacingMm) addWarning(info, "no PixelSpacing: 1 mm assumed");
  ImageGeometry& geometry = info.geometry;
  geometry.size = {h0.columns, h0.rows, 1};
  // PixelSpacing is (distance between rows, distance between columns): rows step along j, columns along i.
  geometry.spacingMm = {pixelSpacing[1], pixelSpacing[0], 1.0};

  if (!geometryKnown) {
    if (entries.size() > 1 && plan.refusal.empty()) {
      plan.refusal = std::to_string(entries.size()) +
                     " images/frames without ImagePositionPatient/ImageOrientationPatient cannot be stacked into a "
                     "volume";
    }
    geometry.originMm = g0.positionMm.value_or(Vec3{0, 0, 0});
    geometry.direction = identityMatrix();
    geometry.spacingMm[2] = g0.sliceThicknessMm > 0 ? g0.sliceThicknessMm : 1.0;
    addWarning(info, g0.positionMm ? "no ImageOrientationPatient: identity orientation assumed"
                                   : "no ImagePositionPatient/ImageOrientationPatient: placed at the origin with "
                                     "identity orientation");
    plan.slicePositionsMm = {0.0};
    plan.frames = {{}};
    for (const Entry& e : entries)
      plan.frames.front().push_back(e.ref);
    info.timepoints = entries.size();
  } else {
    // Group by position along the normal.
    std::vector<std::vector<const Entry*>> groups;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (i == 0 || entries[i].distanceMm - entries[i - 1].distanceMm > kSamePositionMm) groups.emplace_back();
      groups.back().push_back(&entries[i]);
    }
    // Every frame must lie on the line through the first position along the normal (no gantry tilt, no shear,
    // no second stack shifted in-plane).
    const Vec3 p0 = *g0.positionMm;
    double worstShearMm = 0.0;
    double worstShearDistanceMm = 0.0;
    for (const Entry& e : entries) {
      const Vec3 offset = subtract(*e.geometry->positionMm, p0);
      const double along = dot(offset, normal);
      const double inPlane = norm(subtract(offset, scale(normal, along)));
      if (inPlane > 0.05 + 1e-3 * std::abs(along) && inPlane > worstShearMm) {
        worstShearMm = inPlane;
        worstShearDistanceMm = std::abs(along);
      }
    }
    if (worstShearMm > 0.0 && plan.refusal.empty()) {
      plan.refusal = "slices are not stacked along the slice normal (in-plane shift of " + mm(worstShearMm) +
                     " mm over " + mm(worstShearDistanceMm) +
                     " mm: gantry tilt or a sheared stack), which is not supported";
    }
    const std::size_t timepoints = groups.front().size();
    std::size_t fewest = timepoints;
    std::size_t most = timepoints;
    for (const auto& g : groups) {
      fewest = std::min(fewest, g.size());
      most = std::max(most, g.size());
    }
    if (fewest != most && plan.refusal.empty()) {
      plan.refusal = "slice positions repeat unevenly (" + std::to_string(fewest) + " to " + std::to_string(most) +
                     " images per position): cannot tell echoes or timepoints apart";
    }
    info.timepoints = timepoints;
    for (const auto& g : groups) {
      plan.slicePositionsMm.push_back(g.front()->distanceMm);
      plan.frames.emplace_back();
      for (const Entry* e : g)
        plan.frames.back().push_back(e->ref);
    }
    const SliceGrid grid = planSliceGrid(plan.slicePositionsMm, g0.sliceThicknessMm);
    if (!grid.refusal.empty() && plan.refusal.empty()) plan.refusal = grid.refusal;
    addWarning(info, grid.warning);
    plan.resample = grid.resampled;
    geometry.size[2] = grid.count;
    geometry.spacingMm[2] = grid.spacingMm;
    geometry.originMm = p0;
    for (int r = 0; r < 3; ++r) {
      geometry.direction[r * 3 + 0] = row[r];
      geometry.direction[r * 3 + 1] = col[r];
      geometry.direction[r * 3 + 2] = normal[r];
    }
  }
  if (info.timepoints > 1) {
    addWarning(info, std::to_string(info.timepoints) + " images at each slice position (echoes or timepoints): "
                                                       "choose a frame to load");
  }
  if (!plan.refusal.empty()) addWarning(info, "not loadable: " + plan.refusal);
  return plan;
}

double numberOr(const std::string& text, double fallback) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  return end == text.c_str() ? fallback : value;
}

} // namespace

SliceGrid planSliceGrid(const std::vector<double>& positionsMm, double singleSliceSpacingMm) {
  SliceGrid grid;
  const std::size_t n = positionsMm.size();
  grid.count = n;
  if (n < 2) {
    grid.count = 1;
    grid.spacingMm = singleSliceSpacingMm > 0 ? singleSliceSpacingMm : 1.0;
    return grid;
  }
  std::vector<double> gaps(n - 1);
  for (std::size_t i = 0; i + 1 < n; ++i)
    gaps[i] = positionsMm[i + 1] - positionsMm[i];
  std::vector<double> sorted = gaps;
  std::sort(sorted.begin(), sorted.end());
  const double smallest = sorted.front();
  const double largest = sorted.back();
  const double median = sorted[sorted.size() / 2];
  const double range = positionsMm.back() - positionsMm.front();
  const auto tolerance = [](double spacing) {
    return std::max(kSpacingRelativeVariation * spacing, kSpacingAbsoluteToleranceMm);
  };
  const double mean = range / static_cast<double>(n - 1);
  if (std::max(largest - mean, mean - smallest) <= tolerance(mean)) {
    grid.spacingMm = mean;
    return grid;
  }

  // Missing slices: every gap a whole multiple of the regular spacing, most gaps one spacing.
  std::size_t steps = 0;
  std::size_t singleGaps = 0;
  std::size_t gapCount = 0;
  std::size_t largestGapIndex = 0;
  bool multiples = true;
  for (std::size_t i = 0; i < gaps.size(); ++i) {
    const double m = std::round(gaps[i] / smallest);
    if (m < 1 || std::abs(gaps[i] - m * smallest) > tolerance(smallest) * m) {
      multiples = false;
      break;
    }
    steps += static_cast<std::size_t>(m);
    singleGaps += m == 1 ? 1 : 0;
    gapCount += m > 1 ? 1 : 0;
    if (gaps[i] > gaps[largestGapIndex]) largestGapIndex = i;
  }
  std::size_t count = 0;
  if (multiples && 2 * singleGaps >= gaps.size()) {
    count = steps + 1;
    grid.spacingMm = range / static_cast<double>(steps);
    const std::size_t missing = count - n;
    grid.warning = std::to_string(missing) + (missing == 1 ? " slice" : " slices") + " missing (" +
                   (gapCount > 1 ? std::to_string(gapCount) + " gaps, largest " : std::string("gap of ")) +
                   mm(gaps[largestGapIndex]) + " mm after slice " + std::to_string(largestGapIndex + 1) + " of " +
                   std::to_string(n) + ", where the spacing is " + mm(grid.spacingMm) +
                   " mm): filled by linear interpolation onto a regular " + mm(grid.spacingMm) + " mm grid (" +
                   std::to_string(n) + " slices -> " + std::to_string(count) + ")";
  } else {
    count = static_cast<std::size_t>(std::llround(range / smallest)) + 1;
    grid.spacingMm = range / static_cast<double>(count - 1);
    grid.warning = "slice spacing uneven (" + mm(smallest) + "–" + mm(largest) + " mm): resampled to " +
                   mm(grid.spacingMm) + " mm by linear interpolation along the slice normal (" + std::to_string(n) +
                   " slices -> " + std::to_string(count) + ")";
  }
  if (count > 4 * n + 16 || count > 20000) {
    grid.refusal = "slice positions too irregular to resample (gaps " + mm(smallest) + "–" + mm(largest) + " mm over " +
                   std::to_string(n) + " slices)";
    grid.warning.clear();
    grid.count = n;
    grid.spacingMm = median;
    return grid;
  }
  grid.count = count;
  grid.resampled = true;
  return grid;
}

std::vector<SeriesPlan> planSeries(const std::vector<DicomFileHeader>& headers) {
  // Image files in path order, one per SOP instance; group by series.
  std::vector<std::size_t> order(headers.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return headers[a].path < headers[b].path; });
  std::set<std::string> seenInstances;
  std::map<std::string, std::vector<Entry>> bySeries;
  std::vector<std::string> seriesOrder;
  std::map<std::string, std::vector<std::string>> skippedTruncated;
  for (std::size_t index : order) {
    const DicomFileHeader& h = headers[index];
    if (!h.hasPixelData || h.directory || h.frames.empty() || (!h.truncated && (h.rows == 0 || h.columns == 0)))
      continue;
    const std::string key = h.seriesUid.empty() ? "\x01" + h.path.string() : h.seriesUid;
    if (h.truncated) {
      skippedTruncated[key].push_back(h.path.filename().string());
      continue;
    }
    // The same instance stored twice (a copy under another name) counts once. The position is part of the key so
    // that a series whose instances all got one UID (a careless anonymiser) does not collapse into one slice.
    std::string instanceKey = h.sopInstanceUid;
    if (const auto& p = h.frames.front().positionMm)
      instanceKey += "@" + mm((*p)[0]) + "," + mm((*p)[1]) + "," + mm((*p)[2]);
    if (!h.sopInstanceUid.empty() && !seenInstances.insert(instanceKey).second) continue;
    auto [it, inserted] = bySeries.try_emplace(key);
    if (inserted) seriesOrder.push_back(key);
    for (std::size_t f = 0; f < h.frames.size(); ++f)
      it->second.push_back(Entry{FrameRef{index, f}, &h, &h.frames[f], 0.0});
  }

  std::vector<SeriesPlan> plans;
  for (const std::string& key : seriesOrder) {
    std::vector<Entry>& entries = bySeries[key];
    std::vector<std::vector<Entry>> stacks;
    for (const Entry& e : entries) {
      auto it = std::find_if(stacks.begin(), stacks.end(), [&](const auto& s) { return sameStack(s.front(), e); });
      if (it == stacks.end())
        stacks.push_back({e});
      else
        it->push_back(e);
    }
    std::stable_sort(stacks.begin(), stacks.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    for (std::size_t s = 0; s < stacks.size(); ++s) {
      SeriesPlan plan = planStack(std::move(stacks[s]));
      if (s > 0) plan.info.seriesUid += "#" + std::to_string(s + 1);
      if (stacks.size() > 1) {
        addWarning(plan.info, "series " + plan.seriesInstanceUid + " holds " + std::to_string(stacks.size()) +
                                " stacks that differ in orientation, image size or pixel spacing; this is stack " +
                                std::to_string(s + 1) + " (" + std::to_string(plan.info.fileCount) + " file" +
                                (plan.info.fileCount == 1 ? "" : "s") + ")");
      }
      if (const auto skipped = skippedTruncated.find(key); skipped != skippedTruncated.end()) {
        addWarning(plan.info, "skipped " + std::to_string(skipped->second.size()) +
                                " truncated file(s) of this series (" + skipped->second.front() +
                                (skipped->second.size() > 1 ? ", ..." : "") + ")");
      }
      plans.push_back(std::move(plan));
    }
  }

  std::stable_sort(plans.begin(), plans.end(), [](const SeriesPlan& a, const SeriesPlan& b) {
    const auto key = [](const SeriesPlan& p) {
      const auto get = [&](const char* k) {
        const auto it = p.info.metadata.find(k);
        return it == p.info.metadata.end() ? std::string() : it->second;
      };
      return std::make_tuple(get("PatientID"), get("StudyDate"), get("StudyInstanceUID"),
                             numberOr(get("SeriesNumber"), 1e12), p.seriesInstanceUid);
    };
    return key(a) < key(b);
  });
  return plans;
}

} // namespace strega::io::dicom
