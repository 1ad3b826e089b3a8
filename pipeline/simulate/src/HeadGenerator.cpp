#include "strega/simulate/HeadGenerator.h"

#include "Smoothing.h"
#include "strega/core/Error.h"
#include "strega/itkbridge/ItkParallel.h"
#include "strega/preprocess/Atlas.h"
#include "strega/preprocess/Resample.h"
#include "strega/simulate/Colin27Tissue.h"

#include <array>
#include <cmath>
#include <random>

namespace strega::simulate {
namespace {

constexpr double kPi = 3.14159265358979323846;

Mat3 rotationXYZ(const Vec3& deg) {
  const double a = deg[0] * kPi / 180.0, b = deg[1] * kPi / 180.0, c = deg[2] * kPi / 180.0;
  const Mat3 rx{1, 0, 0, 0, std::cos(a), -std::sin(a), 0, std::sin(a), std::cos(a)};
  const Mat3 ry{std::cos(b), 0, std::sin(b), 0, 1, 0, -std::sin(b), 0, std::cos(b)};
  const Mat3 rz{std::cos(c), -std::sin(c), 0, std::sin(c), std::cos(c), 0, 0, 0, 1};
  return multiply(rz, multiply(ry, rx));
}

Vec3 gridCentre(const ImageGeometry& g) {
  return g.indexToPhysical({(double(g.size[0]) - 1) / 2, (double(g.size[1]) - 1) / 2, (double(g.size[2]) - 1) / 2});
}

/// A smooth random displacement field on a 4 mm grid over the atlas, scaled so that its largest displacement
/// inside the atlas brain is maxMm.
preprocess::DisplacementField elasticField(const ImageGeometry& atlas, const Mask& brain, double maxMm,
                                           double smoothnessMm, std::mt19937_64& rng) {
  ImageGeometry grid = atlas;
  const double step = 4.0;
  for (int a = 0; a < 3; ++a) {
    grid.size[a] = static_cast<std::size_t>(std::ceil(double(atlas.size[a] - 1) * atlas.spacingMm[a] / step)) + 1;
    grid.spacingMm[a] = step;
  }
  preprocess::DisplacementField field(grid);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (int a = 0; a < 3; ++a) {
    auto& c = field.component(a);
    for (auto& v : c.voxels())
      v = static_cast<float>(normal(rng));
    detail::gaussianSmooth(c, smoothnessMm, true);
  }
  double current = 0.0;
  const auto& bs = brain.size();
  for (std::size_t k = 0; k < bs[2]; k += 2)
    for (std::size_t j = 0; j < bs[1]; j += 2)
      for (std::size_t i = 0; i < bs[0]; i += 2)
        if (brain.at(i, j, k))
          current = std::max(current, norm(field.at(atlas.indexToPhysical({double(i), double(j), double(k)}))));
  const double factor = current > 0 ? maxMm / current : 0.0;
  for (int a = 0; a < 3; ++a)
    for (auto& v : field.component(a).voxels())
      v = static_cast<float>(v * factor);
  return field;
}

} // namespace

void addRicianNoise(ImageF& image, double sigma, std::uint64_t seed) {
  if (sigma <= 0) return;
  const std::size_t chunk = 1u << 20;
  const std::size_t chunks = (image.voxelCount() + chunk - 1) / chunk;
  itkbridge::parallelFor(
    0, chunks,
    [&](std::size_t b, std::size_t e) {
      for (std::size_t c = b; c < e; ++c) {
        std::mt19937_64 rng(seed * 1000003ull + c);
        std::normal_distribution<double> normal(0.0, sigma);
        const std::size_t end = std::min(image.voxelCount(), (c + 1) * chunk);
        for (std::size_t n = c * chunk; n < end; ++n) {
          const double re = image[n] + normal(rng), im = normal(rng);
          image[n] = static_cast<float>(std::sqrt(re * re + im * im));
        }
      }
    },
    1);
}

ImageF randomBiasField(const ImageGeometry& grid, double amplitude, std::uint64_t seed) {
  // A random cubic polynomial of the normalised coordinates, rescaled to [1 - amplitude, 1 + amplitude].
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  std::vector<std::array<int, 3>> powers;
  std::vector<double> coeff;
  for (int a = 0; a <= 3; ++a)
    for (int b = 0; a + b <= 3; ++b)
      for (int c = 0; a + b + c <= 3; ++c) {
        if (a + b + c == 0) continue;
        powers.push_back({a, b, c});
        coeff.push_back(uniform(rng) / double(a + b + c));
      }
  ImageF field(grid, 0.0f);
  const auto& s = grid.size;
  // Powers 0..3 of the normalised coordinate along each axis.
  std::array<std::vector<std::array<double, 4>>, 3> pw;
  for (int a = 0; a < 3; ++a) {
    pw[a].resize(s[a]);
    for (std::size_t t = 0; t < s[a]; ++t) {
      const double u = 2.0 * double(t) / std::max<double>(1.0, double(s[a] - 1)) - 1.0;
      pw[a][t] = {1.0, u, u * u, u * u * u};
    }
  }
  itkbridge::parallelFor(
    0, s[2],
    [&](std::size_t kb, std::size_t ke) {
      for (std::size_t k = kb; k < ke; ++k)
        for (std::size_t j = 0; j < s[1]; ++j)
          for (std::size_t i = 0; i < s[0]; ++i) {
            double v = 0.0;
            for (std::size_t t = 0; t < powers.size(); ++t)
              v += coeff[t] * pw[0][i][powers[t][0]] * pw[1][j][powers[t][1]] * pw[2][k][powers[t][2]];
            field.at(i, j, k) = static_cast<float>(v);
          }
    },
    1);
  float lo = field[0], hi = field[0];
  for (float v : field.voxels())
    lo = std::min(lo, v), hi = std::max(hi, v);
  const double span = std::max(double(hi - lo), 1e-12);
  for (auto& v : field.voxels())
    v = static_cast<float>(1.0 + amplitude * (2.0 * (v - lo) / span - 1.0));
  return field;
}

GeneratedHead generateHead(const HeadOptions& options, ProgressScope* progress) {
  const auto atlas = preprocess::sharedAtlas(options.atlasDirectory);
  std::mt19937_64 rng(options.seed * 7919ull + 17ull);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  GeneratedHead head;
  for (int a = 0; a < 3; ++a)
    head.rotationDeg[a] = options.maxRotationDeg * uniform(rng);
  for (int a = 0; a < 3; ++a)
    head.translationMm[a] = options.maxTranslationMm * uniform(rng);
  for (int a = 0; a < 3; ++a)
    head.scale[a] = 1.0 + options.maxScale * uniform(rng);
  const double noiseFraction = options.minNoise + (options.maxNoise - options.minNoise) * 0.5 * (1.0 + uniform(rng));

  // atlas -> native: y = R S (x - c) + c + t, after the elastic displacement.
  const Vec3 c = gridCentre(atlas->geometry());
  preprocess::Affine3 affine;
  Mat3 s = identityMatrix();
  for (int a = 0; a < 3; ++a)
    s[a * 4] = head.scale[a];
  affine.matrix = multiply(rotationXYZ(head.rotationDeg), s);
  affine.translationMm = add(subtract(c, multiply(affine.matrix, c)), head.translationMm);
  head.trueTransform.affine = affine;
  if (options.elasticMaxMm > 0.0)
    head.trueTransform.deformation =
      elasticField(atlas->geometry(), atlas->brainMask, options.elasticMaxMm, options.elasticSmoothnessMm, rng);

  ImageGeometry grid;
  if (options.nativeGrid) {
    grid = *options.nativeGrid;
  } else {
    grid.size = {192, 228, 192};
    grid.spacingMm = {1.0, 1.0, 1.0};
    grid.direction = {-1, 0, 0, 0, -1, 0, 0, 0, 1};
    const Vec3 centre = affine.apply(c);
    grid.originMm = subtract(centre, multiply(grid.indexToPhysicalMatrix(), Vec3{95.5, 113.5, 95.5}));
  }
  grid.validate();

  std::optional<ProgressScope> imageStage, maskStage;
  if (progress) imageStage.emplace(*progress, "image", 0.0, 0.6);
  ImageF templateImage;
  if (options.atlasImage) {
    if (!options.atlasImage->geometry().sameGrid(atlas->geometry()))
      throw Error(ErrorKind::InvalidArgument, "the atlas-space image of a generated head must lie on the atlas grid");
  } else {
    templateImage = options.contrast == ImageContrast::T2 ? syntheticT2Head(options.atlasDirectory) : atlas->head;
  }
  const ImageF& source = options.atlasImage ? *options.atlasImage : templateImage;
  head.image = preprocess::mapToNative(source, head.trueTransform, grid, preprocess::Interpolation::Linear, 0.0f,
                                       imageStage ? &*imageStage : nullptr);
  imageStage.reset();
  if (progress) maskStage.emplace(*progress, "mask", 0.6, 0.9);
  head.brainMask =
    preprocess::mapMaskToNativeSmooth(atlas->brainMask, head.trueTransform, grid, maskStage ? &*maskStage : nullptr);
  maskStage.reset();

  const ImageF bias = randomBiasField(grid, options.biasAmplitude, options.seed * 31ull + 5ull);
  for (std::size_t n = 0; n < head.image.voxelCount(); ++n)
    head.image[n] *= bias[n];
  // The brightest tissue: CSF of the synthetic T2, white matter of ch2 (about 113).
  const double brightest = options.contrast == ImageContrast::T2 ? 180.0 : 113.0;
  head.noiseSigma = noiseFraction * brightest;
  addRicianNoise(head.image, head.noiseSigma, options.seed * 131ull + 7ull);
  if (progress) progress->update(1.0);
  return head;
}

} // namespace strega::simulate
