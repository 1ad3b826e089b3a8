#pragma once
/// \file
/// \brief withBrowse(): a line edit with a "..." button beside it, shared by the side panels.

#include <QString>

#include <functional>

class QLineEdit;
class QWidget;

namespace strega::ui {

/// A row holding `edit` and a "..." button; the button calls `pick` and, when it returns a path, puts it into the
/// edit and emits editingFinished() as if the user had typed it.
QWidget* withBrowse(QLineEdit* edit, QWidget* parent, std::function<QString()> pick);

} // namespace strega::ui
