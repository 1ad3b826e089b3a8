#pragma once
/// \file
/// \brief ProgressSink: the toolkit-free receiver of progress, stage timings and warnings.

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace strega {

/// \brief Receives progress from long-running work. Implementations: terminal bar (app), Qt bridge (ui),
/// RecordingProgressSink (tests), NullProgressSink.
///
/// Fractions are of the whole job, in [0, 1], non-decreasing. Stage names nest with '/' ("preprocess/N4").
/// Calls arrive from the worker thread; implementations that touch a GUI must queue.
class ProgressSink {
public:
  virtual ~ProgressSink() = default;
  virtual void stageStarted(std::string_view stage) {}
  virtual void progress(double overallFraction, std::string_view stage, std::string_view message) = 0;
  virtual void stageFinished(std::string_view stage, double seconds) {}
  virtual void warning(std::string_view message) {}
};

/// \brief A sink that ignores everything.
class NullProgressSink final : public ProgressSink {
public:
  void progress(double, std::string_view, std::string_view) override {}
};

/// \brief A thread-safe sink that records every event; used by tests and to collect stage timings.
class RecordingProgressSink : public ProgressSink {
public:
  struct Event {
    enum class Type { Started, Progress, Finished, Warning } type;
    std::string stage;
    double value = 0.0; ///< overall fraction for Progress, seconds for Finished
    std::string message;
  };

  void stageStarted(std::string_view stage) override;
  void progress(double overallFraction, std::string_view stage, std::string_view message) override;
  void stageFinished(std::string_view stage, double seconds) override;
  void warning(std::string_view message) override;

  std::vector<Event> events() const;
  /// (stage, seconds) of every finished stage, in the order they finished.
  std::vector<std::pair<std::string, double>> stageTimings() const;
  std::vector<std::string> warnings() const;

private:
  mutable std::mutex m_mutex;
  std::vector<Event> m_events;
};

} // namespace strega
