#include "strega/model/ModelConfig.h"
#include "strega/core/Error.h"

#include <gtest/gtest.h>

using namespace strega;
using namespace strega::model;

TEST(ModelConfig, ReferenceParameterSpecs_MatchTheAuthorsNamesAndShapes) {
  const std::vector<ParameterSpec> expected = {
    {"enc.start.conv.weight", {16, 1, 3, 3}},
    {"enc.start.activation.weight", {1}},
    {"enc.middle_blocks.1.conv.weight", {64, 16, 3, 3}},
    {"enc.middle_blocks.1.activation.weight", {1}},
    {"enc.middle_blocks.3.conv.weight", {256, 64, 3, 3}},
    {"enc.middle_blocks.3.activation.weight", {1}},
    {"enc.middle_blocks.5.conv.weight", {1024, 256, 3, 3}},
    {"enc.middle_blocks.5.activation.weight", {1}},
    {"enc.end.conv.weight", {2048, 1024, 16, 16}},
    {"dec.start.conv.weight", {1024, 1024, 16, 16}},
    {"dec.start.activation.weight", {1}},
    {"dec.middle_blocks.1.conv.weight", {1024, 256, 4, 4}},
    {"dec.middle_blocks.1.activation.weight", {1}},
    {"dec.middle_blocks.3.conv.weight", {256, 64, 4, 4}},
    {"dec.middle_blocks.3.activation.weight", {1}},
    {"dec.middle_blocks.5.conv.weight", {64, 16, 4, 4}},
    {"dec.middle_blocks.5.activation.weight", {1}},
    {"dec.end.conv.weight", {16, 1, 4, 4}},
  };
  const auto specs = parameterSpecs(ModelConfig::reference());
  ASSERT_EQ(specs.size(), 18u);
  for (std::size_t i = 0; i < specs.size(); ++i) {
    EXPECT_EQ(specs[i].name, expected[i].name) << i;
    EXPECT_EQ(specs[i].shape, expected[i].shape) << specs[i].name;
  }
  EXPECT_EQ(parameterCount(ModelConfig::reference()), 812295576);
}

TEST(ModelConfig, Compact_HasAFewMillionParametersUnder25MB) {
  const auto c = ModelConfig::compact();
  EXPECT_EQ(c.inputSize, 128);
  EXPECT_EQ(parameterSpecs(c).size(), 18u);
  // 16*9 + 32*16*9 + 64*32*9 + 128*64*9 + 256*128*64 + 128*128*64 + 128*64*16 + 64*32*16 + 32*16*16 + 16*16 + 8
  EXPECT_EQ(parameterCount(c), 144 + 4608 + 18432 + 73728 + 2097152 + 1048576 + 131072 + 32768 + 8192 + 256 + 8);
  EXPECT_LT(parameterCount(c) * 4, 25'000'000);
  EXPECT_DOUBLE_EQ(c.pixelSizeMm(), 240.0 / 128.0);
}

TEST(ModelConfig, KeyValueText_RoundTrips) {
  auto c = ModelConfig::reference();
  c.fieldOfViewMm = 240.5;
  const auto back = ModelConfig::fromKeyValueText(c.toKeyValueText());
  EXPECT_EQ(back, c);
}

TEST(ModelConfig, NameFromShape_NamedOnlyWhileArchitectureAndFieldOfViewMatch) {
  EXPECT_EQ(ModelConfig::reference().nameFromShape(), "reference");
  EXPECT_EQ(ModelConfig::compact().nameFromShape(), "compact");
  auto c = ModelConfig::compact();
  c.fieldOfViewMm = 192.0; // the shipped model: the compact network on 1.5 mm pixels
  EXPECT_EQ(c.nameFromShape(), "custom");
  c = ModelConfig::compact();
  c.latentDim = 256;
  EXPECT_EQ(c.nameFromShape(), "custom");
  c = ModelConfig::reference();
  c.featureMaps[0] = 8;
  EXPECT_EQ(c.nameFromShape(), "custom");
}

TEST(ModelConfig, MalformedText_Throws) {
  EXPECT_THROW(ModelConfig::fromKeyValueText("name=x\ninput_size=abc\n"), Error);
  EXPECT_THROW(ModelConfig::fromKeyValueText("name=x\n"), Error);
  EXPECT_THROW(ModelConfig::byName("huge"), Error);
  ModelConfig bad;
  bad.inputSize = 100;
  EXPECT_THROW(bad.validate(), Error);
}

TEST(ModelConfig, ForwardFlops_CompactByHand) {
  const auto c = ModelConfig::compact();
  // Multiply-adds per layer (conv: out pixels; transposed: in pixels) x 2.
  const double macs = 64.0 * 64 * 16 * 1 * 9 + 32.0 * 32 * 32 * 16 * 9 + 16.0 * 16 * 64 * 32 * 9 +
                      8.0 * 8 * 128 * 64 * 9 + 1.0 * 256 * 128 * 64 + 1.0 * 128 * 128 * 64 + 8.0 * 8 * 128 * 64 * 16 +
                      16.0 * 16 * 64 * 32 * 16 + 32.0 * 32 * 32 * 16 * 16 + 64.0 * 64 * 16 * 1 * 16;
  EXPECT_DOUBLE_EQ(forwardFlopsPerSlice(c), 2.0 * macs);
}
