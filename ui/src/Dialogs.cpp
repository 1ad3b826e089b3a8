#include "Dialogs.h"

#include "strega/core/Error.h"
#include "strega/core/Version.h"
#include "strega/model/Runtime.h"
#include "strega/render/SurfaceScene.h"

#include <QAction>
#include <QDialog>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QMessageBox>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtGlobal>

#ifndef STREGA_ITK_VERSION
#define STREGA_ITK_VERSION "unknown"
#endif
#ifndef STREGA_DCMTK_VERSION
#define STREGA_DCMTK_VERSION "unknown"
#endif

namespace strega::ui {

QMessageBox* showErrorDialog(QWidget* parent, const QString& title, const QString& message, const QString& detail) {
  auto* box = new QMessageBox(QMessageBox::Warning, title, message, QMessageBox::Ok, parent);
  box->setObjectName(QStringLiteral("errorDialog"));
  box->setAttribute(Qt::WA_DeleteOnClose);
  if (!detail.isEmpty()) box->setDetailedText(detail);
  box->open();
  return box;
}

ErrorText describeException(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const Error& e) {
    QString detail = QStringLiteral("Kind: %1").arg(QString::fromLatin1(toString(e.kind())));
    if (!e.detail().empty()) detail += QStringLiteral("\n") + QString::fromStdString(e.detail());
    return {QString::fromStdString(e.userMessage()), detail};
  } catch (const std::bad_alloc&) {
    return {QObject::tr("Not enough memory to open this image."), QStringLiteral("std::bad_alloc")};
  } catch (const std::exception& e) {
    return {QObject::tr("Unexpected failure."), QString::fromLocal8Bit(e.what())};
  } catch (...) {
    return {QObject::tr("Unexpected failure."), QStringLiteral("unknown exception")};
  }
}

QDialog* makeShortcutsDialog(QWidget* parent, const QList<QAction*>& actions) {
  auto* dialog = new QDialog(parent);
  dialog->setObjectName(QStringLiteral("shortcutsDialog"));
  dialog->setWindowTitle(QObject::tr("Keyboard shortcuts"));
  auto* table = new QTableWidget(dialog);
  table->setColumnCount(2);
  table->setHorizontalHeaderLabels({QObject::tr("Action"), QObject::tr("Keys / mouse")});
  table->verticalHeader()->setVisible(false);
  table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  QList<QPair<QString, QString>> rows;
  for (QAction* action : actions) {
    if (action->shortcut().isEmpty()) continue;
    QString text = action->text();
    text.remove(QLatin1Char('&'));
    rows.append({text, action->shortcut().toString(QKeySequence::NativeText)});
  }
  const QList<QPair<QString, QString>> viewRows = {
    {QObject::tr("Set the cursor (slice views)"), QObject::tr("Left click / drag")},
    {QObject::tr("Next / previous slice"), QObject::tr("Wheel, Up / Down, Page Up / Page Down")},
    {QObject::tr("Window / level"),
     QObject::tr("Right drag or Ctrl + left drag (horizontal: window, vertical: level)")},
    {QObject::tr("Pan"), QObject::tr("Middle drag or Shift + left drag")},
    {QObject::tr("Zoom"), QObject::tr("Ctrl + wheel, + / -")},
    {QObject::tr("Reset the view under focus"), QObject::tr("Home")},
    {QObject::tr("Maximise a view / back to 2x2"), QObject::tr("Double click")},
    {QObject::tr("Rotate / zoom (3D view)"), QObject::tr("Left drag / wheel")},
  };
  rows.append(viewRows);
  table->setRowCount(static_cast<int>(rows.size()));
  for (int r = 0; r < rows.size(); ++r) {
    table->setItem(r, 0, new QTableWidgetItem(rows[r].first));
    table->setItem(r, 1, new QTableWidgetItem(rows[r].second));
  }
  table->setWordWrap(true);
  table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
  table->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
  table->resizeRowsToContents();
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, dialog);
  QObject::connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
  auto* layout = new QVBoxLayout(dialog);
  layout->addWidget(table);
  layout->addWidget(buttons);
  dialog->resize(640, 560);
  return dialog;
}

QString aboutText() {
  return QObject::tr("<h3>StRegA desktop %1</h3>"
                     "<p>Unsupervised anomaly screening of brain MRI (StRegA: a cceVAE on tissue maps).</p>"
                     "<p>Commit %2</p>"
                     "<table>"
                     "<tr><td>Qt</td><td>%3 (built with %4)</td></tr>"
                     "<tr><td>VTK</td><td>%5</td></tr>"
                     "<tr><td>ITK</td><td>%6</td></tr>"
                     "<tr><td>DCMTK</td><td>%7</td></tr>"
                     "<tr><td>LibTorch</td><td>%8</td></tr>"
                     "<tr><td>Compute device</td><td>%9</td></tr>"
                     "<tr><td>BLAS</td><td>%10</td></tr>"
                     "</table>"
                     "<p>Not a medical device: findings are for research and review only.</p>")
    .arg(QString::fromLatin1(versionString()), QString::fromLatin1(gitCommit()), QString::fromLatin1(qVersion()),
         QStringLiteral(QT_VERSION_STR), QString::fromLatin1(render::vtkVersionString()),
         QStringLiteral(STREGA_ITK_VERSION), QStringLiteral(STREGA_DCMTK_VERSION),
         QString::fromStdString(model::torchVersion()), QString::fromStdString(model::defaultDeviceDescription()),
         QString::fromStdString(model::blasDescription()).toHtmlEscaped());
}

} // namespace strega::ui
