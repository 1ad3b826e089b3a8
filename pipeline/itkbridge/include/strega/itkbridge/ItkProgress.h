#pragma once
/// \file
/// \brief Progress and cancellation for ITK filters and optimizers (internal to the pipeline libraries).

#include "strega/core/Error.h"
#include "strega/core/ProgressScope.h"

#include <itkCommand.h>
#include <itkEventObject.h>
#include <itkProcessObject.h>

#include <functional>

namespace strega::itkbridge {

/// \brief While alive, forwards a filter's ProgressEvent into `scope` (mapped into [begin, end] of the scope) and
/// sets AbortGenerateDataOn when the scope's CancelToken is triggered; the filter then throws itk::ProcessAborted,
/// which runFilter() turns into strega::Cancelled.
class FilterProgress {
public:
  FilterProgress(itk::ProcessObject* filter, ProgressScope* scope, double begin = 0.0, double end = 1.0)
    : m_filter(filter) {
    if (!scope) return;
    m_tag = filter->AddObserver(itk::ProgressEvent(), [filter, scope, begin, end](const itk::EventObject&) {
      if (scope->cancelToken().isCancelled()) {
        filter->AbortGenerateDataOn();
        return;
      }
      try {
        scope->update(begin + (end - begin) * filter->GetProgress());
      } catch (const Cancelled&) {
        filter->AbortGenerateDataOn();
      }
    });
    m_observing = true;
  }
  ~FilterProgress() {
    if (m_observing) m_filter->RemoveObserver(m_tag);
  }
  FilterProgress(const FilterProgress&) = delete;
  FilterProgress& operator=(const FilterProgress&) = delete;

private:
  itk::ProcessObject* m_filter;
  unsigned long m_tag = 0;
  bool m_observing = false;
};

/// Update `filter` with progress into `scope` ([begin, end] of it). itk::ProcessAborted becomes strega::Cancelled;
/// any other ITK exception becomes Error(kind, userMessage, ITK's description).
inline void runFilter(itk::ProcessObject* filter, ProgressScope* scope, const std::string& userMessage,
                      ErrorKind kind = ErrorKind::Internal, double begin = 0.0, double end = 1.0) {
  if (scope) scope->throwIfCancelled();
  FilterProgress observer(filter, scope, begin, end);
  try {
    filter->Update();
  } catch (const itk::ProcessAborted&) {
    throw Cancelled();
  } catch (const itk::ExceptionObject& e) {
    if (scope && scope->cancelToken().isCancelled()) throw Cancelled();
    throw Error(kind, userMessage, e.GetDescription());
  }
  if (scope) scope->throwIfCancelled();
}

/// \brief While alive, calls `onIteration()` at every IterationEvent of an optimizer (or any ITK object). The
/// callback may report progress; when the scope's token is cancelled it throws itk::ProcessAborted, which unwinds
/// the optimizer (vnl and v4 optimizers alike) and is turned into strega::Cancelled by runFilter().
class IterationObserver {
public:
  IterationObserver(itk::Object* object, ProgressScope* scope, std::function<void()> onIteration) : m_object(object) {
    m_tag = object->AddObserver(itk::IterationEvent(), [scope, onIteration](const itk::EventObject&) {
      if (scope && scope->cancelToken().isCancelled()) throw itk::ProcessAborted(__FILE__, __LINE__);
      if (onIteration) onIteration();
    });
  }
  ~IterationObserver() { m_object->RemoveObserver(m_tag); }
  IterationObserver(const IterationObserver&) = delete;
  IterationObserver& operator=(const IterationObserver&) = delete;

private:
  itk::Object* m_object;
  unsigned long m_tag = 0;
};

} // namespace strega::itkbridge
