// ui_test's main: one QApplication for all tests, with settings isolated in a temporary folder.
#include "strega/ui/Application.h"

#include <QApplication>
#include <QTemporaryDir>

#include <gtest/gtest.h>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // QSettings must not read or write the user's configuration.
  QTemporaryDir config;
  qputenv("XDG_CONFIG_HOME", config.path().toLocal8Bit());
  QApplication app(argc, argv);
  strega::ui::setApplicationIdentity();
  return RUN_ALL_TESTS();
}
