// Our torch.save reader on a hand-written archive (no Python needed): a transposed, offset tensor inside the
// authors' {'state_dict': ..., 'optimizer': ...} layout, with the APPEND opcode that LibTorch 1.13 rejects.
#include "strega/core/Error.h"
#include "strega/model/Checkpoint.h"

#include <caffe2/serialize/inline_container.h>
#include <gtest/gtest.h>

#include <bit>
#include <filesystem>
#include <unistd.h>

using namespace strega;
using namespace strega::model;
namespace fs = std::filesystem;

namespace {

std::string unicode(const std::string& s) {
  std::string out = "X";
  const auto n = static_cast<std::uint32_t>(s.size());
  for (int i = 0; i < 4; ++i)
    out += static_cast<char>((n >> (8 * i)) & 0xFF);
  return out + s;
}

std::string handPickle() {
  std::string p = "\x80\x02}q";
  p += '\0';
  p += "(" + unicode("state_dict") + "}(" + unicode("model.w");
  p += "ctorch._utils\n_rebuild_tensor_v2\n((" + unicode("storage") + "ctorch\nFloatStorage\n" + unicode("0") +
       unicode("cpu") + "K\x06tQ";
  p += "K\x01K\x02K\x02\x86K\x01K\x02\x86\x89"
       "ccollections\nOrderedDict\n)RtRu";
  p += unicode("optimizer") + "}" + unicode("param_groups") + "]}" + unicode("lr") + "G";
  const auto bits = std::bit_cast<std::uint64_t>(1e-4);
  for (int i = 7; i >= 0; --i)
    p += static_cast<char>((bits >> (8 * i)) & 0xFF);
  p += "sasu.";
  return p;
}

} // namespace

TEST(TorchSaveReader, HandWrittenArchive_StridedTensorInsideAuthorsLayout) {
  const auto path = fs::temp_directory_path() / ("strega-pickle-" + std::to_string(::getpid()) + ".pt");
  {
    caffe2::serialize::PyTorchStreamWriter writer(path.string());
    const std::string pickle = handPickle();
    writer.writeRecord("data.pkl", pickle.data(), pickle.size());
    const float storage[6] = {0, 1, 2, 3, 4, 5};
    writer.writeRecord("data/0", storage, sizeof storage);
    writer.writeEndOfFile();
  }
  CheckpointInfo info;
  const auto weights = readWeights(path, &info);
  EXPECT_EQ(info.format, "torch.save");
  ASSERT_EQ(weights.size(), 1u);
  EXPECT_EQ(weights[0].name, "model.w");
  EXPECT_EQ(weights[0].shape, (std::vector<std::int64_t>{2, 2}));
  // storage[1 + i * 1 + j * 2]
  EXPECT_EQ(weights[0].values, (std::vector<float>{1, 3, 2, 4}));
  // Not a cceVAE: loading names the first missing parameter.
  try {
    loadModel(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Model);
    EXPECT_NE(e.userMessage().find("enc.start.conv.weight"), std::string::npos);
  }
  fs::remove(path);
}
