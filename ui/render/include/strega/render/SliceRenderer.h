#pragma once
/// \file
/// \brief SliceRenderer: resamples an image and its overlays on a world-aligned plane and composites them.

#include "strega/core/Volume.h"
#include "strega/render/OverlayStyle.h"
#include "strega/render/RgbaImage.h"
#include "strega/render/SliceFrame.h"
#include "strega/render/WindowLevel.h"

#include <memory>
#include <string>

namespace strega::render {

/// \brief Draws one slice of an image with its overlays into an RgbaImage (the rendering path of a slice view).
///
/// Every layer is resampled on the SliceFrame's world plane through its own geometry (VTK's vtkImageReslice with
/// an index-space transform), so layers on different grids, and oblique volumes, line up in world space (LPS,
/// mm). The image is interpolated linearly and shown through a WindowLevel; heat overlays are interpolated
/// linearly; label overlays by nearest neighbour. Points outside the image are black.
///
/// Layers are shared, read-only volumes (no copy is made). One renderer per view; not thread-safe.
class SliceRenderer {
public:
  SliceRenderer();
  ~SliceRenderer();
  SliceRenderer(const SliceRenderer&) = delete;
  SliceRenderer& operator=(const SliceRenderer&) = delete;

  /// The grey-scale base image; also removes all overlays.
  void setImage(std::shared_ptr<const ImageF> image);
  const std::shared_ptr<const ImageF>& image() const;

  /// Add an overlay drawn above the previous ones; returns its id.
  int addHeatOverlay(std::shared_ptr<const ImageF> values, const HeatStyle& style);
  int addLabelOverlay(std::shared_ptr<const Mask> labels, const LabelStyle& style);
  void setHeatStyle(int id, const HeatStyle& style);
  void setLabelStyle(int id, const LabelStyle& style);
  int overlayCount() const;

  /// Render the plane into `out` (resized to frame.width x frame.height).
  void render(const SliceFrame& frame, const WindowLevel& windowLevel, RgbaImage& out);

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace strega::render
