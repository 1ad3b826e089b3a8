#include "strega/preprocess/AtlasTransform.h"
#include "strega/preprocess/Resample.h"

#include <gtest/gtest.h>

using namespace strega;
using namespace strega::preprocess;

TEST(Affine3, Inverse_ComposesToIdentity) {
  Affine3 a;
  a.matrix = {1.1, 0.1, 0.0, -0.2, 0.9, 0.05, 0.0, 0.1, 1.05};
  a.translationMm = {3.0, -4.0, 5.0};
  const Affine3 id = a.compose(a.inverse());
  const Vec3 p{10.0, -20.0, 30.0};
  const Vec3 q = id.apply(p);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(q[i], p[i], 1e-9);
}
