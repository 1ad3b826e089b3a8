#pragma once
/// \file
/// \brief CancelToken: a shared flag that long-running work polls between slices, iterations and filters.

#include <atomic>
#include <memory>

namespace strega {

/// \brief A cancellation flag shared by all copies of a token.
///
/// The requester (a GUI button, a signal handler) calls requestCancel(); the worker calls throwIfCancelled()
/// between units of work, which throws strega::Cancelled. Thread-safe; copying is cheap and shares the flag.
class CancelToken {
public:
  CancelToken();

  void requestCancel() const noexcept;
  bool isCancelled() const noexcept;
  /// Throws strega::Cancelled when cancellation was requested.
  void throwIfCancelled() const;

private:
  std::shared_ptr<std::atomic<bool>> m_flag;
};

} // namespace strega
