#pragma once
/// \file
/// \brief ProgressScope: RAII stage scope that maps a child's 0..1 progress into its parent's range.

#include "strega/core/CancelToken.h"
#include "strega/core/ProgressSink.h"

#include <chrono>
#include <string>
#include <string_view>

namespace strega {

/// \brief One stage of a job. A root scope spans the sink's whole 0..1; a child scope takes [begin, end] of
/// its parent's range, so each stage reports its own 0..1 without knowing where it sits in the job.
///
/// Construction reports stageStarted; destruction reports completion (fraction 1) and stageFinished with the
/// elapsed wall time, unless the scope is being left by an exception. update() also polls the cancel token and
/// throws strega::Cancelled, so every progress report is a cancellation point. Not thread-safe: one thread owns
/// a scope (several threads may each own a child of the same sink if the sink is thread-safe).
class ProgressScope {
public:
  ProgressScope(ProgressSink& sink, std::string stage, CancelToken cancel = CancelToken());
  ProgressScope(ProgressScope& parent, std::string_view stage, double begin, double end);
  ~ProgressScope();

  ProgressScope(const ProgressScope&) = delete;
  ProgressScope& operator=(const ProgressScope&) = delete;

  /// Report this stage's own fraction in [0, 1] (clamped, never moving backwards); throws Cancelled if asked.
  void update(double fraction, std::string_view message = {});
  /// Throws strega::Cancelled when cancellation was requested.
  void throwIfCancelled() const { m_cancel.throwIfCancelled(); }
  /// Forward a warning to the sink (collected by callers into their results).
  void warn(std::string_view message);

  const CancelToken& cancelToken() const { return m_cancel; }
  ProgressSink& sink() const { return m_sink; }
  const std::string& stage() const { return m_stage; }
  /// Overall fraction for this stage's own fraction f.
  double toOverall(double fraction) const;

private:
  ProgressSink& m_sink;
  CancelToken m_cancel;
  std::string m_stage;
  double m_begin = 0.0;
  double m_end = 1.0;
  double m_last = 0.0;
  int m_uncaughtAtStart = 0;
  std::chrono::steady_clock::time_point m_start;
};

} // namespace strega
