#include "strega/core/Error.h"
#include "strega/core/Math.h"

#include <gtest/gtest.h>

using namespace strega;

TEST(Math, Inverse_TimesMatrix_IsIdentity) {
  const Mat3 m{2, 0, 1, 0, 3, 0, 1, 0, 1};
  EXPECT_DOUBLE_EQ(determinant(m), 3.0);
  EXPECT_LT(maxAbsDifference(multiply(m, inverse(m)), identityMatrix()), 1e-12);
}

TEST(Math, Inverse_Singular_Throws) {
  EXPECT_THROW(inverse(Mat3{1, 2, 3, 2, 4, 6, 0, 0, 1}), Error);
}

TEST(Math, CrossAndNormalize_UnitAxes) {
  const Vec3 z = cross({1, 0, 0}, {0, 1, 0});
  EXPECT_EQ(z, (Vec3{0, 0, 1}));
  EXPECT_DOUBLE_EQ(norm(normalized({3, 4, 0})), 1.0);
  EXPECT_THROW(normalized({0, 0, 0}), Error);
}
