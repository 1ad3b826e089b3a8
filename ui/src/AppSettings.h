#pragma once
// AppSettings: what the viewer keeps between runs (QSettings, organisation "StRegA", application "strega").

#include "ViewerModel.h"
#include "strega/postprocess/Postprocess.h"

#include <QByteArray>
#include <QList>
#include <QSettings>
#include <QString>
#include <QStringList>

namespace strega::ui {

/// \brief A named window/level (image units).
struct WindowLevelPreset {
  QString name;
  double window = 1.0;
  double level = 0.5;
};

/// \brief The screening settings of the side panel (what `strega-cli run` takes as options).
struct ScreeningSettings {
  QString device = QStringLiteral("auto"); ///< auto | cpu | cuda
  QString modelPath;                       ///< empty: the shipped default model
  bool fixedThreshold = false;             ///< false: Otsu's threshold
  double threshold = 0.2;                  ///< the fixed threshold (anomaly score units)
  // The post-processing defaults are the pipeline's, so that the panel and strega-cli run start alike.
  double minAreaMm2 = postprocess::PostprocessOptions{}.minAreaMm2;           ///< per-slice area opening (mm²)
  double openingRadiusMm = postprocess::PostprocessOptions{}.openingRadiusMm; ///< 3D opening (mm; 0 = none)
  bool fillHoles = postprocess::PostprocessOptions{}.fillHoles;               ///< fill the mask's holes slice by slice
  bool skipRegistration = false; ///< false: automatic registration to Colin27
  QString outputRoot;            ///< empty: next to the input
};

/// \brief The batch panel's last folders and settings.
struct BatchSettings {
  QString inputFolder;
  QString outputFolder;
  int jobs = 1;
  bool resume = true;
};

/// \brief The evaluation panel's last folders and settings (what `strega-cli eval` takes as options).
struct EvalSettings {
  QString predictionsFolder;
  QString truthFolder;
  QString outputFolder;                    ///< empty: the results are shown, not written
  QString resultsFolder;                   ///< where "Open Results" last read an eval.json
  bool baseline = false;                   ///< also score the threshold baseline
  QString modality = QStringLiteral("t2"); ///< the baseline's preferred image: t2, flair or t1
  double k = 2.0;                          ///< the baseline's threshold: mean + k SD of the brain
};

/// \brief Typed access to the persisted settings: last folder, recent files, layout, display convention,
/// overlay appearance per role, user window/level presets, screening, batch and evaluation settings.
class AppSettings {
public:
  static constexpr int kMaxRecentFiles = 10;
  /// Layout value for the 2x2 grid; 0..3 is the index of a maximised view.
  static constexpr int kGridLayout = -1;

  QString lastFolder() const;
  void setLastFolder(const QString& folder);

  QStringList recentFiles() const;
  /// Put `path` first in the recent list (no duplicates, at most kMaxRecentFiles).
  void addRecentFile(const QString& path);
  void removeRecentFile(const QString& path);

  int layout() const;
  void setLayout(int layout);

  render::DisplayConvention convention() const;
  void setConvention(render::DisplayConvention convention);

  /// Overlay appearance (visibility, opacity, colour, mode, colour map) per role, over the given defaults.
  render::HeatStyle heatStyle(OverlayRole role, const render::HeatStyle& defaults) const;
  void setHeatStyle(OverlayRole role, const render::HeatStyle& style);
  render::LabelStyle labelStyle(OverlayRole role, const render::LabelStyle& defaults) const;
  void setLabelStyle(OverlayRole role, const render::LabelStyle& style);

  QList<WindowLevelPreset> windowLevelPresets() const;
  void setWindowLevelPresets(const QList<WindowLevelPreset>& presets);

  ScreeningSettings screening() const;
  void setScreening(const ScreeningSettings& settings);
  BatchSettings batch() const;
  void setBatch(const BatchSettings& settings);
  EvalSettings evaluation() const;
  void setEvaluation(const EvalSettings& settings);

  QByteArray windowGeometry() const;
  QByteArray windowState() const;
  void setWindowGeometry(const QByteArray& geometry, const QByteArray& state);

private:
  mutable QSettings m_settings{QStringLiteral("StRegA"), QStringLiteral("strega")};
};

} // namespace strega::ui
