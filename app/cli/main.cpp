// strega-cli: command-line front end of StRegA desktop. The work is in the subcommands (Commands.h).
#include "Commands.h"

#include "strega/core/OpenMpSetup.h"
#include "strega/core/Version.h"

#include <csignal>
#include <cstring>
#include <iostream>

namespace {

/// True when the subcommand (the first argument that is not an option) runs the network. Only those need
/// OpenMP's passive waiting, which costs a second process start (~0.6 s: LibTorch's static initialisers).
bool runsTheModel(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] == '-') continue;
    for (const char* command : {"run", "batch", "train", "model"})
      if (std::strcmp(argv[i], command) == 0) return true;
    return false;
  }
  return false;
}

strega::CancelToken* g_cancel = nullptr;
extern "C" void onSignal(int) {
  if (g_cancel) g_cancel->requestCancel();
}
} // namespace

int main(int argc, char** argv) {
  if (runsTheModel(argc, argv)) strega::ensurePassiveOpenMpWait(argv);
  using namespace strega::cli;
  Context context;
  g_cancel = &context.cancel;
  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);

  CLI::App app{"strega-cli: screen brain MRI for anomalies with StRegA (unsupervised cceVAE on tissue maps)"};
  app.require_subcommand(1);
  app.set_version_flag("--version",
                       std::string("strega-cli ") + strega::versionString() + " (commit " + strega::gitCommit() + ")");
  app.add_flag("-q,--quiet", context.quiet, "no progress bar");
  app.footer(exitCodeHelp());

  int exitCode = ExitOk;
  registerInfo(app, context, exitCode);
  registerConvert(app, context, exitCode);
  registerModel(app, context, exitCode);
  registerTrain(app, context, exitCode);
  registerPreprocess(app, context, exitCode);
  registerRun(app, context, exitCode);
  registerBatch(app, context, exitCode);
  registerPhantom(app, context, exitCode);
  registerEval(app, context, exitCode);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return ExitUsage;
  }
  return exitCode;
}
