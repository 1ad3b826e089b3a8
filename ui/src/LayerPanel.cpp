#include "LayerPanel.h"

#include "ViewerModel.h"

#include "strega/render/Colormap.h"

#include <QCheckBox>
#include <QColorDialog>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSlider>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>

namespace strega::ui {

namespace {

QColor toQColor(render::Rgb c) { return QColor(c.r, c.g, c.b); }
render::Rgb toRgb(const QColor& c) {
  return {static_cast<std::uint8_t>(c.red()), static_cast<std::uint8_t>(c.green()),
          static_cast<std::uint8_t>(c.blue())};
}

/// A horizontal colour bar of a heat overlay, labelled with its threshold and maximum.
class ColourBar : public QWidget {
public:
  ColourBar(const render::HeatStyle& style, QWidget* parent) : QWidget(parent), m_style(style) {
    setMinimumHeight(34);
    setToolTip(tr("Colour bar: transparent below the threshold"));
  }
  void setStyle(const render::HeatStyle& style) {
    m_style = style;
    update();
  }

protected:
  void paintEvent(QPaintEvent*) override {
    QPainter p(this);
    const QRect bar(2, 2, width() - 4, 14);
    const auto& table = render::colormapTable(m_style.colormap);
    for (int x = 0; x < bar.width(); ++x) {
      const int entry = std::clamp(x * 255 / std::max(1, bar.width() - 1), 0, 255);
      p.setPen(toQColor(table[entry]));
      p.drawLine(bar.left() + x, bar.top(), bar.left() + x, bar.bottom());
    }
    p.setPen(palette().color(QPalette::WindowText));
    p.drawRect(bar.adjusted(0, 0, -1, -1));
    const QRect text(2, bar.bottom() + 2, width() - 4, height() - bar.bottom() - 2);
    p.drawText(text, Qt::AlignLeft | Qt::AlignTop, QString::number(m_style.threshold, 'g', 3));
    p.drawText(text, Qt::AlignRight | Qt::AlignTop, QString::number(m_style.maximum, 'g', 3));
  }

private:
  render::HeatStyle m_style;
};

/// Colour swatches of a label overlay with their names.
QWidget* makeLabelLegend(const Overlay& overlay, QWidget* parent) {
  auto* legend = new QWidget(parent);
  auto* layout = new QVBoxLayout(legend);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(2);
  const QStringList names = overlay.labelNames.isEmpty() ? QStringList{overlay.name} : overlay.labelNames;
  for (int i = 0; i < names.size(); ++i) {
    auto* row = new QLabel(parent);
    const QColor colour = toQColor(overlay.label.colourOf(static_cast<unsigned>(i + 1)));
    row->setText(
      QStringLiteral("<span style='color:%1'>&#9632;</span> %2").arg(colour.name(), names[i].toHtmlEscaped()));
    layout->addWidget(row);
  }
  return legend;
}

} // namespace

QStringList windowLevelPresetNames(const ViewerModel& model, const AppSettings& settings) {
  QStringList names;
  if (model.hasImage()) {
    names << QObject::tr("Auto (1-99 %)") << QObject::tr("Brain") << QObject::tr("Full range");
    if (model.loadedCase()->info.modality == "CT") names << QObject::tr("CT brain");
  }
  for (const auto& preset : settings.windowLevelPresets())
    names << preset.name;
  return names;
}

std::optional<render::WindowLevel> windowLevelPreset(const ViewerModel& model, const AppSettings& settings,
                                                     const QString& name) {
  if (!windowLevelPresetNames(model, settings).contains(name)) return std::nullopt;
  for (const auto& preset : settings.windowLevelPresets())
    if (preset.name == name) return render::WindowLevel{preset.window, preset.level};
  if (!model.hasImage()) return std::nullopt;
  const LoadedCase& c = *model.loadedCase();
  const ImageF& image = *c.image;
  std::optional<std::pair<double, double>> range;
  if (name == QObject::tr("Auto (1-99 %)")) {
    range = render::percentileRange(image, 1.0, 99.0, true);
  } else if (name == QObject::tr("Brain")) {
    if (c.brainMask && c.brainMask->geometry().sameGrid(image.geometry()))
      range = render::percentileRange(image, 1.0, 99.0, true, c.brainMask.get());
    else
      range = render::percentileRange(image, 5.0, 99.5, true);
  } else if (name == QObject::tr("Full range")) {
    range = render::percentileRange(image, 0.0, 100.0, false);
  } else if (name == QObject::tr("CT brain")) {
    return render::WindowLevel{80.0, 40.0};
  }
  if (!range) return std::nullopt;
  return render::WindowLevel::fromRange(range->first, range->second);
}

LayerPanel::LayerPanel(ViewerModel* model, AppSettings* settings, QWidget* parent)
  : QWidget(parent), m_model(model), m_settings(settings) {
  setObjectName(QStringLiteral("layerPanel"));
  m_layout = new QVBoxLayout(this);
  m_layout->setContentsMargins(4, 4, 4, 4);
  connect(model, &ViewerModel::caseChanged, this, &LayerPanel::rebuild);
  connect(model, &ViewerModel::windowLevelChanged, this, &LayerPanel::syncWindowLevel);
  rebuild();
}

void LayerPanel::rebuild() {
  if (m_content) m_content->deleteLater();
  m_content = new QWidget(this);
  m_layout->addWidget(m_content);
  auto* column = new QVBoxLayout(m_content);
  column->setContentsMargins(0, 0, 0, 0);
  m_window = m_level = nullptr;
  m_presets = nullptr;
  if (!m_model->hasImage()) {
    auto* hint = new QLabel(tr("No image loaded."), m_content);
    column->addWidget(hint);
    column->addStretch(1);
    return;
  }

  auto* imageBox = new QGroupBox(tr("Image contrast"), m_content);
  auto* form = new QFormLayout(imageBox);
  m_window = new QDoubleSpinBox(imageBox);
  m_level = new QDoubleSpinBox(imageBox);
  for (QDoubleSpinBox* spin : {m_window, m_level}) {
    spin->setRange(-1e9, 1e9);
    spin->setDecimals(3);
    spin->setKeyboardTracking(false);
  }
  m_window->setMinimum(1e-6);
  m_window->setObjectName(QStringLiteral("windowSpin"));
  m_level->setObjectName(QStringLiteral("levelSpin"));
  form->addRow(tr("Window"), m_window);
  form->addRow(tr("Level"), m_level);
  m_presets = new QComboBox(imageBox);
  m_presets->setObjectName(QStringLiteral("presetCombo"));
  m_presets->addItem(tr("Presets..."));
  m_presets->addItems(windowLevelPresetNames(*m_model, *m_settings));
  auto* save = new QPushButton(tr("Save..."), imageBox);
  save->setToolTip(tr("Save the current window/level as a named preset"));
  auto* presetRow = new QHBoxLayout;
  presetRow->addWidget(m_presets, 1);
  presetRow->addWidget(save);
  form->addRow(tr("Preset"), presetRow);
  column->addWidget(imageBox);
  syncWindowLevel();
  auto onSpin = [this] { m_model->setWindowLevel({m_window->value(), m_level->value()}); };
  connect(m_window, &QDoubleSpinBox::valueChanged, this, onSpin);
  connect(m_level, &QDoubleSpinBox::valueChanged, this, onSpin);
  connect(m_presets, &QComboBox::activated, this, [this](int index) {
    if (index > 0) applyPreset(m_presets->itemText(index));
    m_presets->setCurrentIndex(0);
  });
  connect(save, &QPushButton::clicked, this, &LayerPanel::saveCurrentAsPreset);

  for (std::size_t i = 0; i < m_model->overlays().size(); ++i)
    column->addWidget(makeOverlayBox(static_cast<int>(i)));
  column->addStretch(1);
}

QWidget* LayerPanel::makeOverlayBox(int index) {
  const Overlay& overlay = m_model->overlays()[static_cast<std::size_t>(index)];
  auto* box = new QGroupBox(overlay.name, m_content);
  box->setObjectName(QStringLiteral("overlay_") + settingsKey(overlay.role));
  box->setCheckable(true);
  box->setChecked(overlay.visible());
  auto* form = new QFormLayout(box);
  connect(box, &QGroupBox::toggled, this, [this, index](bool on) { m_model->setOverlayVisible(index, on); });

  auto* opacity = new QSlider(Qt::Horizontal, box);
  opacity->setRange(0, 100);
  opacity->setValue(
    static_cast<int>(std::lround((overlay.isHeat() ? overlay.heat.opacity : overlay.label.opacity) * 100)));
  form->addRow(tr("Opacity"), opacity);

  // Persist every change of appearance under the overlay's role.
  auto persist = [this, index] {
    const Overlay& o = m_model->overlays()[static_cast<std::size_t>(index)];
    if (o.isHeat())
      m_settings->setHeatStyle(o.role, o.heat);
    else
      m_settings->setLabelStyle(o.role, o.label);
  };
  connect(m_model, &ViewerModel::overlayStyleChanged, box, [this, box, index, persist](int changed) {
    if (changed != index) return;
    const QSignalBlocker block(box);
    box->setChecked(m_model->overlays()[static_cast<std::size_t>(index)].visible());
    persist();
  });

  if (overlay.isHeat()) {
    connect(opacity, &QSlider::valueChanged, this, [this, index](int v) {
      auto style = m_model->overlays()[static_cast<std::size_t>(index)].heat;
      style.opacity = v / 100.0;
      m_model->setHeatStyle(index, style);
    });
    auto* colormap = new QComboBox(box);
    for (render::Colormap map : render::allColormaps())
      colormap->addItem(QString::fromLatin1(render::toString(map)));
    colormap->setCurrentText(QString::fromLatin1(render::toString(overlay.heat.colormap)));
    form->addRow(tr("Colour map"), colormap);
    auto* threshold = new QDoubleSpinBox(box);
    auto* maximum = new QDoubleSpinBox(box);
    const double top = std::max(std::abs(overlay.heat.maximum) * 4, 1.0);
    for (QDoubleSpinBox* spin : {threshold, maximum}) {
      spin->setRange(-top, top);
      spin->setDecimals(4);
      spin->setSingleStep(std::max(overlay.heat.maximum / 50.0, 1e-4));
      spin->setKeyboardTracking(false);
    }
    threshold->setValue(overlay.heat.threshold);
    maximum->setValue(overlay.heat.maximum);
    form->addRow(tr("Threshold"), threshold);
    form->addRow(tr("Maximum"), maximum);
    auto* bar = new ColourBar(overlay.heat, box);
    form->addRow(bar);
    auto update = [this, index, colormap, threshold, maximum, bar] {
      auto style = m_model->overlays()[static_cast<std::size_t>(index)].heat;
      style.colormap = render::colormapFromString(colormap->currentText().toStdString());
      style.threshold = threshold->value();
      style.maximum = std::max(maximum->value(), threshold->value() + 1e-6);
      m_model->setHeatStyle(index, style);
      bar->setStyle(style);
    };
    connect(colormap, &QComboBox::currentIndexChanged, this, update);
    connect(threshold, &QDoubleSpinBox::valueChanged, this, update);
    connect(maximum, &QDoubleSpinBox::valueChanged, this, update);
  } else {
    connect(opacity, &QSlider::valueChanged, this, [this, index](int v) {
      auto style = m_model->overlays()[static_cast<std::size_t>(index)].label;
      style.opacity = v / 100.0;
      m_model->setLabelStyle(index, style);
    });
    auto* mode = new QComboBox(box);
    mode->addItems({tr("Fill"), tr("Outline")});
    mode->setCurrentIndex(overlay.label.mode == render::MaskMode::Outline ? 1 : 0);
    form->addRow(tr("Draw"), mode);
    connect(mode, &QComboBox::currentIndexChanged, this, [this, index](int m) {
      auto style = m_model->overlays()[static_cast<std::size_t>(index)].label;
      style.mode = m == 1 ? render::MaskMode::Outline : render::MaskMode::Fill;
      m_model->setLabelStyle(index, style);
    });
    connect(m_model, &ViewerModel::overlayStyleChanged, mode, [this, mode, index](int changed) {
      if (changed != index) return;
      const QSignalBlocker block(mode);
      mode->setCurrentIndex(m_model->overlays()[static_cast<std::size_t>(index)].label.mode ==
                            render::MaskMode::Outline);
    });
    if (overlay.label.labelColours.size() <= 1) {
      auto* colour = new QPushButton(box);
      auto paintButton = [colour](render::Rgb c) {
        QPixmap swatch(16, 16);
        swatch.fill(toQColor(c));
        colour->setIcon(QIcon(swatch));
        colour->setText(toQColor(c).name());
      };
      paintButton(overlay.label.colour);
      form->addRow(tr("Colour"), colour);
      connect(colour, &QPushButton::clicked, this, [this, index, paintButton] {
        auto style = m_model->overlays()[static_cast<std::size_t>(index)].label;
        const QColor chosen = QColorDialog::getColor(toQColor(style.colour), this, tr("Overlay colour"));
        if (!chosen.isValid()) return;
        style.colour = toRgb(chosen);
        m_model->setLabelStyle(index, style);
        paintButton(style.colour);
      });
    } else {
      form->addRow(makeLabelLegend(overlay, box));
    }
  }
  return box;
}

void LayerPanel::syncWindowLevel() {
  if (!m_window || !m_level) return;
  const QSignalBlocker a(m_window);
  const QSignalBlocker b(m_level);
  m_window->setValue(m_model->windowLevel().window);
  m_level->setValue(m_model->windowLevel().level);
  const double step = std::max(m_model->windowLevel().window / 100.0, 1e-3);
  m_window->setSingleStep(step);
  m_level->setSingleStep(step);
}

bool LayerPanel::applyPreset(const QString& name) {
  const auto wl = windowLevelPreset(*m_model, *m_settings, name);
  if (!wl) return false;
  m_model->setWindowLevel(*wl);
  return true;
}

void LayerPanel::saveCurrentAsPreset() {
  bool ok = false;
  const QString name =
    QInputDialog::getText(this, tr("Save window/level"), tr("Preset name:"), QLineEdit::Normal, QString(), &ok);
  if (!ok || name.trimmed().isEmpty()) return;
  auto presets = m_settings->windowLevelPresets();
  presets.removeIf([&name](const WindowLevelPreset& p) { return p.name == name.trimmed(); });
  presets.append({name.trimmed(), m_model->windowLevel().window, m_model->windowLevel().level});
  m_settings->setWindowLevelPresets(presets);
  if (m_presets) m_presets->addItem(name.trimmed());
}

FindingsPanel::FindingsPanel(ViewerModel* model, QWidget* parent)
  : QWidget(parent), m_model(model), m_table(new QTableWidget(this)) {
  setObjectName(QStringLiteral("findingsPanel"));
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addWidget(m_table);
  m_table->setObjectName(QStringLiteral("findingsTable"));
  m_table->setColumnCount(4);
  m_table->setHorizontalHeaderLabels({tr("#"), tr("Volume (mL)"), tr("Regions"), tr("Peak score")});
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setSelectionMode(QAbstractItemView::SingleSelection);
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->verticalHeader()->setVisible(false);
  m_table->horizontalHeader()->setSectionResizeMode(2, QHeaderView::Stretch);
  // Region cells hold one region per line; a line too long for the dock loses its middle, not its share.
  m_table->setWordWrap(false);
  m_table->setTextElideMode(Qt::ElideMiddle);
  connect(model, &ViewerModel::caseChanged, this, &FindingsPanel::rebuild);
  connect(m_table, &QTableWidget::cellClicked, this, [this](int row, int) {
    if (!m_model->hasImage()) return;
    const auto& findings = m_model->loadedCase()->findings;
    if (row < 0 || row >= static_cast<int>(findings.size()) || !findings[static_cast<std::size_t>(row)].centroidMm)
      return;
    m_model->setCursor(*findings[static_cast<std::size_t>(row)].centroidMm);
    m_model->requestCentreOnCursor();
  });
  rebuild();
}

void FindingsPanel::rebuild() {
  m_table->clearContents();
  m_table->setRowCount(0);
  if (!m_model->hasImage()) return;
  const auto& findings = m_model->loadedCase()->findings;
  m_table->setRowCount(static_cast<int>(findings.size()));
  for (int row = 0; row < static_cast<int>(findings.size()); ++row) {
    const Finding& f = findings[static_cast<std::size_t>(row)];
    auto cell = [this, row](int column, const QString& text, Qt::Alignment align) {
      auto* item = new QTableWidgetItem(text);
      item->setTextAlignment(align | Qt::AlignVCenter);
      m_table->setItem(row, column, item);
    };
    cell(0, QString::number(f.id), Qt::AlignRight);
    cell(1, QString::number(f.volumeMl, 'f', 2), Qt::AlignRight);
    // The shares say when a finding spreads over several regions (deep white matter touching the cortex).
    // One region per line: the dock is narrow, and an elided list would hide the shares.
    QStringList lines;
    for (const postprocess::RegionShare& share : f.regions)
      lines << QString::fromStdString(postprocess::describeShare(share));
    const QString regions = lines.isEmpty() ? QString::fromStdString(f.region) : lines.join(QLatin1Char('\n'));
    cell(2, regions.isEmpty() ? tr("(unknown)") : regions, Qt::AlignLeft);
    m_table->item(row, 2)->setToolTip(regions);
    cell(3, QString::number(f.peakScore, 'f', 3), Qt::AlignRight);
  }
  m_table->resizeColumnsToContents();
  m_table->horizontalHeader()->setSectionResizeMode(2, QHeaderView::Stretch);
  m_table->resizeRowsToContents();
}

} // namespace strega::ui
