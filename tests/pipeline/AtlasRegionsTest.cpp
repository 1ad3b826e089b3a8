#include "strega/core/Error.h"
#include "strega/pipeline/AtlasRegions.h"

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
