#pragma once
// ViewerModel: the state the views share (case, cursor, contrast, overlays, conventions), toolkit-light: a
// QObject only for its change signals. Views observe it; panels and actions change it.

#include "strega/render/OverlayStyle.h"
#include "strega/render/SliceFrame.h"
#include "strega/render/WindowLevel.h"
#include "strega/ui/CaseLoader.h"

#include <QObject>
#include <QString>

#include <memory>
#include <vector>

namespace strega::ui {

/// \brief Which overlay a layer is; fixes its default style, its settings key and its toggle shortcut.
enum class OverlayRole { Residual, AnomalyMask, BrainMask, Tissue, Reference };

/// \brief One overlay of the current case: its data (shared, read-only) and how it is drawn.
struct Overlay {
  OverlayRole role = OverlayRole::AnomalyMask;
  QString name;
  std::shared_ptr<const ImageF> values; ///< heat overlays (residual)
  std::shared_ptr<const Mask> labels;   ///< label overlays (masks, tissue, reference)
  render::HeatStyle heat;
  render::LabelStyle label;
  QStringList labelNames; ///< legend entries for labels 1.. (empty: one entry with the overlay name)

  bool isHeat() const { return values != nullptr; }
  bool visible() const { return isHeat() ? heat.visible : label.visible; }
};

/// Display name of a role ("Residual", "Anomaly mask", ...) and its settings key ("residual", ...).
QString displayName(OverlayRole role);
QString settingsKey(OverlayRole role);

/// \brief The shared viewer state: the loaded case and how it is shown.
///
/// The cursor is a world point (LPS, mm); each slice view shows the plane through it. Interactive moves snap the
/// cursor to the slice grid of the image (voxel centres for world-aligned volumes).
class ViewerModel : public QObject {
  Q_OBJECT
public:
  explicit ViewerModel(QObject* parent = nullptr);

  void setCase(std::shared_ptr<const LoadedCase> loaded, std::vector<Overlay> overlays);
  void clear();
  bool hasImage() const { return m_case && m_case->image; }
  const std::shared_ptr<const LoadedCase>& loadedCase() const { return m_case; }
  const render::SliceGeometry& sliceGeometry() const { return m_geometry; }

  const Vec3& cursor() const { return m_cursor; }
  /// Move the cursor; with `snap`, to the nearest slice-grid point.
  void setCursor(const Vec3& pointMm, bool snap = true);
  /// Move the cursor by `steps` slices along the normal of a view.
  void stepSlice(render::ViewAxis axis, int steps);
  /// Slice index of the cursor in a view.
  int sliceIndex(render::ViewAxis axis) const;

  const render::WindowLevel& windowLevel() const { return m_windowLevel; }
  void setWindowLevel(const render::WindowLevel& windowLevel);

  render::DisplayConvention convention() const { return m_convention; }
  void setConvention(render::DisplayConvention convention);

  const std::vector<Overlay>& overlays() const { return m_overlays; }
  /// Index of the overlay with a role, or -1.
  int overlayIndex(OverlayRole role) const;
  void setHeatStyle(int index, const render::HeatStyle& style);
  void setLabelStyle(int index, const render::LabelStyle& style);
  void setOverlayVisible(int index, bool visible);

  /// Ask every view to pan so that the cursor is at its centre (e.g. after picking a finding).
  void requestCentreOnCursor() { Q_EMIT centreOnCursorRequested(); }

Q_SIGNALS:
  void caseChanged();
  void cursorChanged();
  void windowLevelChanged();
  void conventionChanged();
  void overlayStyleChanged(int index);
  void centreOnCursorRequested();

private:
  std::shared_ptr<const LoadedCase> m_case;
  render::SliceGeometry m_geometry;
  Vec3 m_cursor{0, 0, 0};
  render::WindowLevel m_windowLevel;
  render::DisplayConvention m_convention = render::DisplayConvention::Radiological;
  std::vector<Overlay> m_overlays;
};

} // namespace strega::ui
