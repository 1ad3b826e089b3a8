#include "strega/core/Error.h"

#include "strega/core/CancelToken.h"

namespace strega {

const char* toString(ErrorKind kind) {
  switch (kind) {
  case ErrorKind::InvalidArgument: return "invalid argument";
  case ErrorKind::InvalidInput: return "invalid input";
  case ErrorKind::Unsupported: return "unsupported input";
  case ErrorKind::Io: return "file system error";
  case ErrorKind::Model: return "model error";
  case ErrorKind::Internal: return "internal error";
  }
  return "error";
}

Error::Error(ErrorKind kind, std::string userMessage, std::string detail)
  : std::runtime_error(userMessage), m_kind(kind), m_userMessage(std::move(userMessage)),
    m_detail(std::move(detail)) {}

CancelToken::CancelToken() : m_flag(std::make_shared<std::atomic<bool>>(false)) {}
void CancelToken::requestCancel() const noexcept { m_flag->store(true, std::memory_order_relaxed); }
bool CancelToken::isCancelled() const noexcept { return m_flag->load(std::memory_order_relaxed); }
void CancelToken::throwIfCancelled() const {
  if (isCancelled()) throw Cancelled();
}

} // namespace strega
