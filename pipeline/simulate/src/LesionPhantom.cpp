#include "strega/simulate/LesionPhantom.h"

#include "strega/core/Error.h"
#include "strega/preprocess/Atlas.h"
#include "strega/preprocess/Resample.h"
#include "strega/simulate/Colin27Tissue.h"

#include <cmath>
#include <optional>
#include <string>

namespace strega::simulate {
namespace {

/// The atlas voxel index of bratsGrid()'s voxel (0,0,0): an integer offset, so both grids share voxel centres.
std::array<long long, 3> bratsOffset(const Mask& atlasBrain, const Size3& size) {
  const auto& s = atlasBrain.size();
  Size3 lo{s[0], s[1], s[2]}, hi{0, 0, 0};
  for (std::size_t k = 0; k < s[2]; ++k)
    for (std::size_t j = 0; j < s[1]; ++j)
      for (std::size_t i = 0; i < s[0]; ++i)
        if (atlasBrain.at(i, j, k)) {
          const Size3 p{i, j, k};
          for (int a = 0; a < 3; ++a)
            lo[a] = std::min(lo[a], p[a]), hi[a] = std::max(hi[a], p[a]);
        }
  if (lo[0] > hi[0]) throw Error(ErrorKind::InvalidInput, "the atlas brain mask is empty");
  std::array<long long, 3> offset{};
  for (int a = 0; a < 3; ++a) {
    const double centre = (double(lo[a]) + double(hi[a])) / 2.0;
    offset[a] = static_cast<long long>(std::floor(centre - (double(size[a]) - 1.0) / 2.0 + 0.5));
    if (hi[a] - lo[a] + 1 > size[a])
      throw Error(ErrorKind::InvalidInput, "the atlas brain does not fit on a 240 x 240 x 155 grid",
                  "axis " + std::to_string(a) + " extent " + std::to_string(hi[a] - lo[a] + 1) + " voxels");
  }
  return offset;
}

const Size3 kBratsSize{240, 240, 155};

/// `atlasVolume` copied onto bratsGrid(): an integer index shift, zero where the atlas grid ends.
template <class V> V toBrats(const V& atlasVolume, const ImageGeometry& grid, const std::array<long long, 3>& offset) {
  V out(grid);
  const auto& s = atlasVolume.size();
  for (std::size_t k = 0; k < grid.size[2]; ++k)
    for (std::size_t j = 0; j < grid.size[1]; ++j)
      for (std::size_t i = 0; i < grid.size[0]; ++i) {
        const long long ai = (long long)i + offset[0], aj = (long long)j + offset[1], ak = (long long)k + offset[2];
        if (ai < 0 || aj < 0 || ak < 0 || ai >= (long long)s[0] || aj >= (long long)s[1] || ak >= (long long)s[2])
          continue;
        out.at(i, j, k) = atlasVolume.at(std::size_t(ai), std::size_t(aj), std::size_t(ak));
      }
  return out;
}

} // namespace

ImageGeometry bratsGrid(const Mask& atlasBrain) {
  const auto offset = bratsOffset(atlasBrain, kBratsSize);
  ImageGeometry grid = atlasBrain.geometry();
  grid.size = kBratsSize;
  grid.originMm = atlasBrain.geometry().indexToPhysical({double(offset[0]), double(offset[1]), double(offset[2])});
  return grid;
}

Lesion drawColin27Lesion(const LesionOptions& options, const std::filesystem::path& atlasDirectory) {
  const auto atlas = preprocess::sharedAtlas(atlasDirectory);
  const auto tissue = colin27Tissue(atlasDirectory);
  return drawLesion(tissue->labels, atlas->brainMask, options);
}

PhantomCase makePhantomCase(const PhantomCaseOptions& options, ProgressScope* progress) {
  const auto atlas = preprocess::sharedAtlas(options.head.atlasDirectory);
  const ImageContrast contrast = options.head.contrast;
  std::optional<ProgressScope> stage;
  if (progress) stage.emplace(*progress, "lesion", 0.0, 0.1);
  ImageF source = contrast == ImageContrast::T2 ? syntheticT2Head(options.head.atlasDirectory) : atlas->head;
  if (options.lesion) {
    // The synthetic T2 is built from fixed class intensities; the T1 template's are measured on it.
    const std::array<double, 3> means = contrast == ImageContrast::T2
                                          ? std::array<double, 3>{180.0, 95.0, 70.0}
                                          : colin27Tissue(options.head.atlasDirectory)->meanT1;
    source = insertLesion(source, atlas->brainMask, *options.lesion,
                          lesionIntensity(contrast, means, options.lesion->brightCoreT2));
  }
  auto lesioned = std::make_shared<const ImageF>(std::move(source));

  stage.reset();
  if (progress) stage.emplace(*progress, "head", 0.1, 0.85);
  HeadOptions headOptions = options.head;
  headOptions.atlasImage = lesioned;
  PhantomCase out;
  out.head = generateHead(headOptions, stage ? &*stage : nullptr);
  out.headLabels = options.lesion ? preprocess::mapLabelsToNative(options.lesion->labels, out.head.trueTransform,
                                                                  out.head.image.geometry())
                                  : LabelMap(out.head.image.geometry(), LesionBackground);

  stage.reset();
  if (progress) stage.emplace(*progress, "brats", 0.85, 1.0);
  const ImageGeometry grid = bratsGrid(atlas->brainMask);
  const auto offset = bratsOffset(atlas->brainMask, kBratsSize);
  out.bratsBrainMask = toBrats(atlas->brainMask, grid, offset);
  out.bratsLabels =
    options.lesion ? LabelMap(toBrats(Mask(options.lesion->labels), grid, offset)) : LabelMap(grid, LesionBackground);
  out.bratsImage = toBrats(*lesioned, grid, offset);
  const ImageF bias = randomBiasField(grid, options.head.biasAmplitude, options.head.seed * 613ull + 29ull);
  for (std::size_t n = 0; n < out.bratsImage.voxelCount(); ++n)
    out.bratsImage[n] = out.bratsBrainMask[n] ? out.bratsImage[n] * bias[n] : 0.0f;
  addRicianNoise(out.bratsImage, out.head.noiseSigma, options.head.seed * 8191ull + 3ull);
  for (std::size_t n = 0; n < out.bratsImage.voxelCount(); ++n)
    if (!out.bratsBrainMask[n]) out.bratsImage[n] = 0.0f;
  if (progress) progress->update(1.0);
  return out;
}

} // namespace strega::simulate
