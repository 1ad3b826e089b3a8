#include "strega/core/AtomicOutput.h"
#include "strega/core/CancelToken.h"
#include "strega/core/Error.h"
#include "strega/core/ProgressScope.h"
#include "strega/core/Version.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <unistd.h>

using namespace strega;

TEST(ProgressScope, ChildScopes_MapIntoParentRange) {
  RecordingProgressSink sink;
  {
    ProgressScope root(sink, "run");
    {
      ProgressScope first(root, "load", 0.0, 0.2);
      first.update(0.5);
    }
    {
      ProgressScope second(root, "model", 0.2, 1.0);
      ProgressScope nested(second, "slices", 0.5, 1.0);
      nested.update(0.5); // 0.2 + (0.5 + 0.25) * 0.8 = 0.8
    }
  }
  std::vector<double> fractions;
  for (const auto& e : sink.events())
    if (e.type == RecordingProgressSink::Event::Type::Progress) fractions.push_back(e.value);
  ASSERT_GE(fractions.size(), 4u);
  EXPECT_DOUBLE_EQ(fractions[2], 0.1); // load at 0.5
  EXPECT_NE(std::find(fractions.begin(), fractions.end(), 0.8), fractions.end());
  EXPECT_DOUBLE_EQ(fractions.back(), 1.0);
  const auto timings = sink.stageTimings();
  ASSERT_EQ(timings.size(), 4u);
  EXPECT_EQ(timings[0].first, "run/load");
  EXPECT_EQ(timings[1].first, "run/model/slices");
  EXPECT_EQ(timings[3].first, "run");
}

TEST(ProgressScope, Update_NeverMovesBackwards) {
  RecordingProgressSink sink;
  ProgressScope root(sink, "x");
  root.update(0.6);
  root.update(0.3);
  EXPECT_DOUBLE_EQ(sink.events().back().value, 0.6);
}

TEST(ProgressScope, LeftByException_DoesNotReportFinished) {
  RecordingProgressSink sink;
  try {
    ProgressScope root(sink, "failing");
    throw std::runtime_error("boom");
  } catch (const std::runtime_error&) {
  }
  EXPECT_TRUE(sink.stageTimings().empty());
}

TEST(CancelToken, Copies_ShareFlag_AndUpdateThrowsCancelled) {
  CancelToken token;
  CancelToken copy = token;
  RecordingProgressSink sink;
  ProgressScope root(sink, "work", copy);
  EXPECT_NO_THROW(root.update(0.1));
  token.requestCancel();
  EXPECT_TRUE(copy.isCancelled());
  EXPECT_THROW(root.update(0.2), Cancelled);
  EXPECT_THROW(ProgressScope(root, "child", 0.0, 1.0), Cancelled);
}

TEST(Error, UserMessageAndDetail_KeptApart) {
  const Error e(ErrorKind::InvalidInput, "the file is truncated", "expected 100 bytes at offset 352");
  EXPECT_STREQ(e.what(), "the file is truncated");
  EXPECT_EQ(e.detail(), "expected 100 bytes at offset 352");
  EXPECT_EQ(e.kind(), ErrorKind::InvalidInput);
  EXPECT_STREQ(toString(ErrorKind::Io), "file system error");
}

TEST(AtomicOutput, Commit_RenamesIntoPlace_KeepsExtensions) {
  const auto dir = std::filesystem::temp_directory_path() / ("strega_atomic_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    AtomicOutput out(dir / "mask.nii.gz");
    EXPECT_EQ(out.tempPath().parent_path(), dir);
    EXPECT_TRUE(out.tempPath().string().ends_with(".nii.gz"));
    std::ofstream(out.tempPath()) << "data";
    EXPECT_FALSE(std::filesystem::exists(dir / "mask.nii.gz"));
    out.commit();
  }
  EXPECT_TRUE(std::filesystem::exists(dir / "mask.nii.gz"));
  std::filesystem::remove_all(dir);
}

TEST(AtomicOutput, NotCommitted_RemovesTemporaryAndLeavesNoTarget) {
  const auto dir = std::filesystem::temp_directory_path() / ("strega_atomic2_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    AtomicOutput out(dir / "report.json");
    std::ofstream(out.tempPath()) << "partial";
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir));
  writeFileAtomically(dir / "a.txt", "hello");
  std::ifstream in(dir / "a.txt");
  std::string s;
  in >> s;
  EXPECT_EQ(s, "hello");
  std::filesystem::remove_all(dir);
}

TEST(Version, VersionString_IsSemantic) {
  EXPECT_STREQ(versionString(), "0.1.0");
  EXPECT_NE(std::string(gitCommit()), "");
}
