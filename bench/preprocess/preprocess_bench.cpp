// preprocess_bench: how long each pre-processing stage takes on a 181 x 217 x 181 head, and the peak memory.
//
// Usage: preprocess_bench [--runs N] [--t2] [--input FILE.nii.gz] [--no-deformable]
// Without --input it generates a T1 (or --t2) head from Colin27 on a 181 x 217 x 181, 1 mm grid (random affine,
// elastic deformation, bias, Rician noise; seed 1). Runs strega::preprocess::preprocess N times (default 5) and
// prints the median wall time of every stage, the median total and its CPU time, and the process's peak resident
// memory (getrusage). As a reference measured in the same run it times one full-resolution linear resampling of the
// head through ITK's ResampleImageFilter, and prints each stage as a multiple of it. Target (issue 3): whole
// pre-processing <= 20 s on 2 cores, peak memory <= 2 GB.
#include "NiftiFiles.h"

#include "strega/preprocess/Atlas.h"
#include "strega/preprocess/Preprocess.h"
#include "strega/simulate/HeadGenerator.h"

#include <itkLinearInterpolateImageFunction.h>
#include <itkResampleImageFilter.h>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <string>
#include <vector>

using namespace strega;

namespace {

double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

double peakRssMb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return double(usage.ru_maxrss) / 1024.0; // kB on Linux
}

double resampleReferenceSeconds(const ImageF& image) {
  auto input = itkbridge::toItk(image);
  using Image = itk::Image<float, 3>;
  auto resample = itk::ResampleImageFilter<Image, Image>::New();
  resample->SetInput(input);
  resample->SetReferenceImage(input);
  resample->UseReferenceImageOn();
  resample->SetInterpolator(itk::LinearInterpolateImageFunction<Image, double>::New());
  const auto start = std::chrono::steady_clock::now();
  resample->Update();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

int main(int argc, char** argv) {
  int runs = 5;
  bool t2 = false, deformable = true;
  std::string input;
  for (int a = 1; a < argc; ++a) {
    const std::string arg = argv[a];
    if (arg == "--runs" && a + 1 < argc)
      runs = std::max(1, std::atoi(argv[++a]));
    else if (arg == "--t2")
      t2 = true;
    else if (arg == "--no-deformable")
      deformable = false;
    else if (arg == "--input" && a + 1 < argc)
      input = argv[++a];
    else {
      std::fprintf(stderr, "usage: preprocess_bench [--runs N] [--t2] [--input FILE.nii.gz] [--no-deformable]\n");
      return 2;
    }
  }
  try {
    ImageF head;
    if (!input.empty()) {
      head = benchtools::readFloatImage(input);
    } else {
      simulate::HeadOptions options;
      options.seed = 1;
      options.contrast = t2 ? simulate::ImageContrast::T2 : simulate::ImageContrast::T1;
      ImageGeometry grid;
      grid.size = {181, 217, 181};
      grid.direction = {-1, 0, 0, 0, -1, 0, 0, 0, 1};
      grid.originMm = subtract(Vec3{0.0, -17.0, 18.0}, multiply(grid.indexToPhysicalMatrix(), Vec3{90.0, 108.0, 90.0}));
      options.nativeGrid = grid;
      head = simulate::generateHead(options).image;
    }
    preprocess::sharedAtlas(); // loaded once, as a long-running program would
    const auto& s = head.size();
    std::printf("preprocess_bench: %zu x %zu x %zu head (%s), %d runs, ITK threads %u\n", s[0], s[1], s[2],
                input.empty() ? (t2 ? "generated T2" : "generated T1") : input.c_str(), runs,
                itk::MultiThreaderBase::GetGlobalDefaultNumberOfThreads());

    preprocess::PreprocessOptions options;
    options.registration.deformable = deformable;
    std::map<std::string, std::vector<double>> stages;
    std::vector<std::string> order;
    std::vector<double> totals, cpus;
    for (int r = 0; r < runs; ++r) {
      NullProgressSink sink;
      ProgressScope scope(sink, "preprocess");
      const auto start = std::chrono::steady_clock::now();
      const std::clock_t cpuStart = std::clock();
      const auto result = preprocess::preprocess(head, options, scope);
      totals.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      cpus.push_back(double(std::clock() - cpuStart) / CLOCKS_PER_SEC);
      for (const auto& t : result.timings) {
        if (!stages.count(t.stage)) order.push_back(t.stage);
        stages[t.stage].push_back(t.seconds);
      }
      std::printf("  run %d: %.2f s wall, %.2f s cpu%s\n", r + 1, totals.back(), cpus.back(),
                  result.registration.deformationAccepted ? "" : " (deformation dropped)");
    }
    const double reference =
      median({resampleReferenceSeconds(head), resampleReferenceSeconds(head), resampleReferenceSeconds(head)});
    std::printf("\nmedian seconds per stage (x reference = one ITK linear resampling of the head, %.3f s):\n",
                reference);
    for (const auto& name : order)
      std::printf("  %-22s %7.3f s  %6.1f x\n", name.c_str(), median(stages[name]), median(stages[name]) / reference);
    const double total = median(totals);
    std::printf("  %-22s %7.3f s  %6.1f x   (cpu %.2f s; target <= 20 s)\n", "total", total, total / reference,
                median(cpus));
    const double rss = peakRssMb();
    std::printf("peak resident memory: %.0f MB (target <= 2048 MB)\n", rss);
    return total <= 20.0 && rss <= 2048.0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "preprocess_bench: %s\n", e.what());
    return 1;
  }
}
