#pragma once
// BackgroundJob: the background-run shape the batch and evaluation panels share.

#include "strega/core/CancelToken.h"

#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>

#include <utility>

namespace strega::ui {

/// \brief One piece of work at a time on a worker thread (QtConcurrent), with the cancel token it polls. The owner
/// hears of the end on the GUI thread (`onFinished`) and reads result(). Destroying the job cancels the work and
/// waits for it, so that the work never outlives the members it reports to: declare the job after them.
template <class Outcome> class BackgroundJob {
public:
  template <class Receiver, class Slot> BackgroundJob(Receiver* receiver, Slot onFinished) {
    QObject::connect(&m_watcher, &QFutureWatcher<Outcome>::finished, receiver, onFinished);
  }
  ~BackgroundJob() {
    cancel();
    m_watcher.waitForFinished();
  }
  BackgroundJob(const BackgroundJob&) = delete;
  BackgroundJob& operator=(const BackgroundJob&) = delete;

  /// Runs work(token) with a fresh token. The work reports failure in its Outcome: it must not throw.
  template <class Work> void start(Work work) {
    m_token = CancelToken();
    m_watcher.setFuture(QtConcurrent::run([work = std::move(work), token = m_token] { return work(token); }));
  }
  void cancel() { m_token.requestCancel(); }
  bool cancelRequested() const { return m_token.isCancelled(); }
  void waitForFinished() { m_watcher.waitForFinished(); }
  Outcome result() const { return m_watcher.result(); }

private:
  QFutureWatcher<Outcome> m_watcher;
  CancelToken m_token;
};

} // namespace strega::ui
