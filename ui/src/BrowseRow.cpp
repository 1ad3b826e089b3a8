#include "BrowseRow.h"

#include <QHBoxLayout>
#include <QLineEdit>
#include <QToolButton>
#include <QWidget>

namespace strega::ui {

QWidget* withBrowse(QLineEdit* edit, QWidget* parent, std::function<QString()> pick) {
  auto* row = new QWidget(parent);
  auto* layout = new QHBoxLayout(row);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(edit, 1);
  auto* browse = new QToolButton(row);
  browse->setText(QStringLiteral("..."));
  layout->addWidget(browse);
  QObject::connect(browse, &QToolButton::clicked, edit, [edit, pick] {
    const QString path = pick();
    if (!path.isEmpty()) {
      edit->setText(path);
      Q_EMIT edit->editingFinished();
    }
  });
  return row;
}

} // namespace strega::ui
