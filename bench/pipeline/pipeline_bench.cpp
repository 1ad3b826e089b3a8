// pipeline_bench: StRegA end to end on this machine.
//   1. One case, --runs times: median wall time per stage and in total, peak resident memory.
//   2. Batch overhead: the cases run one by one (runCase + writeCaseOutputs, as `strega-cli run` does, model
//      loaded once) against runBatch over a folder of the same cases at each --jobs value; ratios printed.
// Usage: pipeline_bench [--runs N] [--jobs 1,2] [--no-batch] CASE...   (default CASE: Colin27 ch2)
#include "strega/core/Error.h"
#include "strega/core/ProgressScope.h"
#include "strega/core/ProgressSink.h"
#include "strega/model/CceVae.h"
#include "strega/model/Checkpoint.h"
#include "strega/pipeline/Batch.h"
#include "strega/pipeline/CaseRunner.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace strega;

namespace {

double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double peakRssMb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

double seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

std::vector<int> parseList(const std::string& text) {
  std::vector<int> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t comma = text.find(',', pos);
    out.push_back(std::stoi(text.substr(pos, comma - pos)));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

} // namespace

int main(int argc, char** argv) {
  int runs = 3;
  std::vector<int> jobsList{1, 2};
  bool batch = true;
  std::vector<fs::path> cases;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc)
      runs = std::max(1, std::atoi(argv[++i]));
    else if (a == "--jobs" && i + 1 < argc)
      jobsList = parseList(argv[++i]);
    else if (a == "--no-batch")
      batch = false;
    else if (a == "-h" || a == "--help") {
      std::puts("usage: pipeline_bench [--runs N] [--jobs 1,2] [--no-batch] CASE...");
      return 0;
    } else
      cases.emplace_back(a);
  }
  if (cases.empty()) cases.emplace_back("/usr/share/mricron/templates/ch2.nii.gz");

  try {
    pipeline::RunOptions options;
    options.modelPath = pipeline::defaultModelPath();
    options.htmlReport = false; // the report's rendering is measured by the report's own tests
    model::CceVae net = model::loadModel(options.modelPath);
    NullProgressSink sink;
    const fs::path scratch = fs::temp_directory_path() / ("strega-pipeline-bench-" + std::to_string(::getpid()));
    fs::create_directories(scratch);

    // 1. One case, several runs.
    const pipeline::CaseInput first = pipeline::resolveCase(cases.front());
    std::map<std::string, std::vector<double>> stageTimes;
    std::vector<std::string> stageOrder;
    std::vector<double> totals, writes;
    for (int r = 0; r < runs; ++r) {
      ProgressScope scope(sink, "");
      const auto t0 = std::chrono::steady_clock::now();
      pipeline::CaseResult result = pipeline::runCase(first, net, options, scope);
      const auto t1 = std::chrono::steady_clock::now();
      pipeline::writeCaseOutputs(result, scratch / "single", options);
      writes.push_back(seconds(t1));
      totals.push_back(seconds(t0));
      for (const auto& t : result.timings) {
        if (!stageTimes.count(t.stage)) stageOrder.push_back(t.stage);
        stageTimes[t.stage].push_back(t.seconds);
      }
      if (r == 0)
        std::printf("case %s: %zu findings, %s, %s\n", first.id.c_str(), result.findings.size(),
                    result.registered ? "registered" : "not registered", result.device.c_str());
    }
    std::printf("\n== one case end to end, median of %d runs (%ld cores) ==\n", runs, sysconf(_SC_NPROCESSORS_ONLN));
    for (const auto& s : stageOrder) std::printf("  %-34s %7.2f s\n", s.c_str(), median(stageTimes[s]));
    std::printf("  %-34s %7.2f s\n", "write outputs", median(writes));
    std::printf("  %-34s %7.2f s   (goal <= 45 s)\n", "total", median(totals));
    std::printf("  peak resident memory               %7.0f MB\n", peakRssMb());

    if (batch) {
      // 2. Batch against single runs of the same cases.
      const fs::path in = scratch / "cases";
      fs::create_directories(in);
      std::vector<pipeline::CaseInput> inputs;
      for (std::size_t i = 0; i < cases.size(); ++i) {
        const std::string name = fs::is_directory(cases[i]) ? "case" + std::to_string(i)
                                                            : "case" + std::to_string(i) + ".nii.gz";
        fs::create_symlink(fs::absolute(cases[i]), in / name);
        inputs.push_back(pipeline::resolveCase(in / name));
      }
      double single = 0.0;
      for (const auto& c : inputs) {
        const auto t0 = std::chrono::steady_clock::now();
        ProgressScope scope(sink, "");
        pipeline::CaseResult result = pipeline::runCase(c, net, options, scope);
        pipeline::writeCaseOutputs(result, scratch / "singles" / c.id, options);
        single += seconds(t0);
      }
      std::printf("\n== batch of %zu cases against the sum of single runs ==\n", inputs.size());
      std::printf("  single runs one after another       %7.2f s\n", single);
      for (int jobs : jobsList) {
        pipeline::BatchOptions b;
        b.run = options;
        b.jobs = jobs;
        const fs::path out = scratch / ("batch-" + std::to_string(jobs));
        const auto t0 = std::chrono::steady_clock::now();
        const pipeline::BatchSummary summary = pipeline::runBatch(in, out, b, sink);
        const double t = seconds(t0);
        std::printf("  batch --jobs %-2d                     %7.2f s   %+.1f %% vs single runs (%zu done, %zu failed)\n",
                    jobs, t, 100.0 * (t / single - 1.0), summary.count(pipeline::CaseStatus::Done),
                    summary.count(pipeline::CaseStatus::Failed));
      }
      std::printf("  peak resident memory               %7.0f MB\n", peakRssMb());
    }
    std::error_code ec;
    fs::remove_all(scratch, ec);
  } catch (const Error& e) {
    std::fprintf(stderr, "pipeline_bench: %s (%s)\n", e.userMessage().c_str(), e.detail().c_str());
    return 1;
  }
  return 0;
}
