#pragma once
/// \file
/// \brief The GUI's command line (`strega [INPUT] [--run] [--screenshot FILE.png] [--quit]`) and its scripted session.

#include <QObject>
#include <QString>
#include <QStringList>

#include <optional>
#include <variant>

namespace strega::ui {

class MainWindow;

/// \brief Parsed command line of the GUI.
struct CommandLineOptions {
  QString input;      ///< file or folder to open at start
  bool run = false;   ///< screen INPUT (the Screening panel's saved settings) and wait for the result
  QString outputRoot; ///< --output: folder for <case>_strega/ of --run (else the saved one, or next to INPUT)
  QString screenshot; ///< PNG of the main window, saved once the input (and the run's result) is shown
  bool quit = false;  ///< quit after that (exit code 1 when opening, running or saving failed)
};

/// Set the organisation/application names (QSettings), version and window icon. Call after QApplication.
void setApplicationIdentity();

/// --help or --version on the raw command line: print and give exit code 0 without needing a display (call before
/// creating the QApplication); nothing otherwise.
std::optional<int> handleInformationalOptions(int argc, char** argv);

/// Parse the arguments (argv[0] first). --help and --version print and give exit code 0; a bad command line
/// prints the reason and gives 2.
std::variant<CommandLineOptions, int> parseCommandLine(const QStringList& arguments);

/// \brief Carries out the command line on a window: open the input, wait until it is shown, run the screening and
/// wait for its result when asked, wait for the 3D surfaces, save the screenshot, quit. With --quit the window is
/// non-interactive: errors go to stderr.
class ScriptedSession : public QObject {
  Q_OBJECT
public:
  ScriptedSession(MainWindow& window, CommandLineOptions options, QObject* parent = nullptr);
  /// Start (call once the window is shown); the event loop does the rest.
  void start();
  int exitCode() const { return m_exitCode; }

Q_SIGNALS:
  void finished(int exitCode);

private:
  void onLoaded(bool ok);
  void onRunFinished(bool ok);
  void waitForSurfaces();
  void finish();

  MainWindow& m_window;
  CommandLineOptions m_options;
  int m_exitCode = 0;
  bool m_done = false;
};

} // namespace strega::ui
