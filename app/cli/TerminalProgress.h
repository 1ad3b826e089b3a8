#pragma once
/// \file
/// \brief TerminalProgress: a ProgressSink drawing a one-line progress bar with ETA on stderr.

#include "strega/core/ProgressScope.h"

#include <chrono>
#include <mutex>
#include <string>

namespace strega::cli {

/// \brief Progress bar on stderr, redrawn at most 10 times a second, only when stderr is a terminal (or
/// STREGA_PROGRESS=1). Warnings are printed on their own line.
class TerminalProgress final : public ProgressSink {
public:
  explicit TerminalProgress(bool quiet);
  ~TerminalProgress() override;
  void progress(double overallFraction, std::string_view stage, std::string_view message) override;
  void warning(std::string_view message) override;
  /// Clear the bar's line (before printing results).
  void finish();

private:
  void draw(double fraction, std::string_view stage, std::string_view message);
  bool m_enabled;
  bool m_drawn = false;
  std::mutex m_mutex;
  std::chrono::steady_clock::time_point m_start, m_lastDraw;
};

} // namespace strega::cli
