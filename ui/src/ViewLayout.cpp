#include "ViewLayout.h"

#include <QGridLayout>

namespace strega::ui {

ViewLayout::ViewLayout(std::array<QWidget*, 4> views, QWidget* parent)
  : QWidget(parent), m_views(views), m_grid(new QGridLayout(this)) {
  setObjectName(QStringLiteral("viewLayout"));
  m_grid->setContentsMargins(0, 0, 0, 0);
  m_grid->setSpacing(2);
  setAutoFillBackground(true);
  QPalette p = palette();
  p.setColor(QPalette::Window, QColor(60, 60, 60));
  setPalette(p);
  for (int i = 0; i < 4; ++i) {
    m_views[static_cast<std::size_t>(i)]->setParent(this);
    m_grid->addWidget(m_views[static_cast<std::size_t>(i)], i / 2, i % 2);
  }
}

void ViewLayout::setMaximised(int index) {
  if (index < -1 || index > 3) index = -1;
  m_maximised = index;
  for (int i = 0; i < 4; ++i)
    m_views[static_cast<std::size_t>(i)]->setVisible(index < 0 || i == index);
  Q_EMIT layoutChanged(index);
}

void ViewLayout::toggleMaximised(QWidget* view) {
  for (int i = 0; i < 4; ++i) {
    if (m_views[static_cast<std::size_t>(i)] == view) {
      setMaximised(m_maximised == i ? -1 : i);
      return;
    }
  }
}

} // namespace strega::ui
