// strega: the desktop viewer of StRegA desktop. The window and the command line live in strega::ui.
#include "strega/core/OpenMpSetup.h"
#include "strega/ui/Application.h"
#include "strega/ui/MainWindow.h"

#include <QApplication>

#include <variant>

int main(int argc, char** argv) {
  strega::ensurePassiveOpenMpWait(argv);
  if (const auto exitCode = strega::ui::handleInformationalOptions(argc, argv)) return *exitCode; // no display needed
  QApplication app(argc, argv);
  strega::ui::setApplicationIdentity();
  const auto parsed = strega::ui::parseCommandLine(QApplication::arguments());
  if (const int* exitCode = std::get_if<int>(&parsed)) return *exitCode;

  strega::ui::MainWindow window;
  strega::ui::ScriptedSession session(window, std::get<strega::ui::CommandLineOptions>(parsed));
  window.show();
  session.start();
  return QApplication::exec();
}
