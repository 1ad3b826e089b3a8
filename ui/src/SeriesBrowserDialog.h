#pragma once
// SeriesBrowserDialog: picks one volume of a scanned folder. DICOM series are grouped by patient and study, with
// description, modality, size and a thumbnail (loaded in the background); other image files are listed apart.

#include "strega/core/CancelToken.h"
#include "strega/io/ImageInfo.h"

#include <QDialog>
#include <QFuture>

#include <optional>
#include <vector>

class QTreeWidget;
class QTreeWidgetItem;
class QDialogButtonBox;

namespace strega::ui {

/// \brief The series browser. Thumbnails are the middle axial slice of each volume, read with io::readImage one
/// series after another on a worker thread; closing the dialog cancels that work.
class SeriesBrowserDialog : public QDialog {
  Q_OBJECT
public:
  SeriesBrowserDialog(std::vector<io::ImageInfo> entries, QWidget* parent = nullptr);
  ~SeriesBrowserDialog() override;

  /// The chosen entry (after accept).
  std::optional<io::ImageInfo> selected() const;
  QTreeWidget* tree() const { return m_tree; }
  /// Number of thumbnails shown so far.
  int thumbnailCount() const { return m_thumbnails; }

Q_SIGNALS:
  void thumbnailReady(int entry, const QImage& thumbnail);

private:
  void setThumbnail(int entry, const QImage& thumbnail);

  std::vector<io::ImageInfo> m_entries;
  std::vector<QTreeWidgetItem*> m_items; // per entry
  QTreeWidget* m_tree;
  QDialogButtonBox* m_buttons;
  CancelToken m_cancel;
  QFuture<void> m_thumbnailJob;
  int m_thumbnails = 0;
};

} // namespace strega::ui
