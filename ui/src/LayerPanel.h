#pragma once
// LayerPanel: contrast of the image (window/level, presets) and one box per overlay (visibility, opacity, colour,
// fill/outline or colour map and threshold) with its legend. FindingsPanel: the findings of a run's report.

#include "AppSettings.h"

#include <QWidget>

#include <optional>

class QComboBox;
class QDoubleSpinBox;
class QTableWidget;
class QVBoxLayout;

namespace strega::ui {

class ViewerModel;

/// \brief Names of the window/level presets for the current case: Auto (1-99 % of the foreground), Brain (1-99 %
/// inside the brain mask when there is one on the image grid, else 5-99.5 % of the foreground), Full range, CT brain
/// (W 80 L 40) for CT, then the user's saved presets.
QStringList windowLevelPresetNames(const ViewerModel& model, const AppSettings& settings);
/// The window/level of a preset, computed when asked (percentiles take a few milliseconds), or nothing.
std::optional<render::WindowLevel> windowLevelPreset(const ViewerModel& model, const AppSettings& settings,
                                                     const QString& name);

/// \brief The Layers side panel.
class LayerPanel : public QWidget {
  Q_OBJECT
public:
  LayerPanel(ViewerModel* model, AppSettings* settings, QWidget* parent = nullptr);

  /// Apply the preset of that name, if it exists for the current case.
  bool applyPreset(const QString& name);

private:
  void rebuild();
  void syncWindowLevel();
  void saveCurrentAsPreset();
  QWidget* makeOverlayBox(int index);

  ViewerModel* m_model;
  AppSettings* m_settings;
  QVBoxLayout* m_layout = nullptr;
  QWidget* m_content = nullptr;
  QDoubleSpinBox* m_window = nullptr;
  QDoubleSpinBox* m_level = nullptr;
  QComboBox* m_presets = nullptr;
};

/// \brief The findings of a run (volume, region, peak score); picking a row centres every view on it.
class FindingsPanel : public QWidget {
  Q_OBJECT
public:
  explicit FindingsPanel(ViewerModel* model, QWidget* parent = nullptr);
  QTableWidget* table() const { return m_table; }

private:
  void rebuild();
  ViewerModel* m_model;
  QTableWidget* m_table;
};

} // namespace strega::ui
