#pragma once
// ViewLayout: the four views in a 2x2 grid (axial, sagittal / coronal, 3D, as ITK-SNAP arranges them), or one of
// them maximised.

#include <QWidget>

#include <array>

class QGridLayout;

namespace strega::ui {

/// \brief The view area of the main window.
class ViewLayout : public QWidget {
  Q_OBJECT
public:
  /// Views in grid order: top-left, top-right, bottom-left, bottom-right.
  ViewLayout(std::array<QWidget*, 4> views, QWidget* parent = nullptr);

  /// -1 for the 2x2 grid, else the index of the view shown alone.
  int maximised() const { return m_maximised; }
  void setMaximised(int index);
  /// Maximise `view`, or go back to the grid when it already is.
  void toggleMaximised(QWidget* view);

Q_SIGNALS:
  void layoutChanged(int maximised);

private:
  std::array<QWidget*, 4> m_views;
  QGridLayout* m_grid;
  int m_maximised = -1;
};

} // namespace strega::ui
