#pragma once
// Small dialogs of the main window: errors (user message with expandable detail), keyboard shortcuts, About.

#include <QList>
#include <QString>

#include <exception>

class QAction;
class QDialog;
class QMessageBox;
class QWidget;

namespace strega::ui {

/// Show a non-blocking error dialog (object name "errorDialog"): `message` for the user, `detail` behind
/// "Show Details...". Returns the dialog (deleted when closed).
QMessageBox* showErrorDialog(QWidget* parent, const QString& title, const QString& message, const QString& detail);

/// The user message and developer detail of an exception: strega::Error's own, or a generic message.
struct ErrorText {
  QString message;
  QString detail;
};
ErrorText describeException(std::exception_ptr error);

/// The Help > Keyboard shortcuts dialog: every action with a shortcut plus the mouse and keys of the views.
QDialog* makeShortcutsDialog(QWidget* parent, const QList<QAction*>& actions);

/// The About text: StRegA version and commit, the versions of Qt, VTK, ITK, DCMTK and LibTorch, the compute
/// device and the BLAS in use.
QString aboutText();

} // namespace strega::ui
