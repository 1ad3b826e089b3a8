// strega-cli: command-line front end of StRegA desktop. The work is in the subcommands (Commands.h).
#include "Commands.h"

#include "strega/core/Version.h"

#include <csignal>
#include <iostream>

namespace {
strega::CancelToken* g_cancel = nullptr;
extern "C" void onSignal(int) {
  if (g_cancel) g_cancel->requestCancel();
}
} // namespace

int main(int argc, char** argv) {
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
