#pragma once
// Internal: a child ProgressScope that also appends its wall time to a StageTimings list when it completes.

#include "strega/core/ProgressScope.h"
#include "strega/core/ProgressSink.h"
#include "strega/preprocess/StageTiming.h"

#include <chrono>
#include <exception>
#include <optional>

namespace strega::preprocess::detail {

class TimedStage {
public:
  /// A child of `parent` spanning [begin, end] of it; without a parent the stage reports to a null sink.
  TimedStage(ProgressScope* parent, std::string_view name, double begin, double end, StageTimings* timings)
    : m_name(name), m_timings(timings), m_uncaught(std::uncaught_exceptions()),
      m_start(std::chrono::steady_clock::now()) {
    if (parent)
      m_scope.emplace(*parent, name, begin, end);
    else
      m_scope.emplace(nullSink(), std::string(name));
  }
  ~TimedStage() {
    if (std::uncaught_exceptions() > m_uncaught || !m_timings) return;
    m_timings->push_back({m_name, std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count()});
  }
  TimedStage(const TimedStage&) = delete;
  TimedStage& operator=(const TimedStage&) = delete;

  ProgressScope& scope() { return *m_scope; }
  ProgressScope* operator->() { return &*m_scope; }

private:
  static ProgressSink& nullSink() {
    static NullProgressSink sink;
    return sink;
  }
  std::string m_name;
  StageTimings* m_timings;
  int m_uncaught;
  std::chrono::steady_clock::time_point m_start;
  std::optional<ProgressScope> m_scope;
};

} // namespace strega::preprocess::detail
