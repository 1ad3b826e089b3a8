// The lesion generator: placement inside the brain, size, reproducibility, contrast and mass effect; and the
// phantom cases built from it (native head and BraTS layout).
#include "strega/core/Metrics.h"
#include "strega/preprocess/Atlas.h"
#include "strega/preprocess/BrainExtraction.h"
#include "strega/simulate/Colin27Tissue.h"
#include "strega/simulate/LesionGenerator.h"
#include "strega/simulate/LesionPhantom.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>

using namespace strega;
using namespace strega::simulate;

namespace {

constexpr double kPi = 3.14159265358979323846;

double sphereMl(double diameterMm) { return 4.0 / 3.0 * kPi * std::pow(diameterMm / 2.0, 3) / 1000.0; }

/// Mean of `image` over the voxels where `select` holds.
template <class F> double meanWhere(const ImageF& image, F select) {
  double s = 0, n = 0;
  for (std::size_t i = 0; i < image.voxelCount(); ++i)
    if (select(i)) s += image[i], n += 1;
  return n > 0 ? s / n : 0.0;
}

/// A 64^3 1 mm block of white matter (1 voxel of background around it) whose intensity is the x coordinate.
struct Block {
  LabelMap tissue;
  Mask brain;
  ImageF xRamp;
};
Block makeBlock() {
  ImageGeometry g;
  g.size = {64, 64, 64};
  g.originMm = {-31.5, -31.5, -31.5};
  Block b{LabelMap(g, 0), Mask(g, 0), ImageF(g, 0.0f)};
  for (std::size_t k = 0; k < 64; ++k)
    for (std::size_t j = 0; j < 64; ++j)
      for (std::size_t i = 0; i < 64; ++i) {
        const bool inside = i > 0 && j > 0 && k > 0 && i < 63 && j < 63 && k < 63;
        b.tissue.at(i, j, k) = inside ? WhiteMatter : 0;
        b.brain.at(i, j, k) = inside ? 1 : 0;
        b.xRamp.at(i, j, k) = static_cast<float>(g.indexToPhysical({double(i), double(j), double(k)})[0]);
      }
  return b;
}

} // namespace

TEST(DrawLesion, Colin27_InsideBrainWithMarginAndVolumeInRange) {
  const auto atlas = preprocess::sharedAtlas();
  Mask outside(atlas->geometry(), 0);
  for (std::size_t n = 0; n < outside.voxelCount(); ++n)
    outside[n] = atlas->brainMask[n] ? 0 : 1;
  const ImageF depth = distanceToNearestMm(outside);
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    LesionOptions options;
    options.seed = seed;
    options.minDiameterMm = 20.0;
    options.maxDiameterMm = 30.0;
    const Lesion lesion = drawColin27Lesion(options);
    EXPECT_GE(lesion.diameterMm, 20.0);
    EXPECT_LE(lesion.diameterMm, 30.0);
    std::size_t whole = 0, core = 0;
    double minDepth = 1e9;
    for (std::size_t n = 0; n < lesion.labels.voxelCount(); ++n) {
      if (!lesion.labels[n]) continue;
      ++whole;
      core += lesion.labels[n] == LesionCore;
      ASSERT_TRUE(atlas->brainMask[n]) << "lesion voxel outside the brain, seed " << seed;
      minDepth = std::min(minDepth, double(depth[n]));
    }
    EXPECT_GE(minDepth, options.marginMm);
    EXPECT_GT(core, 0u);
    EXPECT_LT(core, whole);
    // The perturbed radius stays within [1 - a, 1 + a] x the nominal one (a = 0.3).
    EXPECT_GE(lesion.volumeMl, sphereMl(0.7 * lesion.diameterMm));
    EXPECT_LE(lesion.volumeMl, sphereMl(1.3 * lesion.diameterMm));
    EXPECT_NEAR(lesion.volumeMl, volumeMl(lesion.labels), 1e-9);
    EXPECT_LT(norm(subtract(lesion.centroidMm, lesion.centreMm)), 0.25 * lesion.diameterMm);
  }
}

TEST(DrawLesion, SameSeed_IsReproducible_OtherSeed_Differs) {
  LesionOptions options;
  options.seed = 11;
  const Lesion a = drawColin27Lesion(options), b = drawColin27Lesion(options);
  EXPECT_EQ(a.centreMm, b.centreMm);
  EXPECT_EQ(a.diameterMm, b.diameterMm);
  EXPECT_EQ(dice(a.labels, b.labels), 1.0);
  options.seed = 12;
  const Lesion c = drawColin27Lesion(options);
  EXPECT_NE(a.centreMm, c.centreMm);
}

TEST(DrawLesion, TooLargeForTheBrain_Throws) {
  const Block block = makeBlock();
  LesionOptions options;
  options.minDiameterMm = options.maxDiameterMm = 60.0;
  EXPECT_THROW(drawLesion(block.tissue, block.brain, options), Error);
}

TEST(InsertLesion, T1DarkerAndT2BrighterThanSurroundingWhiteMatter) {
  const auto atlas = preprocess::sharedAtlas();
  const auto tissue = colin27Tissue();
  LesionOptions options;
  options.seed = 4;
  options.minDiameterMm = options.maxDiameterMm = 30.0;
  const Lesion lesion = drawColin27Lesion(options);
  // Surrounding white matter: WM voxels 3 to 10 mm from the lesion.
  const ImageF distance = distanceToNearestMm(Mask(lesion.labels));
  auto shellWm = [&](std::size_t n) {
    return tissue->labels[n] == WhiteMatter && distance[n] >= 3.0 && distance[n] <= 10.0;
  };
  auto oedema = [&](std::size_t n) { return lesion.labels[n] == LesionOedema; };
  auto core = [&](std::size_t n) { return lesion.labels[n] == LesionCore; };

  const ImageF t1 = insertLesion(atlas->head, atlas->brainMask, lesion,
                                 lesionIntensity(ImageContrast::T1, tissue->meanT1, lesion.brightCoreT2));
  const double t1Wm = meanWhere(t1, shellWm);
  EXPECT_LT(meanWhere(t1, oedema), t1Wm - 15.0);
  EXPECT_LT(meanWhere(t1, core), meanWhere(t1, oedema));

  const ImageF t2Source = syntheticT2Head();
  for (bool bright : {false, true}) {
    const ImageF t2 =
      insertLesion(t2Source, atlas->brainMask, lesion, lesionIntensity(ImageContrast::T2, {180.0, 95.0, 70.0}, bright));
    const double t2Wm = meanWhere(t2, shellWm);
    EXPECT_GT(meanWhere(t2, oedema), t2Wm + 40.0);
    if (bright)
      EXPECT_GT(meanWhere(t2, core), meanWhere(t2, oedema));
    else
      EXPECT_LT(meanWhere(t2, core), meanWhere(t2, oedema));
  }
}

TEST(InsertLesion, MassEffect_PushesTissueOutwards) {
  const Block block = makeBlock();
  LesionOptions options;
  options.seed = 2;
  options.minDiameterMm = options.maxDiameterMm = 20.0;
  options.marginMm = 1.0;
  options.massEffect = true;
  options.massEffectMm = 2.5;
  const Lesion lesion = drawLesion(block.tissue, block.brain, options);
  ASSERT_NEAR(lesion.massEffectMm, 2.5, 1e-12);
  const ImageF moved = insertLesion(block.xRamp, block.brain, lesion, {0.0, 0.0});
  options.massEffect = false;
  const Lesion still = drawLesion(block.tissue, block.brain, options);
  EXPECT_EQ(still.centreMm, lesion.centreMm);
  const ImageF unmoved = insertLesion(block.xRamp, block.brain, still, {0.0, 0.0});

  const auto& g = block.xRamp.geometry();
  std::size_t checked = 0;
  for (std::size_t n = 0; n < moved.voxelCount(); ++n) {
    if (!block.brain[n] || lesion.labels[n]) continue;
    const Vec3 p = g.indexToPhysical({double(n % 64), double((n / 64) % 64), double(n / 4096)});
    const Vec3 offset = subtract(p, lesion.centreMm);
    const double d = norm(offset);
    // Just outside the perturbed lesion (radius <= 13 mm plus its partial-volume rim), along the x axis.
    if (d < 15.0 || d > 19.0 || std::abs(offset[0]) < 0.9 * d) continue;
    ++checked;
    // A linear ramp is interpolated exactly: the value is the x of the tissue's origin, nearer the centre.
    EXPECT_NEAR(moved[n], massEffectSourceMm(lesion, p)[0], 1e-3);
    EXPECT_GT(std::abs(p[0] - moved[n]), 0.25 * 2.5 * (10.0 / d) * (10.0 / d));
    EXPECT_LT(std::abs(moved[n] - lesion.centreMm[0]), std::abs(offset[0]));
    EXPECT_FLOAT_EQ(unmoved[n], block.xRamp[n]);
  }
  EXPECT_GT(checked, 20u);
  // Far away (beyond 4 R) nothing moves.
  const Vec3 far = add(lesion.centreMm, Vec3{45.0, 0.0, 0.0});
  EXPECT_EQ(massEffectSourceMm(lesion, far), far);
}

TEST(PhantomCase, LesionAndHealthy_HeadAndBratsLayouts) {
  ImageGeometry coarse;
  coarse.size = {64, 76, 64};
  coarse.spacingMm = {3.0, 3.0, 3.0};
  coarse.originMm = subtract(Vec3{0.0, -17.0, 18.0}, multiply(coarse.indexToPhysicalMatrix(), Vec3{31.5, 37.5, 31.5}));
  LesionOptions lesionOptions;
  lesionOptions.seed = 8;
  lesionOptions.minDiameterMm = lesionOptions.maxDiameterMm = 30.0;
  PhantomCaseOptions options;
  options.head.seed = 8;
  options.head.nativeGrid = coarse;
  options.lesion = std::make_shared<const Lesion>(drawColin27Lesion(lesionOptions));
  const PhantomCase sick = makePhantomCase(options);

  ASSERT_TRUE(sick.headLabels.geometry().sameGrid(sick.head.image.geometry()));
  std::size_t headLesion = 0;
  for (std::size_t n = 0; n < sick.headLabels.voxelCount(); ++n)
    if (sick.headLabels[n]) {
      ++headLesion;
      EXPECT_TRUE(sick.head.brainMask[n]);
    }
  // Volume is carried by the affine's determinant (3 mm voxels: coarse, so a loose tolerance).
  const double expected = options.lesion->volumeMl * sick.head.trueTransform.affine.determinant();
  EXPECT_NEAR(volumeMl(sick.headLabels), expected, 0.25 * expected);
  EXPECT_GT(headLesion, 0u);

  const auto& g = sick.bratsImage.geometry();
  EXPECT_EQ(g.size, (Size3{240, 240, 155}));
  EXPECT_EQ(g.spacingMm, (Vec3{1.0, 1.0, 1.0}));
  ASSERT_TRUE(sick.bratsLabels.geometry().sameGrid(g));
  // Aligned voxel centres: the lesion and the brain move over whole.
  EXPECT_NEAR(volumeMl(sick.bratsLabels), options.lesion->volumeMl, 1e-9);
  EXPECT_NEAR(volumeMl(sick.bratsBrainMask), volumeMl(preprocess::sharedAtlas()->brainMask), 1e-9);
  for (std::size_t n = 0; n < sick.bratsImage.voxelCount(); ++n) {
    if (!sick.bratsBrainMask[n]) ASSERT_EQ(sick.bratsImage[n], 0.0f);
    if (sick.bratsLabels[n]) ASSERT_TRUE(sick.bratsBrainMask[n]);
  }
  // What the pre-processing's RegistrationMode::Auto needs to skip registration.
  EXPECT_TRUE(preprocess::detectSkullStripped(sick.bratsImage).skullStripped);

  options.lesion.reset();
  const PhantomCase healthy = makePhantomCase(options);
  EXPECT_EQ(healthy.headLabels.maxLabel(), 0);
  EXPECT_EQ(healthy.bratsLabels.maxLabel(), 0);
  // Same seed, same head: only the lesion differs.
  EXPECT_EQ(healthy.head.rotationDeg, sick.head.rotationDeg);
}
