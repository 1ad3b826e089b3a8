#include "Commands.h"

#include "strega/core/Error.h"

#include <cstdlib>
#include <iostream>

namespace strega::cli {

std::string exitCodeHelp() {
  return "Exit codes: 0 success; 1 unexpected failure; 2 bad command line; 3 invalid input (unreadable, corrupt, "
         "not an image); 4 unsupported input (e.g. 4D without --frame); 5 file system error; 6 model error; "
         "130 cancelled.\nSet STREGA_DEBUG=1 to print developer detail with errors.";
}

namespace {
int exitCodeFor(ErrorKind kind) {
  switch (kind) {
  case ErrorKind::InvalidArgument: return ExitUsage;
  case ErrorKind::InvalidInput: return ExitInvalidInput;
  case ErrorKind::Unsupported: return ExitUnsupported;
  case ErrorKind::Io: return ExitIo;
  case ErrorKind::Model: return ExitModel;
  case ErrorKind::Internal: return ExitFailure;
  }
  return ExitFailure;
}
} // namespace

int runCommand(const std::function<void()>& body) {
  const bool debug = std::getenv("STREGA_DEBUG") != nullptr;
  try {
    body();
    return ExitOk;
  } catch (const Cancelled&) {
    std::cerr << "strega-cli: cancelled\n";
    return ExitCancelled;
  } catch (const Error& e) {
    std::cerr << "strega-cli: error: " << e.userMessage() << "\n";
    if (debug && !e.detail().empty()) std::cerr << "  detail: " << e.detail() << "\n";
    return exitCodeFor(e.kind());
  } catch (const std::bad_alloc&) {
    std::cerr << "strega-cli: error: out of memory\n";
    return ExitFailure;
  } catch (const std::exception& e) {
    std::cerr << "strega-cli: error: unexpected failure: " << e.what() << "\n";
    return ExitFailure;
  }
}

} // namespace strega::cli
