#include "TerminalProgress.h"

#include <cstdio>
#include <cstdlib>
#include <unistd.h>

namespace strega::cli {

TerminalProgress::TerminalProgress(bool quiet)
  : m_enabled(!quiet && (::isatty(STDERR_FILENO) || std::getenv("STREGA_PROGRESS") != nullptr)),
    m_start(std::chrono::steady_clock::now()) {}

TerminalProgress::~TerminalProgress() { finish(); }

void TerminalProgress::progress(double fraction, std::string_view stage, std::string_view message) {
  if (!m_enabled) return;
  std::lock_guard lock(m_mutex);
  const auto now = std::chrono::steady_clock::now();
  if (m_drawn && fraction < 1.0 && now - m_lastDraw < std::chrono::milliseconds(100)) return;
  m_lastDraw = now;
  draw(fraction, stage, message);
}

void TerminalProgress::draw(double fraction, std::string_view stage, std::string_view message) {
  constexpr int width = 30;
  const int filled = static_cast<int>(fraction * width + 0.5);
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
  char eta[32] = "";
  if (fraction > 0.02 && fraction < 1.0)
    std::snprintf(eta, sizeof eta, " ETA %.0fs", elapsed / fraction * (1 - fraction));
  std::string bar(filled, '#');
  bar.resize(width, '.');
  std::fprintf(stderr, "\r\033[K[%s] %3.0f%%%s %.*s %.*s", bar.c_str(), fraction * 100.0, eta, int(stage.size()),
               stage.data(), int(std::min<std::size_t>(message.size(), 40)), message.data());
  std::fflush(stderr);
  m_drawn = true;
}

void TerminalProgress::warning(std::string_view message) {
  std::lock_guard lock(m_mutex);
  if (m_drawn) std::fprintf(stderr, "\r\033[K");
  std::fprintf(stderr, "strega-cli: warning: %.*s\n", int(message.size()), message.data());
  m_drawn = false;
}

void TerminalProgress::finish() {
  std::lock_guard lock(m_mutex);
  if (m_drawn) std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  m_drawn = false;
}

} // namespace strega::cli
