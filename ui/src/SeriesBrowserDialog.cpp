#include "SeriesBrowserDialog.h"

#include "strega/core/ProgressScope.h"
#include "strega/io/ImageReader.h"
#include "strega/render/SliceRenderer.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <map>

namespace strega::ui {

namespace {

constexpr int kThumbnailSize = 64;

QString metadata(const io::ImageInfo& info, const char* key) {
  auto it = info.metadata.find(key);
  return it == info.metadata.end() ? QString() : QString::fromStdString(it->second).trimmed();
}

QString sizeText(const io::ImageInfo& info) {
  const auto& g = info.geometry;
  return QStringLiteral("%1 x %2 x %3  (%4 x %5 x %6 mm)")
    .arg(g.size[0])
    .arg(g.size[1])
    .arg(g.size[2])
    .arg(g.spacingMm[0], 0, 'g', 3)
    .arg(g.spacingMm[1], 0, 'g', 3)
    .arg(g.spacingMm[2], 0, 'g', 3);
}

/// Middle axial slice of a volume at the automatic window, scaled to fit a square thumbnail.
QImage makeThumbnail(std::shared_ptr<const ImageF> image) {
  render::SliceGeometry geometry(image->geometry(), 256);
  render::SliceRenderer renderer;
  renderer.setImage(image);
  render::RgbaImage pixels;
  renderer.render(geometry.frame(render::ViewAxis::Axial, geometry.centreMm(), render::DisplayConvention::Radiological),
                  render::autoWindowLevel(*image), pixels);
  const QImage wrapped(reinterpret_cast<const uchar*>(pixels.pixels.data()), pixels.width, pixels.height,
                       pixels.width * 4, QImage::Format_RGB32);
  return wrapped.scaled(kThumbnailSize, kThumbnailSize, Qt::KeepAspectRatio, Qt::SmoothTransformation);
}

} // namespace

SeriesBrowserDialog::SeriesBrowserDialog(std::vector<io::ImageInfo> entries, QWidget* parent)
  : QDialog(parent), m_entries(std::move(entries)), m_tree(new QTreeWidget(this)),
    m_buttons(new QDialogButtonBox(QDialogButtonBox::Open | QDialogButtonBox::Cancel, this)) {
  setObjectName(QStringLiteral("seriesBrowser"));
  setWindowTitle(tr("Choose a series"));
  m_tree->setObjectName(QStringLiteral("seriesTree"));
  m_tree->setColumnCount(4);
  m_tree->setHeaderLabels({tr("Patient / study / series"), tr("Modality"), tr("Size"), tr("Files")});
  m_tree->setIconSize(QSize(kThumbnailSize, kThumbnailSize));
  m_tree->setUniformRowHeights(false);
  m_tree->setSelectionMode(QAbstractItemView::SingleSelection);

  // Group DICOM series by patient, then study; other files under one heading.
  std::map<QString, QTreeWidgetItem*> patients;
  std::map<QString, QTreeWidgetItem*> studies;
  QTreeWidgetItem* otherFiles = nullptr;
  QPixmap placeholder(kThumbnailSize, kThumbnailSize);
  placeholder.fill(Qt::black);
  for (std::size_t i = 0; i < m_entries.size(); ++i) {
    const io::ImageInfo& info = m_entries[i];
    QTreeWidgetItem* parentItem = nullptr;
    const bool dicom = QString::fromStdString(info.format).startsWith(QLatin1String("DICOM"));
    if (dicom) {
      const QString patientName = metadata(info, "PatientName").replace(QLatin1Char('^'), QLatin1Char(' '));
      const QString patientKey = patientName + QLatin1Char('|') + metadata(info, "PatientID");
      QTreeWidgetItem*& patient = patients[patientKey];
      if (!patient) {
        patient = new QTreeWidgetItem(
          m_tree, {tr("Patient: %1 (%2)")
                     .arg(patientName.isEmpty() ? tr("anonymous") : patientName, metadata(info, "PatientID"))});
        patient->setFlags(Qt::ItemIsEnabled);
        patient->setExpanded(true);
      }
      const QString studyKey = patientKey + QLatin1Char('|') + metadata(info, "StudyInstanceUID");
      QTreeWidgetItem*& study = studies[studyKey];
      if (!study) {
        QString studyText = metadata(info, "StudyDescription");
        if (studyText.isEmpty()) studyText = tr("Study");
        if (!metadata(info, "StudyDate").isEmpty()) studyText += QStringLiteral("  ") + metadata(info, "StudyDate");
        study = new QTreeWidgetItem(patient, {studyText});
        study->setFlags(Qt::ItemIsEnabled);
        study->setExpanded(true);
      }
      parentItem = study;
    } else {
      if (!otherFiles) {
        otherFiles = new QTreeWidgetItem(m_tree, {tr("Image files")});
        otherFiles->setFlags(Qt::ItemIsEnabled);
        otherFiles->setExpanded(true);
      }
      parentItem = otherFiles;
    }
    QString name = QString::fromStdString(info.description);
    if (dicom && !metadata(info, "SeriesNumber").isEmpty())
      name = tr("#%1 %2").arg(metadata(info, "SeriesNumber"), name);
    if (name.trimmed().isEmpty()) name = QString::fromStdString(std::filesystem::path(info.path).filename().string());
    auto* item = new QTreeWidgetItem(
      parentItem, {name, QString::fromStdString(info.modality), sizeText(info), QString::number(info.fileCount)});
    item->setIcon(0, QIcon(placeholder));
    item->setData(0, Qt::UserRole, static_cast<int>(i));
    item->setToolTip(0, QString::fromStdString(info.path));
    m_items.push_back(item);
  }
  for (int c = 0; c < 4; ++c)
    m_tree->resizeColumnToContents(c);
  if (!m_items.empty()) m_tree->setCurrentItem(m_items.front());

  connect(m_tree, &QTreeWidget::itemDoubleClicked, this, [this](QTreeWidgetItem* item) {
    if (item->data(0, Qt::UserRole).isValid()) accept();
  });
  connect(m_tree, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem* item) {
    m_buttons->button(QDialogButtonBox::Open)->setEnabled(item && item->data(0, Qt::UserRole).isValid());
  });
  connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(this, &SeriesBrowserDialog::thumbnailReady, this, &SeriesBrowserDialog::setThumbnail, Qt::QueuedConnection);

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(
    new QLabel(tr("%n volume(s) found. Pick one to open:", nullptr, static_cast<int>(m_entries.size())), this));
  layout->addWidget(m_tree);
  layout->addWidget(m_buttons);
  resize(820, 520);

  // Thumbnails, one volume after another; cancelled when the dialog goes.
  const std::vector<io::ImageInfo> toRead = m_entries;
  const CancelToken cancel = m_cancel;
  m_thumbnailJob = QtConcurrent::run([this, entries = toRead, cancel] {
    NullProgressSink sink;
    for (std::size_t i = 0; i < entries.size() && !cancel.isCancelled(); ++i) {
      try {
        ProgressScope scope(sink, "thumbnail", cancel);
        io::ReadOptions options;
        options.seriesUid = entries[i].seriesUid;
        auto loaded = io::readImage(entries[i].path, options, &scope);
        auto image = std::make_shared<const ImageF>(std::move(loaded.image));
        Q_EMIT thumbnailReady(static_cast<int>(i), makeThumbnail(image));
      } catch (const Cancelled&) {
        return;
      } catch (...) {
        // A volume that cannot be read keeps its placeholder; opening it reports the error.
      }
    }
  });
}

SeriesBrowserDialog::~SeriesBrowserDialog() {
  m_cancel.requestCancel();
  m_thumbnailJob.waitForFinished();
}

void SeriesBrowserDialog::setThumbnail(int entry, const QImage& thumbnail) {
  if (entry < 0 || entry >= static_cast<int>(m_items.size())) return;
  m_items[static_cast<std::size_t>(entry)]->setIcon(0, QIcon(QPixmap::fromImage(thumbnail)));
  ++m_thumbnails;
}

std::optional<io::ImageInfo> SeriesBrowserDialog::selected() const {
  const QTreeWidgetItem* item = m_tree->currentItem();
  if (!item || !item->data(0, Qt::UserRole).isValid()) return std::nullopt;
  return m_entries.at(static_cast<std::size_t>(item->data(0, Qt::UserRole).toInt()));
}

} // namespace strega::ui
