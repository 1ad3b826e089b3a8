#include "strega/pipeline/Batch.h"

#include "strega/core/AtomicOutput.h"
#include "strega/core/Error.h"
#include "strega/core/ProgressScope.h"
#include "strega/core/Version.h"
#include "strega/model/CceVae.h"
#include "strega/model/Checkpoint.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace strega::pipeline {
namespace fs = std::filesystem;
using nlohmann::json;

const char* toString(CaseStatus status) {
  switch (status) {
  case CaseStatus::Done: return "done";
  case CaseStatus::Skipped: return "skipped";
  case CaseStatus::Failed: return "failed";
  case CaseStatus::Cancelled: return "cancelled";
  case CaseStatus::Pending: return "pending";
  }
  return "?";
}

std::size_t BatchSummary::count(CaseStatus status) const {
  return static_cast<std::size_t>(
    std::count_if(rows.begin(), rows.end(), [&](const BatchRow& r) { return r.status == status; }));
}

Shard parseShard(const std::string& text) {
  Shard s;
  char slash = 0;
  std::istringstream in(text);
  if (!(in >> s.index >> slash >> s.count) || slash != '/' || !in.eof() || s.count < 1 || s.index < 1 ||
      s.index > s.count)
    throw Error(ErrorKind::InvalidArgument, "--shard must be i/N with 1 <= i <= N (got '" + text + "')");
  return s;
}

std::pair<std::size_t, std::size_t> shardRange(std::size_t n, const Shard& shard) {
  const auto i = static_cast<std::size_t>(shard.index - 1);
  const auto N = static_cast<std::size_t>(shard.count);
  return {i * n / N, (i + 1) * n / N};
}

namespace {

/// Aggregates the fractions of the cases in flight into one overall fraction for the batch's sink.
class BatchProgress {
public:
  BatchProgress(ProgressSink& sink, std::size_t cases) : m_sink(sink), m_cases(std::max<std::size_t>(cases, 1)) {}

  void caseFraction(std::size_t slot, double fraction, std::string_view stage) {
    std::lock_guard lock(m_mutex);
    m_inFlight[slot] = fraction;
    report(stage);
  }
  void caseEnded(std::size_t slot, std::string_view what) {
    std::lock_guard lock(m_mutex);
    m_inFlight.erase(slot);
    ++m_done;
    report(what);
  }
  /// Warnings that every case would repeat (the CPU fallback) are passed on once, with the first case's id.
  void warning(const std::string& id, std::string_view message) {
    {
      std::lock_guard lock(m_mutex);
      if (!m_warned.insert(std::string(message)).second) return;
    }
    m_sink.warning(id + ": " + std::string(message));
  }

private:
  void report(std::string_view stage) {
    double sum = static_cast<double>(m_done);
    for (const auto& [slot, f] : m_inFlight)
      sum += f;
    const double overall = std::max(m_last, sum / static_cast<double>(m_cases));
    m_last = overall;
    char message[64];
    std::snprintf(message, sizeof message, "%zu/%zu cases", m_done, m_cases);
    m_sink.progress(overall, stage, message);
  }

  ProgressSink& m_sink;
  std::size_t m_cases;
  std::size_t m_done = 0;
  double m_last = 0.0;
  std::map<std::size_t, double> m_inFlight;
  std::set<std::string> m_warned;
  std::mutex m_mutex;
};

/// The per-case sink: forwards the case's fraction into the batch aggregate, warnings with the case's id.
class CaseSink final : public ProgressSink {
public:
  CaseSink(BatchProgress& batch, std::size_t slot, std::string id)
    : m_batch(batch), m_slot(slot), m_id(std::move(id)) {}
  void progress(double overallFraction, std::string_view stage, std::string_view) override {
    m_batch.caseFraction(m_slot, overallFraction, m_id + (stage.empty() ? "" : ": ") + std::string(stage));
  }
  void warning(std::string_view message) override { m_batch.warning(m_id, message); }

private:
  BatchProgress& m_batch;
  std::size_t m_slot;
  std::string m_id;
};

/// The row of an up-to-date earlier result, or nothing when the case must be (re)computed.
std::optional<BatchRow> upToDate(const CaseInput& input, const fs::path& caseDir, const std::string& configPrint,
                                 const std::string& modelPrint) {
  std::error_code ec;
  if (!fs::is_regular_file(caseDir / "mask.nii.gz", ec) || !fs::is_regular_file(caseDir / "report.json", ec))
    return std::nullopt;
  json report;
  try {
    std::ifstream in(caseDir / "report.json");
    report = json::parse(in);
    if (report.at("config_fingerprint").get<std::string>() != configPrint) return std::nullopt;
    if (report.at("model").at("fingerprint").get<std::string>() != modelPrint) return std::nullopt;
    if (report.at("input").at("fingerprint").get<std::string>() != fingerprintPath(input.image)) return std::nullopt;
    BatchRow row;
    row.id = input.id;
    row.input = input.path.string();
    row.status = CaseStatus::Skipped;
    row.reason = "up to date";
    const json& findings = report.at("findings");
    row.findings = findings.size();
    for (const auto& f : findings) {
      const double ml = f.at("volume_ml").get<double>();
      row.totalVolumeMl += ml;
      if (ml > row.largestFindingMl) {
        row.largestFindingMl = ml;
        row.largestRegion = f.value("region", "");
      }
    }
    row.threshold = report.value("threshold", 0.0);
    row.device = report.value("device", "");
    return row;
  } catch (const std::exception&) {
    return std::nullopt; // unreadable or from another version: recompute
  }
}

std::string csvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string number(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

/// \brief This process's staging area in `outputFolder`/.partial: a folder named after the host and pid, and a lock
/// file next to it that the process holds (flock) while it lives. The kernel drops the lock when the process dies,
/// also by SIGKILL, so a later batch can tell a dead batch's leftovers from those of a batch still running (another
/// shard writing into the same folder) and remove only the former.
class StagingArea {
public:
  explicit StagingArea(const fs::path& outputFolder) : m_partial(outputFolder / ".partial") {
    std::error_code ec;
    fs::create_directories(m_partial, ec);
    if (ec) throw Error(ErrorKind::Io, "cannot create the output folder " + outputFolder.string(), ec.message());
    removeStale();
    char host[256] = "host";
    ::gethostname(host, sizeof host - 1);
    const std::string token = std::string(host) + "-" + std::to_string(::getpid());
    m_folder = m_partial / token;
    m_lockFile = m_partial / (token + ".lock");
    m_lock = ::open(m_lockFile.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (m_lock < 0 || ::flock(m_lock, LOCK_EX | LOCK_NB) != 0)
      throw Error(ErrorKind::Io, "cannot create the staging area in " + m_partial.string(), std::strerror(errno));
    fs::remove_all(m_folder, ec);
    fs::create_directories(m_folder, ec);
    if (ec) throw Error(ErrorKind::Io, "cannot create the staging area in " + m_partial.string(), ec.message());
  }
  ~StagingArea() {
    std::error_code ec;
    fs::remove_all(m_folder, ec);
    fs::remove(m_lockFile, ec);
    if (m_lock >= 0) ::close(m_lock);
    fs::remove(m_partial, ec); // only when empty: other shards may still be staging
  }
  StagingArea(const StagingArea&) = delete;
  StagingArea& operator=(const StagingArea&) = delete;

  const fs::path& folder() const { return m_folder; }

private:
  /// Leftovers of batches that died (their lock file is free): staging folders and displaced earlier results.
  void removeStale() {
    std::error_code ec;
    std::vector<fs::path> locks;
    for (fs::directory_iterator it(m_partial, ec), end; !ec && it != end; it.increment(ec))
      if (it->path().extension() == ".lock") locks.push_back(it->path());
    for (const auto& lockFile : locks) {
      const int fd = ::open(lockFile.c_str(), O_RDWR | O_CLOEXEC);
      if (fd < 0) continue;
      if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
        fs::path folder = lockFile;
        folder.replace_extension();
        fs::remove_all(folder, ec);
        fs::remove(lockFile, ec);
      }
      ::close(fd);
    }
  }

  fs::path m_partial, m_folder, m_lockFile;
  int m_lock = -1;
};

/// Temporary files of writeFileAtomically() for `summaryName` (e.g. "summary.csv") left by a killed batch. Only
/// this shard's names: another shard writing into the same folder has its own.
void removeStaleTemporaries(const fs::path& outputFolder, const std::vector<std::string>& summaryNames) {
  std::error_code ec;
  std::vector<fs::path> stale;
  for (fs::directory_iterator it(outputFolder, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    for (const auto& summaryName : summaryNames) {
      const std::string stem = fs::path(summaryName).stem().string();
      if (name.rfind("." + stem + ".tmp-", 0) == 0) stale.push_back(it->path());
    }
  }
  for (const auto& file : stale)
    fs::remove(file, ec);
}

/// Move a finished staging folder into place, replacing an earlier result of the same case; the earlier result
/// is first moved aside into `asideFolder` (the staging area) so that a crash in between leaves no mix of both.
void publishCase(const fs::path& staging, const fs::path& target, const fs::path& asideFolder) {
  std::error_code ec;
  if (fs::exists(target, ec)) {
    const fs::path old = asideFolder / (target.filename().string() + ".old");
    fs::remove_all(old, ec);
    fs::rename(target, old, ec);
    if (ec) throw Error(ErrorKind::Io, "cannot replace the earlier result in " + target.string(), ec.message());
    fs::rename(staging, target, ec);
    if (ec) {
      std::error_code ignored;
      fs::rename(old, target, ignored); // put the earlier result back
      throw Error(ErrorKind::Io, "cannot move the result into " + target.string(), ec.message());
    }
    fs::remove_all(old, ec);
    return;
  }
  fs::rename(staging, target, ec);
  if (ec) throw Error(ErrorKind::Io, "cannot move the result into " + target.string(), ec.message());
}

} // namespace

std::string batchSummaryCsv(const BatchSummary& s) {
  std::string out = "case,status,findings,total_volume_ml,largest_finding_ml,largest_region,threshold,seconds,device,"
                    "input,reason\n";
  for (const auto& r : s.rows) {
    out += csvField(r.id) + "," + toString(r.status) + "," + std::to_string(r.findings) + "," +
           number(r.totalVolumeMl, 3) + "," + number(r.largestFindingMl, 3) + "," + csvField(r.largestRegion) + "," +
           number(r.threshold, 4) + "," + number(r.seconds, 2) + "," + csvField(r.device) + "," + csvField(r.input) +
           "," + csvField(r.reason) + "\n";
  }
  return out;
}

std::string batchSummaryJson(const BatchSummary& s, const BatchOptions& o) {
  json rows = json::array();
  for (const auto& r : s.rows)
    rows.push_back({{"case", r.id},
                    {"status", toString(r.status)},
                    {"findings", r.findings},
                    {"total_volume_ml", r.totalVolumeMl},
                    {"largest_finding_ml", r.largestFindingMl},
                    {"largest_region", r.largestRegion},
                    {"threshold", r.threshold},
                    {"seconds", r.seconds},
                    {"device", r.device},
                    {"input", r.input},
                    {"reason", r.reason}});
  json j = {{"tool", "strega batch"},
            {"version", versionString()},
            {"commit", gitCommit()},
            {"cases_in_folder", s.totalCases},
            {"shard", {{"index", o.shard.index}, {"count", o.shard.count}}},
            {"jobs", o.jobs},
            {"resume", o.resume},
            {"counts",
             {{"done", s.count(CaseStatus::Done)},
              {"skipped", s.count(CaseStatus::Skipped)},
              {"failed", s.count(CaseStatus::Failed)},
              {"cancelled", s.count(CaseStatus::Cancelled)}}},
            {"seconds", s.seconds},
            {"cancelled", s.cancelled},
            {"config", json::parse(runOptionsToJson(o.run))},
            {"cases", rows}};
  return j.dump(2) + "\n";
}

BatchSummary runBatch(const fs::path& inputFolder, const fs::path& outputFolder, const BatchOptions& options,
                      ProgressSink& sink, CancelToken cancel) {
  const auto started = std::chrono::steady_clock::now();
  if (options.jobs < 1) throw Error(ErrorKind::InvalidArgument, "--jobs must be at least 1");
  std::vector<CaseInput> all = findCases(inputFolder, options.run.modality);
  if (all.empty())
    throw Error(ErrorKind::InvalidInput, "no cases found in " + inputFolder.string() +
                                           " (NIfTI/NRRD/MetaImage files, DICOM folders, BraTS case folders)");
  BatchSummary summary;
  summary.totalCases = all.size();
  const auto [begin, end] = shardRange(all.size(), options.shard);
  std::vector<CaseInput> cases(all.begin() + static_cast<std::ptrdiff_t>(begin),
                               all.begin() + static_cast<std::ptrdiff_t>(end));
  summary.rows.resize(cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    summary.rows[i].id = cases[i].id;
    summary.rows[i].input = cases[i].path.string();
    summary.rows[i].status = CaseStatus::Pending;
  }

  const StagingArea stagingArea(outputFolder);
  const std::string suffix = options.shard.count > 1 ? "-shard-" + std::to_string(options.shard.index) + "-of-" +
                                                         std::to_string(options.shard.count)
                                                     : "";
  const fs::path csvPath = outputFolder / ("summary" + suffix + ".csv");
  const fs::path jsonPath = outputFolder / ("summary" + suffix + ".json");
  removeStaleTemporaries(outputFolder, {csvPath.filename().string(), jsonPath.filename().string()});

  RunOptions runOptions = options.run;
  if (runOptions.modelPath.empty()) runOptions.modelPath = defaultModelPath();
  const int hardware = std::max(1u, std::thread::hardware_concurrency());
  const int jobs = std::min<int>(options.jobs, static_cast<int>(std::max<std::size_t>(cases.size(), 1)));
  // Share the cores between the jobs unless told otherwise (oversubscribed OpenMP threads are very slow).
  if (runOptions.inference.threads <= 0) runOptions.inference.threads = std::max(1, hardware / jobs);
  const std::string configPrint = configFingerprint(runOptions);
  const std::string modelPrint = modelFileFingerprint(runOptions.modelPath);

  std::mutex summaryMutex;
  auto writeSummary = [&] {
    summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    writeFileAtomically(csvPath, batchSummaryCsv(summary));
    writeFileAtomically(jsonPath, batchSummaryJson(summary, options));
  };

  BatchProgress aggregate(sink, cases.size());
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::exception_ptr fatal;

  auto worker = [&](std::size_t slot) {
    std::optional<model::CceVae> net;
    while (!stop) {
      const std::size_t i = next++;
      if (i >= cases.size()) break;
      const CaseInput& input = cases[i];
      const fs::path target = outputFolder / input.id;
      BatchRow row;
      row.id = input.id;
      row.input = input.path.string();
      const auto caseStart = std::chrono::steady_clock::now();
      std::error_code ec; // per worker: the workers run at the same time
      fs::path staging;
      try {
        if (cancel.isCancelled()) throw Cancelled();
        if (options.resume) {
          if (auto done = upToDate(input, target, configPrint, modelPrint)) {
            std::lock_guard lock(summaryMutex);
            summary.rows[i] = *done;
            writeSummary();
            aggregate.caseEnded(slot, input.id + ": up to date");
            continue;
          }
        }
        if (!net) net.emplace(model::loadModel(runOptions.modelPath));
        CaseSink caseSink(aggregate, slot, input.id);
        ProgressScope scope(caseSink, "", cancel);
        CaseResult result = runCase(input, *net, runOptions, scope);
        staging = stagingArea.folder() / (input.id + "." + std::to_string(slot));
        fs::remove_all(staging, ec);
        writeCaseOutputs(result, staging, runOptions, options.extraWriter);
        publishCase(staging, target, stagingArea.folder());
        row.status = CaseStatus::Done;
        row.findings = result.findings.size();
        for (const auto& f : result.findings) {
          row.totalVolumeMl += f.volumeMl;
          if (f.volumeMl > row.largestFindingMl) {
            row.largestFindingMl = f.volumeMl;
            row.largestRegion = f.region;
          }
        }
        row.threshold = result.threshold;
        row.device = result.device;
      } catch (const Cancelled&) {
        row.status = CaseStatus::Cancelled;
        row.reason = "cancelled";
        stop = true;
      } catch (const Error& e) {
        row.status = CaseStatus::Failed;
        row.reason = e.userMessage();
        // A failed case must not keep an earlier mask: that would read as a result of this run.
        std::error_code ignored;
        fs::remove(target / "mask.nii.gz", ignored);
      } catch (const std::bad_alloc&) {
        row.status = CaseStatus::Failed;
        row.reason = "out of memory";
      } catch (const std::exception& e) {
        row.status = CaseStatus::Failed;
        row.reason = std::string("unexpected failure: ") + e.what();
      }
      if (!staging.empty()) fs::remove_all(staging, ec);
      row.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - caseStart).count();
      {
        std::lock_guard lock(summaryMutex);
        summary.rows[i] = row;
        try {
          writeSummary();
        } catch (...) {
          if (!fatal) fatal = std::current_exception();
          stop = true;
        }
      }
      aggregate.caseEnded(slot, input.id + ": " + toString(row.status));
    }
  };

  std::vector<std::thread> threads;
  for (int t = 1; t < jobs; ++t)
    threads.emplace_back(worker, static_cast<std::size_t>(t));
  worker(0);
  for (auto& t : threads)
    t.join();
  if (fatal) std::rethrow_exception(fatal);

  // Cases never started because the batch was cancelled end as cancelled, not pending.
  for (auto& row : summary.rows)
    if (row.status == CaseStatus::Pending) {
      row.status = CaseStatus::Cancelled;
      row.reason = "not started";
    }
  summary.cancelled = cancel.isCancelled() || summary.count(CaseStatus::Cancelled) > 0;
  writeSummary();
  return summary;
}

} // namespace strega::pipeline
