#pragma once
/// \file
/// \brief The project's exception types: Error (with a user message apart from developer detail) and Cancelled.

#include <exception>
#include <stdexcept>
#include <string>

namespace strega {

/// \brief What went wrong, coarsely; boundaries map it to an exit code or a dialog title.
enum class ErrorKind {
  InvalidArgument, ///< the caller asked for something impossible (bad option, bad value)
  InvalidInput,    ///< the input data is unreadable, corrupt or not what it claims to be
  Unsupported,     ///< valid input that this program does not handle (e.g. a 4D series without a frame chosen)
  Io,              ///< the file system refused (permissions, full disk, missing file)
  Model,           ///< the model or checkpoint cannot be used (shape mismatch, device missing)
  Internal,        ///< a bug: an invariant broke
};

/// Short lower-case name of an ErrorKind ("invalid input", ...).
const char* toString(ErrorKind kind);

/// \brief The exception every strega library throws for a failure.
///
/// userMessage() is one line meant for the person using the program ("the file is truncated");
/// detail() carries what a developer needs (file offsets, library messages). what() returns the user message.
class Error : public std::runtime_error {
public:
  Error(ErrorKind kind, std::string userMessage, std::string detail = {});

  ErrorKind kind() const noexcept { return m_kind; }
  const std::string& userMessage() const noexcept { return m_userMessage; }
  const std::string& detail() const noexcept { return m_detail; }

private:
  ErrorKind m_kind;
  std::string m_userMessage;
  std::string m_detail;
};

/// \brief Thrown when a CancelToken was triggered. Not an Error: callers treat it as a normal outcome.
class Cancelled : public std::exception {
public:
  const char* what() const noexcept override { return "cancelled"; }
};

} // namespace strega
