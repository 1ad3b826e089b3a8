#pragma once
// QtProgressSink: the ProgressSink of the GUI. Called on a worker thread, it re-emits progress as a Qt signal,
// which queued connections deliver on the GUI thread.

#include "strega/core/ProgressSink.h"

#include <QObject>
#include <QString>

namespace strega::ui {

/// \brief Forwards progress from worker threads to the GUI thread as signals (thread-safe).
class QtProgressSink : public QObject, public ProgressSink {
  Q_OBJECT
public:
  using QObject::QObject;
  void progress(double overallFraction, std::string_view stage, std::string_view message) override {
    Q_EMIT progressed(overallFraction, QString::fromUtf8(stage.data(), static_cast<qsizetype>(stage.size())),
                      QString::fromUtf8(message.data(), static_cast<qsizetype>(message.size())));
  }

Q_SIGNALS:
  void progressed(double fraction, const QString& stage, const QString& message);
};

} // namespace strega::ui
