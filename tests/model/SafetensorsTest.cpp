#include "strega/model/Safetensors.h"
#include "strega/core/Error.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

using namespace strega;
using namespace strega::model;

namespace {

/// A safetensors file written by hand: header JSON and raw little-endian data.
std::string handMade(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  const std::uint64_t n = header.size();
  std::memcpy(out.data(), &n, 8);
  return out + header + data;
}

std::string floats(std::initializer_list<float> values) {
  std::string s;
  for (float v : values)
    s.append(reinterpret_cast<const char*>(&v), 4);
  return s;
}

} // namespace

TEST(Safetensors, HandWrittenFile_ParsesNamesShapesValuesAndMetadata) {
  const std::string header =
    R"({"__metadata__":{"format":"pt"},"b.w":{"dtype":"F32","shape":[2],"data_offsets":[12,20]},)"
    R"( "a\"x":{"dtype":"F32","shape":[3,1],"data_offsets":[0,12]}})";
  const auto file = SafetensorsFile::parse(handMade(header, floats({1, 2, 3, 4.5f, -5})));
  ASSERT_EQ(file.entries().size(), 2u);
  EXPECT_EQ(file.entries()[0].name, "a\"x"); // sorted by offset
  EXPECT_EQ(file.metadata().at("format"), "pt");
  const auto t = file.tensors();
  EXPECT_EQ(t[0].shape, (std::vector<std::int64_t>{3, 1}));
  EXPECT_EQ(t[0].values, (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(t[1].values, (std::vector<float>{4.5f, -5}));
}

TEST(Safetensors, HalfAndBfloat16_ConvertExactly) {
  // F16 0x3C00 = 1, 0xC000 = -2, 0x0001 = 2^-24 (subnormal); BF16 0x3FC0 = 1.5.
  std::string data;
  for (std::uint16_t h : {0x3C00, 0xC000, 0x0001, 0x3FC0})
    data.append(reinterpret_cast<const char*>(&h), 2);
  const std::string header =
    R"({"h":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},"b":{"dtype":"BF16","shape":[1],"data_offsets":[6,8]}})";
  const auto file = SafetensorsFile::parse(handMade(header, data));
  const auto t = file.tensors();
  EXPECT_EQ(t[0].values, (std::vector<float>{1.0f, -2.0f, std::ldexp(1.0f, -24)}));
  EXPECT_EQ(t[1].values, (std::vector<float>{1.5f}));
}

TEST(Safetensors, Encode_RoundTripsAndAlignsHeader) {
  std::vector<NamedTensor> tensors{{"model.x", {2, 2}, {1, 2, 3, 4}}, {"y", {1}, {0.5f}}};
  const auto bytes = encodeSafetensors(tensors, {{"k", "v\"q"}});
  std::uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ((8 + n) % 8, 0u);
  const auto file = SafetensorsFile::parse(bytes);
  EXPECT_EQ(file.metadata().at("k"), "v\"q");
  const auto back = file.tensors();
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].name, "model.x");
  EXPECT_EQ(back[0].values, tensors[0].values);
  EXPECT_EQ(back[1].shape, tensors[1].shape);
}

TEST(Safetensors, TruncatedOrInconsistent_ThrowsModelError) {
  std::vector<NamedTensor> tensors{{"x", {4}, {1, 2, 3, 4}}};
  const auto bytes = encodeSafetensors(tensors);
  for (std::size_t cut : {std::size_t{3}, std::size_t{20}, bytes.size() - 1}) {
    try {
      SafetensorsFile::parse(bytes.substr(0, cut));
      FAIL() << cut;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::Model);
    }
  }
  // Shape that does not fit its byte range.
  EXPECT_THROW(
    SafetensorsFile::parse(handMade(R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", floats({1, 2}))),
    Error);
  EXPECT_THROW(
    SafetensorsFile::parse(handMade(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})", floats({1, 2}))),
    Error);
  EXPECT_THROW(
    SafetensorsFile::parse(handMade(R"({"\uZZZZ":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", floats({1, 2}))),
    Error);
}
