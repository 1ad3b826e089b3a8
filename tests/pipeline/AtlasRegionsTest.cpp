#include "strega/pipeline/AtlasRegions.h"
#include "strega/core/Error.h"

#include <gtest/gtest.h>

using namespace strega;
using pipeline::AtlasRegions;

// Points are LPS (x > 0 is the patient's left); MNI RAS (-20, 30, 50) is LPS (20, -30, 50).
TEST(AtlasRegions, RegionAt_KnownMniPoints_NamedWithHemisphere) {
  const AtlasRegions atlas;
  EXPECT_EQ(atlas.regionAt({20, -30, 50}), "Left Superior Frontal Gyrus");
  EXPECT_EQ(atlas.regionAt({-40, 20, -20}), "Right Temporal Fusiform Cortex, posterior division");
  EXPECT_EQ(atlas.regionAt({45, 20, 10}), "Left Heschl's Gyrus");
  // Deep white matter: not cortical, named by the JHU atlas with the hemisphere from the position.
  EXPECT_EQ(atlas.regionAt({-25, 10, 20}), "Right Superior corona radiata");
  EXPECT_EQ(atlas.regionAt({0, 0, 500}), "");
}

TEST(AtlasRegions, DominantRegion_MaskOnAnotherGrid_Votes) {
  const AtlasRegions atlas;
  ImageGeometry g;
  g.size = {5, 5, 5};
  g.spacingMm = {2, 2, 2};
  g.originMm = {16, -34, 46}; // a 10 mm cube around LPS (20, -30, 50)
  LabelMap mask(g, 1);
  EXPECT_EQ(atlas.dominantRegion(mask), "Left Superior Frontal Gyrus");
  LabelMap empty(g, 0);
  EXPECT_EQ(atlas.dominantRegion(empty), "outside atlas labels");
}

TEST(AtlasRegions, RegionShares_DeepLesionTouchingCortex_SharesOfAllVoxelsLargestFirst) {
  // A 38 mm ball in the left deep parietal white matter (MNI RAS (-25, -31, 24)), the size of a phantom lesion:
  // many labels overlap it, none covering most of it, and some voxels have no label at all.
  const AtlasRegions atlas;
  ImageGeometry g;
  g.size = {41, 41, 41};
  g.originMm = {5, 11, 4}; // centre at LPS (25, 31, 24)
  LabelMap labels(g, 0);
  for (std::size_t k = 0; k < 41; ++k)
    for (std::size_t j = 0; j < 41; ++j)
      for (std::size_t i = 0; i < 41; ++i) {
        const double dx = double(i) - 20, dy = double(j) - 20, dz = double(k) - 20;
        if (dx * dx + dy * dy + dz * dz <= 19.0 * 19.0) labels.at(i, j, k) = 1;
      }
  // Label 2 has no voxel: no regions.
  const auto shares = atlas.regionShares(labels, 2);
  ASSERT_EQ(shares.size(), 2u);
  ASSERT_EQ(shares[0].size(), 3u);
  EXPECT_TRUE(shares[1].empty());
  double sum = 0;
  for (std::size_t n = 0; n < shares[0].size(); ++n) {
    sum += shares[0][n].fraction;
    EXPECT_GT(shares[0][n].fraction, 0.0);
    EXPECT_LT(shares[0][n].fraction, 0.5) << shares[0][n].name; // no region covers most of it
    if (n > 0) EXPECT_LE(shares[0][n].fraction, shares[0][n - 1].fraction);
    EXPECT_NE(shares[0][n].name.rfind("Right ", 0), 0u) << shares[0][n].name; // the ball is on the left
  }
  EXPECT_LT(sum, 0.9); // the denominator counts every voxel, also those no atlas labels
  EXPECT_EQ(shares[0][0].name, atlas.dominantRegion(labels, 1));
  EXPECT_EQ(atlas.regionShares(labels, 1, 1)[0].size(), 1u);

  postprocess::Finding finding;
  finding.region = shares[0][0].name;
  finding.regions = shares[0];
  const std::string text = postprocess::describeRegions(finding);
  EXPECT_EQ(text.rfind(shares[0][0].name + " ", 0), 0u) << text;
  EXPECT_NE(text.find(" %, " + shares[0][1].name), std::string::npos) << text;
}

TEST(AtlasRegions, MissingTemplateDir_ThrowsIoError) {
  try {
    AtlasRegions atlas("/nonexistent/templates");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Io);
  }
}

TEST(AtlasRegions, HarvardOxfordNames_Has48Labels) {
  EXPECT_EQ(AtlasRegions::harvardOxfordCorticalNames().size(), 49u);
  EXPECT_EQ(AtlasRegions::harvardOxfordCorticalNames()[48], "Occipital Pole");
}
