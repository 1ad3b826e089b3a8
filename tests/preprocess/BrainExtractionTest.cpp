#include "strega/preprocess/BrainExtraction.h"
#include "TestImages.h"
#include "strega/core/CancelToken.h"
#include "strega/core/Metrics.h"
#include "strega/preprocess/BiasCorrection.h"
#include "strega/preprocess/Preprocess.h"

#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <thread>

using namespace strega;
using namespace strega::preprocess;

TEST(DetectSkullStripped, BrainOnZeroBackground_IsDetected) {
  const auto g = testimages::cubeGrid(120, 1.2); // 144 mm field of view
  const Mask brain = testimages::ball(g, 62.0);  // about 1000 mL
  ImageF image(g, 0.0f);
  for (std::size_t n = 0; n < image.voxelCount(); ++n)
    image[n] = brain[n] ? 80.0f : 0.0f;
  const auto check = detectSkullStripped(image);
  EXPECT_TRUE(check.skullStripped);
  EXPECT_NEAR(check.foregroundVolumeMl, volumeMl(brain), 1.0);
}

TEST(DetectSkullStripped, HeadOnNoisyBackground_IsNotDetected) {
  const auto g = testimages::cubeGrid(120, 1.6);
  const Mask head = testimages::ball(g, 90.0); // a 3 L head
  ImageF image(g, 0.0f);
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> noise(0.5f, 3.0f);
  for (std::size_t n = 0; n < image.voxelCount(); ++n)
    image[n] = head[n] ? 80.0f : noise(rng);
  EXPECT_FALSE(detectSkullStripped(image).skullStripped);
}

TEST(DetectSkullStripped, HeadOnZeroBackground_FailsTheVolumeTest) {
  const auto g = testimages::cubeGrid(120, 1.6);
  const Mask head = testimages::ball(g, 90.0);
  ImageF image(g, 0.0f);
  for (std::size_t n = 0; n < image.voxelCount(); ++n)
    image[n] = head[n] ? 80.0f : 0.0f;
  const auto check = detectSkullStripped(image);
  EXPECT_FALSE(check.skullStripped);
  EXPECT_GT(check.foregroundVolumeMl, 2500.0);
}

TEST(RefineBrainMask, ShiftedPropagation_SnapsBackToTheBrain) {
  // GM ball (r 20) in CSF (to r 24); the propagated mask is the ball shifted by one voxel.
  const auto g = testimages::cubeGrid(64);
  const double intensity[3] = {20.0, 70.0, 100.0};
  ImageF image;
  Volume<std::uint8_t> labels;
  testimages::shells(g, 12.0, 20.0, 24.0, intensity, 2.0, 4, image, labels);
  const Mask truth = testimages::ball(g, 20.0);
  Mask shifted(g, 0);
  for (std::size_t k = 0; k < 64; ++k)
    for (std::size_t j = 0; j < 64; ++j)
      for (std::size_t i = 1; i < 64; ++i)
        shifted.at(i, j, k) = truth.at(i - 1, j, k);
  BrainExtractionOptions options;
  options.contrast = Contrast::T1;
  options.tissueMeans = std::array<double, 3>{20.0, 70.0, 100.0};
  options.whiteMatterSd = 2.0;
  const auto refined = refineBrainMask(image, shifted, options);
  EXPECT_GT(dice(refined.mask, truth), dice(shifted, truth) + 0.02);
  EXPECT_GT(dice(refined.mask, truth), 0.99);
}

TEST(CorrectBias, LinearBias_IsRemovedInsideTheMask) {
  const auto g = testimages::cubeGrid(64, 2.0);
  const Mask mask = testimages::ball(g, 55.0);
  ImageF image(g, 0.0f);
  std::mt19937 rng(5);
  std::normal_distribution<double> noise(0.0, 1.0);
  for (std::size_t k = 0; k < 64; ++k)
    for (std::size_t j = 0; j < 64; ++j)
      for (std::size_t i = 0; i < 64; ++i) {
        const Vec3 p = g.indexToPhysical({double(i), double(j), double(k)});
        const double bias = 1.0 + 0.2 * p[0] / 63.0;
        const double tissue = (int(i / 8 + j / 8 + k / 8) % 2) ? 100.0 : 60.0;
        image.at(i, j, k) = static_cast<float>(bias * tissue + noise(rng));
      }
  auto spreadOf = [&](const ImageF& im) {
    // relative spread of the bright class inside the mask
    double s = 0, ss = 0, n = 0;
    for (std::size_t k = 0; k < 64; ++k)
      for (std::size_t j = 0; j < 64; ++j)
        for (std::size_t i = 0; i < 64; ++i)
          if (mask.at(i, j, k) && (int(i / 8 + j / 8 + k / 8) % 2)) {
            const double v = im.at(i, j, k);
            s += v, ss += v * v, n += 1;
          }
    const double mean = s / n;
    return std::sqrt(ss / n - mean * mean) / mean;
  };
  N4Options options;
  options.shrinkFactor = 2;
  const auto corrected = correctBias(image, mask, options);
  EXPECT_LT(spreadOf(corrected.corrected), 0.5 * spreadOf(image));
}

TEST(CorrectBias, CancelledToken_ThrowsCancelled) {
  const auto g = testimages::cubeGrid(32);
  ImageF image(g, 10.0f);
  for (std::size_t n = 0; n < image.voxelCount(); n += 3)
    image[n] = 20.0f;
  NullProgressSink sink;
  CancelToken token;
  ProgressScope scope(sink, "n4", token);
  token.requestCancel();
  EXPECT_THROW(correctBias(image, Mask(g, 1), {}, &scope), Cancelled);
}

TEST(CorrectBias, CancelWhileFitting_StopsWithinAFewIterations) {
  // Random texture and no convergence threshold: 600 iterations, which run for many seconds unless stopped.
  const auto g = testimages::cubeGrid(96);
  ImageF image(g, 0.0f);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> value(50.0f, 150.0f);
  for (std::size_t n = 0; n < image.voxelCount(); ++n)
    image[n] = value(rng);
  N4Options options;
  options.shrinkFactor = 3;
  options.iterations = {200, 200, 200};
  options.convergenceThreshold = 0.0;
  NullProgressSink sink;
  CancelToken token;
  ProgressScope scope(sink, "n4", token);
  std::chrono::steady_clock::time_point cancelledAt;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    cancelledAt = std::chrono::steady_clock::now();
    token.requestCancel();
  });
  EXPECT_THROW(correctBias(image, Mask(g, 1), options, &scope), Cancelled);
  const auto stopped = std::chrono::steady_clock::now();
  canceller.join();
  EXPECT_LT(std::chrono::duration<double>(stopped - cancelledAt).count(), 0.5);
}

TEST(Preprocess, TwoDimensionalImage_IsUnsupported) {
  ImageGeometry g;
  g.size = {256, 256, 1};
  ImageF image(g, 1.0f);
  image[5] = 3.0f;
  NullProgressSink sink;
  ProgressScope scope(sink, "preprocess");
  try {
    preprocess::preprocess(image, {}, scope);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Unsupported);
    EXPECT_NE(e.userMessage().find("a single slice or less"), std::string::npos);
  }
}

TEST(Preprocess, UniformCube_IsInvalidInput) {
  const auto g = testimages::cubeGrid(100, 2.0);
  NullProgressSink sink;
  ProgressScope scope(sink, "preprocess");
  try {
    preprocess::preprocess(ImageF(g, 7.0f), {}, scope);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidInput);
    EXPECT_NE(e.userMessage().find("uniform"), std::string::npos);
  }
}

TEST(Preprocess, NineMillimetreSlices_AreUnsupported) {
  ImageGeometry g;
  g.size = {200, 200, 20};
  g.spacingMm = {1.0, 1.0, 9.0};
  ImageF image(g, 1.0f);
  image[7] = 2.0f;
  NullProgressSink sink;
  ProgressScope scope(sink, "preprocess");
  try {
    preprocess::preprocess(image, {}, scope);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Unsupported);
  }
}

TEST(Preprocess, SkipRegistrationOnAHead_IsRefused) {
  const auto g = testimages::cubeGrid(100, 2.0);
  ImageF image(g, 1.0f);
  const Mask head = testimages::ball(g, 80.0);
  for (std::size_t n = 0; n < image.voxelCount(); ++n)
    image[n] = head[n] ? 80.0f : 1.0f;
  PreprocessOptions options;
  options.registrationMode = RegistrationMode::Skip;
  NullProgressSink sink;
  ProgressScope scope(sink, "preprocess");
  try {
    preprocess::preprocess(image, options, scope);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
  }
}

TEST(Preprocess, SkullStrippedInSkipMode_UsesTheInputGridAndItsMask) {
  // A synthetic skull-stripped "brain" of shells: registration skipped, mask = non-zero region, tissue found.
  const auto g = testimages::cubeGrid(110, 1.2);
  const double intensity[3] = {30.0, 75.0, 110.0};
  ImageF image;
  Volume<std::uint8_t> labels;
  testimages::shells(g, 40.0, 55.0, 58.0, intensity, 3.0, 11, image, labels); // CSF is the smallest class
  for (std::size_t n = 0; n < image.voxelCount(); ++n)
    if (labels[n]) image[n] = std::max(image[n], 1.0f);
  PreprocessOptions options;
  options.registrationMode = RegistrationMode::Skip;
  RecordingProgressSink sink;
  ProgressScope scope(sink, "preprocess");
  const auto result = preprocess::preprocess(image, options, scope);
  EXPECT_FALSE(result.registered);
  EXPECT_TRUE(result.skullStrippedInput);
  EXPECT_TRUE(result.workingGeometry.sameGrid(g));
  Mask truth(g, 0);
  for (std::size_t n = 0; n < truth.voxelCount(); ++n)
    truth[n] = labels[n] ? 1 : 0;
  EXPECT_EQ(dice(result.nativeBrainMask, truth), 1.0);
  EXPECT_EQ(result.contrast, Contrast::T1);
  EXPECT_GT(dice(result.tissue.labels.maskOf(3),
                 [&] {
                   Mask m(g, 0);
                   for (std::size_t n = 0; n < m.voxelCount(); ++n)
                     m[n] = labels[n] == 3;
                   return m;
                 }()),
            0.97);
  // Every stage reported its time, to the sink and in the result.
  EXPECT_FALSE(result.timings.empty());
  EXPECT_FALSE(sink.stageTimings().empty());
}
