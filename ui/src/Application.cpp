#include "strega/ui/Application.h"

#include "ScreeningPanel.h"
#include "View3D.h"

#include "strega/core/Version.h"
#include "strega/ui/MainWindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QLineEdit>
#include <QPainter>
#include <QPainterPath>
#include <QTimer>

#include <cstdio>
#include <string_view>

namespace strega::ui {

namespace {
/// The application icon, drawn: a head outline with a red finding.
QIcon makeIcon() {
  QIcon icon;
  for (int size : {16, 32, 48, 64, 128, 256}) {
    QPixmap pixmap(size, size);
    pixmap.fill(Qt::transparent);
    QPainter p(&pixmap);
    p.setRenderHint(QPainter::Antialiasing);
    const double s = size / 64.0;
    p.setBrush(QColor(40, 48, 64));
    p.setPen(Qt::NoPen);
    p.drawRoundedRect(QRectF(0, 0, size, size), 12 * s, 12 * s);
    p.setBrush(QColor(220, 220, 225));
    p.drawEllipse(QRectF(12 * s, 8 * s, 40 * s, 48 * s));
    p.setBrush(QColor(150, 150, 160));
    p.drawEllipse(QRectF(18 * s, 14 * s, 28 * s, 36 * s));
    p.setBrush(QColor(235, 40, 40));
    p.drawEllipse(QRectF(34 * s, 22 * s, 10 * s, 10 * s));
  }
  return icon;
}
} // namespace

void setApplicationIdentity() {
  QApplication::setOrganizationName(QStringLiteral("StRegA"));
  QApplication::setApplicationName(QStringLiteral("strega"));
  QApplication::setApplicationDisplayName(QStringLiteral("StRegA"));
  QApplication::setApplicationVersion(QString::fromLatin1(versionString()));
  QApplication::setWindowIcon(makeIcon());
}

std::optional<int> handleInformationalOptions(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h" || arg == "--version" || arg == "-v") {
      QStringList arguments;
      for (int j = 0; j < argc; ++j)
        arguments << QString::fromLocal8Bit(argv[j]);
      const auto parsed = parseCommandLine(arguments);
      if (const int* code = std::get_if<int>(&parsed)) return *code;
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::variant<CommandLineOptions, int> parseCommandLine(const QStringList& arguments) {
  QCommandLineParser parser;
  parser.setApplicationDescription(
    QObject::tr("StRegA desktop: view brain MRI (NIfTI, DICOM, BraTS cases) and StRegA screening results."));
  const QCommandLineOption help = parser.addHelpOption();
  const QCommandLineOption version = parser.addVersionOption();
  const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                      QObject::tr("Save a PNG of the main window once INPUT is shown."),
                                      QObject::tr("FILE.png"));
  const QCommandLineOption quit(QStringLiteral("quit"),
                                QObject::tr("Quit after opening (and the run and the screenshot)."));
  const QCommandLineOption run(
    QStringLiteral("run"), QObject::tr("Screen INPUT with the saved Screening settings (as strega-cli run) and wait "
                                       "for the result; outputs go to <case>_strega/ (or the saved output folder)."));
  const QCommandLineOption output(QStringLiteral("output"),
                                  QObject::tr("With --run: write <case>_strega/ into DIR (default: the saved output "
                                              "folder, else next to INPUT)."),
                                  QObject::tr("DIR"));
  parser.addOption(run);
  parser.addOption(output);
  parser.addOption(screenshot);
  parser.addOption(quit);
  parser.addPositionalArgument(
    QStringLiteral("INPUT"),
    QObject::tr("NIfTI/NRRD/MHA file, DICOM folder, BraTS case folder or strega-cli run output folder."),
    QStringLiteral("[INPUT]"));
  // Without a QCoreApplication yet (--help before the display is opened) Qt cannot name the program itself.
  const QString helpText = parser.helpText().replace(QStringLiteral("<executable_name>"), QStringLiteral("strega"));
  if (!parser.parse(arguments)) {
    std::fprintf(stderr, "strega: %s\n%s", qPrintable(parser.errorText()), qPrintable(helpText));
    return 2;
  }
  if (parser.isSet(help)) {
    std::fputs(qPrintable(helpText), stdout);
    return 0;
  }
  if (parser.isSet(version)) {
    std::printf("strega %s (commit %s)\n", versionString(), gitCommit());
    return 0;
  }
  if (parser.positionalArguments().size() > 1) {
    std::fprintf(stderr, "strega: give at most one INPUT\n");
    return 2;
  }
  CommandLineOptions options;
  if (!parser.positionalArguments().isEmpty()) options.input = parser.positionalArguments().first();
  options.run = parser.isSet(run);
  options.outputRoot = parser.value(output);
  if (options.run && options.input.isEmpty()) {
    std::fprintf(stderr, "strega: --run needs an INPUT\n");
    return 2;
  }
  options.screenshot = parser.value(screenshot);
  options.quit = parser.isSet(quit);
  return options;
}

ScriptedSession::ScriptedSession(MainWindow& window, CommandLineOptions options, QObject* parent)
  : QObject(parent), m_window(window), m_options(std::move(options)) {}

void ScriptedSession::start() {
  if (m_options.quit) m_window.setInteractive(false);
  // For this session only: the panel's field is not saved unless the user edits it.
  if (!m_options.outputRoot.isEmpty()) m_window.screeningPanel()->outputEdit()->setText(m_options.outputRoot);
  if (m_options.input.isEmpty()) {
    QTimer::singleShot(0, this, &ScriptedSession::finish);
    return;
  }
  connect(
    &m_window, &MainWindow::loadFinished, this, [this](bool ok) { onLoaded(ok); }, Qt::SingleShotConnection);
  m_window.open(m_options.input);
}

void ScriptedSession::onLoaded(bool ok) {
  if (!ok) {
    m_exitCode = 1;
    QTimer::singleShot(0, this, &ScriptedSession::finish);
    return;
  }
  if (!m_options.run) return waitForSurfaces();
  connect(
    &m_window, &MainWindow::runFinished, this, [this](bool runOk) { onRunFinished(runOk); }, Qt::SingleShotConnection);
  if (!m_window.runScreening()) {
    disconnect(&m_window, &MainWindow::runFinished, this, nullptr);
    onRunFinished(false);
  }
}

void ScriptedSession::onRunFinished(bool ok) {
  if (!ok) m_exitCode = 1;
  waitForSurfaces();
}

void ScriptedSession::waitForSurfaces() {
  View3D* view = m_window.view3D();
  if (view->surfacesReady()) {
    QTimer::singleShot(0, this, &ScriptedSession::finish);
    return;
  }
  connect(view, &View3D::surfacesBuilt, this, &ScriptedSession::finish, Qt::SingleShotConnection);
  QTimer::singleShot(120'000, this, &ScriptedSession::finish); // never wait for ever
}

void ScriptedSession::finish() {
  if (m_done) return;
  m_done = true;
  if (!m_options.screenshot.isEmpty()) {
    if (m_window.saveWindowScreenshot(m_options.screenshot)) {
      std::printf("strega: screenshot saved to %s\n", qPrintable(m_options.screenshot));
    } else {
      std::fprintf(stderr, "strega: error: cannot write the screenshot %s\n", qPrintable(m_options.screenshot));
      m_exitCode = 1;
    }
    std::fflush(stdout);
  }
  Q_EMIT finished(m_exitCode);
  if (m_options.quit) QCoreApplication::exit(m_exitCode);
}

} // namespace strega::ui
