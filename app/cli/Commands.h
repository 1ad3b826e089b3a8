#pragma once
/// \file
/// \brief The strega-cli subcommands: each registers itself on the CLI11 app and runs through runCommand().

#include "strega/core/CancelToken.h"

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace strega::cli {

/// \brief Exit codes of strega-cli, documented in `strega-cli --help`.
enum ExitCode : int {
  ExitOk = 0,
  ExitFailure = 1,      ///< unexpected failure (a bug)
  ExitUsage = 2,        ///< bad command line
  ExitInvalidInput = 3, ///< input unreadable, corrupt, or not an image
  ExitUnsupported = 4,  ///< valid input this program does not handle (e.g. 4D without --frame)
  ExitIo = 5,           ///< file system error (permissions, disk full, missing path)
  ExitModel = 6,        ///< model or checkpoint unusable
  ExitCancelled = 130,  ///< interrupted (Ctrl-C); not an error, outputs left untouched
};

/// Text for the end of --help listing the exit codes.
std::string exitCodeHelp();

/// Shared state of one strega-cli invocation.
struct Context {
  CancelToken cancel; ///< triggered by SIGINT/SIGTERM
  bool quiet = false; ///< no progress bar
};

/// Run `body`, translating exceptions into a one-line message on stderr and an exit code.
int runCommand(const std::function<void()>& body);

void registerInfo(CLI::App& app, Context& context, int& exitCode);
void registerConvert(CLI::App& app, Context& context, int& exitCode);
void registerModel(CLI::App& app, Context& context, int& exitCode);
void registerTrain(CLI::App& app, Context& context, int& exitCode);
void registerPreprocess(CLI::App& app, Context& context, int& exitCode);
void registerRun(CLI::App& app, Context& context, int& exitCode);
void registerBatch(CLI::App& app, Context& context, int& exitCode);
void registerPhantom(CLI::App& app, Context& context, int& exitCode);
void registerEval(CLI::App& app, Context& context, int& exitCode);

} // namespace strega::cli
