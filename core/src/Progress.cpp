#include "strega/core/ProgressScope.h"

#include <algorithm>
#include <exception>

namespace strega {

void RecordingProgressSink::stageStarted(std::string_view stage) {
  std::lock_guard lock(m_mutex);
  m_events.push_back({Event::Type::Started, std::string(stage), 0.0, {}});
}
void RecordingProgressSink::progress(double overallFraction, std::string_view stage, std::string_view message) {
  std::lock_guard lock(m_mutex);
  m_events.push_back({Event::Type::Progress, std::string(stage), overallFraction, std::string(message)});
}
void RecordingProgressSink::stageFinished(std::string_view stage, double seconds) {
  std::lock_guard lock(m_mutex);
  m_events.push_back({Event::Type::Finished, std::string(stage), seconds, {}});
}
void RecordingProgressSink::warning(std::string_view message) {
  std::lock_guard lock(m_mutex);
  m_events.push_back({Event::Type::Warning, {}, 0.0, std::string(message)});
}
std::vector<RecordingProgressSink::Event> RecordingProgressSink::events() const {
  std::lock_guard lock(m_mutex);
  return m_events;
}
std::vector<std::pair<std::string, double>> RecordingProgressSink::stageTimings() const {
  std::lock_guard lock(m_mutex);
  std::vector<std::pair<std::string, double>> timings;
  for (const auto& e : m_events)
    if (e.type == Event::Type::Finished) timings.emplace_back(e.stage, e.value);
  return timings;
}
std::vector<std::string> RecordingProgressSink::warnings() const {
  std::lock_guard lock(m_mutex);
  std::vector<std::string> out;
  for (const auto& e : m_events)
    if (e.type == Event::Type::Warning) out.push_back(e.message);
  return out;
}

ProgressScope::ProgressScope(ProgressSink& sink, std::string stage, CancelToken cancel)
  : m_sink(sink), m_cancel(std::move(cancel)), m_stage(std::move(stage)),
    m_uncaughtAtStart(std::uncaught_exceptions()), m_start(std::chrono::steady_clock::now()) {
  m_sink.stageStarted(m_stage);
  m_sink.progress(m_begin, m_stage, {});
}

ProgressScope::ProgressScope(ProgressScope& parent, std::string_view stage, double begin, double end)
  : m_sink(parent.m_sink), m_cancel(parent.m_cancel),
    m_stage(parent.m_stage.empty() ? std::string(stage) : parent.m_stage + "/" + std::string(stage)),
    m_begin(parent.toOverall(begin)), m_end(parent.toOverall(end)), m_uncaughtAtStart(std::uncaught_exceptions()),
    m_start(std::chrono::steady_clock::now()) {
  m_cancel.throwIfCancelled();
  m_sink.stageStarted(m_stage);
  m_sink.progress(m_begin, m_stage, {});
}

ProgressScope::~ProgressScope() {
  if (std::uncaught_exceptions() > m_uncaughtAtStart) return; // left by an exception: not finished
  try {
    m_sink.progress(m_end, m_stage, {});
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
    m_sink.stageFinished(m_stage, seconds);
  } catch (...) {
    // A sink must not throw out of a destructor; losing one progress report is harmless.
  }
}

double ProgressScope::toOverall(double fraction) const {
  return m_begin + std::clamp(fraction, 0.0, 1.0) * (m_end - m_begin);
}

void ProgressScope::update(double fraction, std::string_view message) {
  m_cancel.throwIfCancelled();
  m_last = std::max(m_last, std::clamp(fraction, 0.0, 1.0));
  m_sink.progress(toOverall(m_last), m_stage, message);
}

void ProgressScope::warn(std::string_view message) { m_sink.warning(message); }

} // namespace strega
