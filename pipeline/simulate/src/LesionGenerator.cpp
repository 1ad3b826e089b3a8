#include "strega/simulate/LesionGenerator.h"

#include "Smoothing.h"
#include "strega/core/Error.h"
#include "strega/core/Metrics.h"
#include "strega/itkbridge/ItkParallel.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace strega::simulate {
namespace {

constexpr double kPi = 3.14159265358979323846;

/// Smoothed white noise on `grid` in [-1, 1]: scaled to 1.5 standard deviations and clipped, so that typical
/// values reach about +-0.7 (scaling by the peak instead would leave most of the field near zero).
ImageF smoothNoise(const ImageGeometry& grid, double sigmaMm, std::mt19937_64& rng) {
  ImageF field(grid, 0.0f);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (auto& v : field.voxels())
    v = static_cast<float>(normal(rng));
  detail::gaussianSmooth(field, sigmaMm);
  double sumSq = 0.0;
  for (float v : field.voxels())
    sumSq += double(v) * v;
  const double sd = std::sqrt(sumSq / double(std::max<std::size_t>(field.voxelCount(), 1)));
  if (sd > 0.0)
    for (auto& v : field.voxels())
      v = static_cast<float>(std::clamp(v / (1.5 * sd), -1.0, 1.0));
  return field;
}

/// Trilinear sample of `image` at a continuous index, clamped to the grid (the mass effect only samples inside).
float sampleLinear(const ImageF& image, const Vec3& index) {
  const auto& s = image.size();
  std::array<std::size_t, 3> i0{};
  std::array<double, 3> f{};
  for (int a = 0; a < 3; ++a) {
    const double x = std::clamp(index[a], 0.0, double(s[a] - 1));
    i0[a] = std::min(static_cast<std::size_t>(std::floor(x)), s[a] > 1 ? s[a] - 2 : 0);
    f[a] = s[a] > 1 ? x - double(i0[a]) : 0.0;
  }
  double v = 0.0;
  for (int c = 0; c < 8; ++c) {
    const std::size_t di = c & 1, dj = (c >> 1) & 1, dk = (c >> 2) & 1;
    const double w = (di ? f[0] : 1 - f[0]) * (dj ? f[1] : 1 - f[1]) * (dk ? f[2] : 1 - f[2]);
    if (w == 0.0) continue;
    v += w * image.at(std::min(i0[0] + di, s[0] - 1), std::min(i0[1] + dj, s[1] - 1), std::min(i0[2] + dk, s[2] - 1));
  }
  return static_cast<float>(v);
}

void checkOptions(const LesionOptions& o) {
  if (!(o.minDiameterMm > 0.0) || !(o.maxDiameterMm >= o.minDiameterMm))
    throw Error(ErrorKind::InvalidArgument, "lesion diameters must be positive with minimum <= maximum");
  if (!(o.minCoreFraction > 0.0) || !(o.maxCoreFraction >= o.minCoreFraction) || o.maxCoreFraction > 1.0)
    throw Error(ErrorKind::InvalidArgument, "lesion core fractions must lie in (0, 1] with minimum <= maximum");
  if (!(o.irregularity >= 0.0 && o.irregularity < 0.5))
    throw Error(ErrorKind::InvalidArgument, "lesion irregularity must lie in [0, 0.5)");
  if (!(o.marginMm >= 0.0) || !(o.massEffectMm >= 0.0))
    throw Error(ErrorKind::InvalidArgument, "lesion margin and mass effect must not be negative");
}

} // namespace

Lesion drawLesion(const LabelMap& tissue, const Mask& brain, const LesionOptions& options) {
  checkOptions(options);
  if (!tissue.geometry().sameGrid(brain.geometry()))
    throw Error(ErrorKind::InvalidArgument, "the tissue map and the brain mask must share a grid");
  const ImageGeometry& grid = tissue.geometry();
  std::mt19937_64 rng(options.seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);

  Lesion lesion;
  lesion.diameterMm = options.minDiameterMm + (options.maxDiameterMm - options.minDiameterMm) * uniform(rng);
  const double coreFraction =
    options.minCoreFraction + (options.maxCoreFraction - options.minCoreFraction) * uniform(rng);
  lesion.coreDiameterMm = lesion.diameterMm * coreFraction;
  lesion.brightCoreT2 = uniform(rng) < 0.5;
  const double radius = lesion.diameterMm / 2.0, coreRadius = lesion.coreDiameterMm / 2.0;
  const double a = options.irregularity;
  lesion.massEffectMm = options.massEffect ? std::min(options.massEffectMm, 0.3 * radius) : 0.0;

  // Where the centre may go: far enough from the outside of the brain (and from the grid's edge) that the
  // largest perturbed radius plus the margin stays inside, plus the outer half of the partial-volume rim.
  const double maxSpacing = std::max({grid.spacingMm[0], grid.spacingMm[1], grid.spacingMm[2]});
  const double meanSpacing = (grid.spacingMm[0] + grid.spacingMm[1] + grid.spacingMm[2]) / 3.0;
  // Oedema fades out over two voxels, the core's edge over one (partial volume).
  const double wholeEdgeMm = 2.0 * meanSpacing, coreEdgeMm = meanSpacing;
  const double reach = radius * (1.0 + a) + options.marginMm + 0.5 * wholeEdgeMm;
  Mask outside(grid, 0);
  for (std::size_t n = 0; n < outside.voxelCount(); ++n)
    outside[n] = brain[n] ? 0 : 1;
  const ImageF depth = distanceToNearestMm(outside);
  Size3 halfBox{};
  for (int ax = 0; ax < 3; ++ax)
    halfBox[ax] = static_cast<std::size_t>(std::ceil((radius * (1.0 + a) + 3.0 * maxSpacing) / grid.spacingMm[ax]));
  std::vector<std::size_t> white, grey;
  const auto& s = grid.size;
  for (std::size_t k = halfBox[2]; k + halfBox[2] < s[2]; ++k)
    for (std::size_t j = halfBox[1]; j + halfBox[1] < s[1]; ++j)
      for (std::size_t i = halfBox[0]; i + halfBox[0] < s[0]; ++i) {
        const std::size_t n = tissue.linearIndex(i, j, k);
        if (!brain[n] || depth[n] < reach) continue;
        if (tissue[n] == WhiteMatter) white.push_back(n);
        if (tissue[n] == GreyMatter) grey.push_back(n);
      }
  if (white.empty() && grey.empty())
    throw Error(ErrorKind::InvalidArgument, "a lesion of " +
                                              std::to_string(static_cast<int>(std::lround(lesion.diameterMm))) +
                                              " mm does not fit inside the brain; choose a smaller diameter");
  const bool inWhite = (uniform(rng) < options.whiteMatterProbability && !white.empty()) || grey.empty();
  const auto& pool = inWhite ? white : grey;
  const std::size_t centre = pool[std::min(pool.size() - 1, static_cast<std::size_t>(uniform(rng) * pool.size()))];
  const Size3 centreIndex{centre % s[0], (centre / s[0]) % s[1], centre / (s[0] * s[1])};
  lesion.centreMm = grid.indexToPhysical({double(centreIndex[0]), double(centreIndex[1]), double(centreIndex[2])});

  lesion.box = grid;
  for (int ax = 0; ax < 3; ++ax) {
    lesion.boxOffset[ax] = centreIndex[ax] - halfBox[ax];
    lesion.box.size[ax] = 2 * halfBox[ax] + 1;
  }
  lesion.box.originMm =
    grid.indexToPhysical({double(lesion.boxOffset[0]), double(lesion.boxOffset[1]), double(lesion.boxOffset[2])});
  // Lobes a few millimetres across: a third of the radius, as seen on gliomas' irregular margins.
  const double shapeSigmaMm = std::max(radius / 3.0, 2.0);
  const ImageF wholeNoise = smoothNoise(lesion.box, shapeSigmaMm, rng);
  const ImageF coreNoise = smoothNoise(lesion.box, std::max(coreRadius / 3.0, 1.5), rng);
  lesion.texture = smoothNoise(lesion.box, 2.0, rng);
  for (auto& v : lesion.texture.voxels())
    v *= 0.08f;

  lesion.labels = LabelMap(grid, LesionBackground);
  lesion.labels.setLabelName(LesionCore, "core");
  lesion.labels.setLabelName(LesionOedema, "oedema");
  lesion.wholeFraction = ImageF(lesion.box, 0.0f);
  lesion.coreFraction = ImageF(lesion.box, 0.0f);
  Vec3 sum{0, 0, 0};
  std::size_t whole = 0, core = 0;
  const auto& bs = lesion.box.size;
  for (std::size_t k = 0; k < bs[2]; ++k)
    for (std::size_t j = 0; j < bs[1]; ++j)
      for (std::size_t i = 0; i < bs[0]; ++i) {
        const std::size_t b = lesion.wholeFraction.linearIndex(i, j, k);
        const std::size_t n =
          tissue.linearIndex(i + lesion.boxOffset[0], j + lesion.boxOffset[1], k + lesion.boxOffset[2]);
        if (!brain[n]) continue;
        const Vec3 p = lesion.box.indexToPhysical({double(i), double(j), double(k)});
        const double d = norm(subtract(p, lesion.centreMm));
        // A signed distance to the perturbed surface, turned into a partial-volume ramp.
        const double w = std::clamp(0.5 - (d - radius * (1.0 + a * wholeNoise[b])) / wholeEdgeMm, 0.0, 1.0);
        const double c =
          std::min(w, std::clamp(0.5 - (d - coreRadius * (1.0 + a * coreNoise[b])) / coreEdgeMm, 0.0, 1.0));
        lesion.wholeFraction[b] = static_cast<float>(w);
        lesion.coreFraction[b] = static_cast<float>(c);
        if (w < 0.5) continue;
        lesion.labels[n] = c >= 0.5 ? LesionCore : LesionOedema;
        ++whole;
        core += c >= 0.5 ? 1 : 0;
        sum = add(sum, p);
      }
  const double voxelMl = grid.voxelVolumeMm3() / 1000.0;
  lesion.volumeMl = double(whole) * voxelMl;
  lesion.coreVolumeMl = double(core) * voxelMl;
  lesion.centroidMm = whole ? scale(sum, 1.0 / double(whole)) : lesion.centreMm;
  return lesion;
}

LesionIntensity lesionIntensity(ImageContrast contrast, const std::array<double, 3>& tissueMeans, bool brightCoreT2) {
  const double csf = tissueMeans[0], gm = tissueMeans[1], wm = tissueMeans[2];
  LesionIntensity out;
  if (contrast == ImageContrast::T1) {
    // Oedema (more water) darkens T1 below grey matter; a necrotic core is darker still, near CSF.
    out.oedema = gm - 0.3 * (gm - csf);
    out.core = csf + 0.3 * (gm - csf);
  } else {
    out.oedema = gm + 0.5 * (csf - gm);
    out.core = brightCoreT2 ? gm + 0.9 * (csf - gm) : wm + 0.5 * (gm - wm);
  }
  return out;
}

Vec3 massEffectSourceMm(const Lesion& lesion, const Vec3& pointMm) {
  const double amount = lesion.massEffectMm;
  if (amount <= 0.0) return pointMm;
  const double radius = lesion.diameterMm / 2.0;
  const Vec3 v = subtract(pointMm, lesion.centreMm);
  const double d = norm(v);
  if (d < 1e-9) return pointMm;
  double source;
  if (d <= radius) {
    source = d * (radius - amount) / radius;
  } else {
    // (R/d)^2 is how an expanding sphere pushes an incompressible medium; the cosine taper ends the effect at
    // 4 R. Both factors fall with d, so d - displacement grows monotonically: the map never folds.
    const double taper = d <= 2.0 * radius   ? 1.0
                         : d >= 4.0 * radius ? 0.0
                                             : 0.5 * (1.0 + std::cos(kPi * (d - 2.0 * radius) / (2.0 * radius)));
    source = d - amount * (radius / d) * (radius / d) * taper;
  }
  return add(lesion.centreMm, scale(v, source / d));
}

ImageF insertLesion(const ImageF& image, const Mask& brain, const Lesion& lesion, const LesionIntensity& intensity) {
  if (!image.geometry().sameGrid(lesion.labels.geometry()) || !brain.geometry().sameGrid(image.geometry()))
    throw Error(ErrorKind::InvalidArgument, "the image, brain mask and lesion must share a grid");
  const ImageGeometry& grid = image.geometry();
  ImageF out = image;
  if (lesion.massEffectMm > 0.0) {
    const double reachMm = 2.0 * lesion.diameterMm; // 4 R: where the taper ends
    const Vec3 c = grid.physicalToIndex(lesion.centreMm);
    std::array<std::size_t, 3> lo{}, hi{};
    for (int a = 0; a < 3; ++a) {
      const double h = std::ceil(reachMm / grid.spacingMm[a]) + 1.0;
      lo[a] = static_cast<std::size_t>(std::clamp(std::floor(c[a] - h), 0.0, double(grid.size[a] - 1)));
      hi[a] = static_cast<std::size_t>(std::clamp(std::ceil(c[a] + h), 0.0, double(grid.size[a] - 1)));
    }
    itkbridge::parallelFor(
      lo[2], hi[2] + 1,
      [&](std::size_t kb, std::size_t ke) {
        for (std::size_t k = kb; k < ke; ++k)
          for (std::size_t j = lo[1]; j <= hi[1]; ++j)
            for (std::size_t i = lo[0]; i <= hi[0]; ++i) {
              const std::size_t n = image.linearIndex(i, j, k);
              if (!brain[n]) continue;
              const Vec3 p = grid.indexToPhysical({double(i), double(j), double(k)});
              const Vec3 source = massEffectSourceMm(lesion, p);
              if (source == p) continue;
              out[n] = sampleLinear(image, grid.physicalToIndex(source));
            }
      },
      1);
  }
  const auto& bs = lesion.box.size;
  for (std::size_t k = 0; k < bs[2]; ++k)
    for (std::size_t j = 0; j < bs[1]; ++j)
      for (std::size_t i = 0; i < bs[0]; ++i) {
        const std::size_t b = lesion.wholeFraction.linearIndex(i, j, k);
        const double w = lesion.wholeFraction[b];
        if (w <= 0.0) continue;
        const double c = lesion.coreFraction[b], t = 1.0 + lesion.texture[b];
        const std::size_t n =
          image.linearIndex(i + lesion.boxOffset[0], j + lesion.boxOffset[1], k + lesion.boxOffset[2]);
        out[n] = static_cast<float>(out[n] * (1.0 - w) + (w - c) * intensity.oedema * t + c * intensity.core * t);
      }
  return out;
}

} // namespace strega::simulate
