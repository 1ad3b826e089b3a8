// SliceRenderer: resampling in world space (aligned, oblique, overlays on other grids) and compositing.
#include "UiTestSupport.h"

#include "strega/render/SliceRenderer.h"

using namespace strega;
using namespace strega::render;

namespace {

std::shared_ptr<const ImageF> rampVolume() {
  ImageGeometry g;
  g.size = {8, 6, 4};
  ImageF image(g);
  for (std::size_t k = 0; k < 4; ++k)
    for (std::size_t j = 0; j < 6; ++j)
      for (std::size_t i = 0; i < 8; ++i)
        image.at(i, j, k) = static_cast<float>(10 * i + j + 100 * k);
  return std::make_shared<const ImageF>(std::move(image));
}

std::uint8_t grey(std::uint32_t argb) { return static_cast<std::uint8_t>(argb & 0xFF); }

} // namespace

TEST(SliceRenderer, AxisAlignedAxial_ShowsVoxelValuesThroughWindowLevel) {
  auto image = rampVolume();
  SliceRenderer renderer;
  renderer.setImage(image);
  const SliceGeometry geometry(image->geometry());
  const SliceFrame frame = geometry.frame(ViewAxis::Axial, {0, 0, 2}, DisplayConvention::Radiological);
  RgbaImage out;
  renderer.render(frame, WindowLevel::fromRange(0.0, 255.0), out);
  ASSERT_EQ(out.width, 8);
  ASSERT_EQ(out.height, 6);
  // Pixel (a, b) is voxel (a, b, 2): value 10a + b + 200, shown as that grey level (clamped at 255).
  for (int b = 0; b < 6; ++b)
    for (int a = 0; a < 8; ++a)
      EXPECT_EQ(grey(out.at(a, b)), std::min(255, 10 * a + b + 200)) << a << "," << b;
}

TEST(SliceRenderer, Coronal_SuperiorIsUpAndRadiologicalRightIsLeft) {
  auto image = rampVolume();
  SliceRenderer renderer;
  renderer.setImage(image);
  const SliceGeometry geometry(image->geometry());
  RgbaImage out;
  renderer.render(geometry.frame(ViewAxis::Coronal, {0, 3, 0}, DisplayConvention::Radiological),
                  WindowLevel::fromRange(0.0, 510.0), out);
  ASSERT_EQ(out.width, 8);
  ASSERT_EQ(out.height, 4);
  // Top row is k = 3 (superior), first column is i = 0 (x = 0, the patient's right-most column).
  EXPECT_NEAR(grey(out.at(0, 0)), (0 + 3 + 300) / 2.0, 0.51);
  EXPECT_NEAR(grey(out.at(7, 3)), (70 + 3 + 0) / 2.0, 0.51);
}

TEST(SliceRenderer, ObliqueVolume_BrightBlockAppearsAtItsWorldPointInEveryView) {
  Vec3 centreMm;
  auto image = std::make_shared<const ImageF>(strega::testing::obliqueVolumeWithBlock({20, 15, 12}, centreMm));
  SliceRenderer renderer;
  renderer.setImage(image);
  const SliceGeometry geometry(image->geometry());
  for (ViewAxis axis : {ViewAxis::Axial, ViewAxis::Coronal, ViewAxis::Sagittal}) {
    const SliceFrame frame = geometry.frame(axis, centreMm, DisplayConvention::Radiological);
    RgbaImage out;
    renderer.render(frame, WindowLevel::fromRange(0.0, 1000.0), out);
    const auto ab = frame.worldToPixel(centreMm);
    const int a = static_cast<int>(std::lround(ab[0]));
    const int b = static_cast<int>(std::lround(ab[1]));
    ASSERT_TRUE(a >= 0 && b >= 0 && a < out.width && b < out.height) << toString(axis);
    EXPECT_EQ(grey(out.at(a, b)), 255) << toString(axis);
    // Six millimetres away (beyond the 3-voxel block) the image is dark again.
    const int away = static_cast<int>(std::ceil(6.0 / frame.pixelSizeMm));
    EXPECT_LT(grey(out.at(std::min(a + away, out.width - 1), b)), 10) << toString(axis);
    EXPECT_LT(grey(out.at(a, std::min(b + away, out.height - 1))), 10) << toString(axis);
  }
}

TEST(SliceRenderer, OutsideTheVolume_IsBlack) {
  Vec3 centreMm;
  auto image = std::make_shared<const ImageF>(strega::testing::obliqueVolumeWithBlock({20, 15, 12}, centreMm));
  SliceRenderer renderer;
  renderer.setImage(image);
  const SliceGeometry geometry(image->geometry());
  RgbaImage out;
  // The bounding box of a rotated volume has corners outside it; the level puts the volume's 10 at mid grey.
  renderer.render(geometry.frame(ViewAxis::Axial, centreMm, DisplayConvention::Radiological),
                  WindowLevel::fromRange(0.0, 20.0), out);
  EXPECT_EQ(out.at(0, 0), packArgb(0, 0, 0));
  EXPECT_NEAR(grey(out.at(out.width / 2, out.height / 2 + 8)), 128, 1);
}

TEST(SliceRenderer, LabelOverlayOnAnotherGrid_LinesUpInWorldSpace) {
  auto image = rampVolume(); // 1 mm grid at the origin
  ImageGeometry maskGrid;    // 0.5 mm grid shifted by (2, 1, 0) mm
  maskGrid.size = {8, 8, 8};
  maskGrid.spacingMm = {0.5, 0.5, 0.5};
  maskGrid.originMm = {2.0, 1.0, 0.0};
  Mask mask(maskGrid);
  mask.at(4, 2, 4) = 1; // world (4, 2, 2)
  SliceRenderer renderer;
  renderer.setImage(image);
  LabelStyle style;
  style.colour = {0, 255, 0};
  style.opacity = 1.0;
  renderer.addLabelOverlay(std::make_shared<const Mask>(mask), style);
  const SliceGeometry geometry(image->geometry());
  RgbaImage out;
  renderer.render(geometry.frame(ViewAxis::Axial, {0, 0, 2}, DisplayConvention::Radiological),
                  WindowLevel::fromRange(0, 1000), out);
  EXPECT_EQ(out.at(4, 2), packArgb(0, 255, 0));
  EXPECT_NE(out.at(3, 2), packArgb(0, 255, 0));
  EXPECT_NE(out.at(4, 3), packArgb(0, 255, 0));
}

TEST(SliceRenderer, OutlineMode_DrawsBoundaryPixelsOnly) {
  ImageGeometry g;
  g.size = {9, 9, 1};
  auto image = std::make_shared<const ImageF>(ImageF(g, 0.0f));
  Mask mask(g);
  for (std::size_t j = 2; j <= 6; ++j)
    for (std::size_t i = 2; i <= 6; ++i)
      mask.at(i, j, 0) = 1;
  SliceRenderer renderer;
  renderer.setImage(image);
  LabelStyle style;
  style.colour = {255, 0, 0};
  style.opacity = 1.0;
  style.mode = MaskMode::Outline;
  const int id = renderer.addLabelOverlay(std::make_shared<const Mask>(mask), style);
  const SliceGeometry geometry(g);
  const SliceFrame frame = geometry.frame(ViewAxis::Axial, {0, 0, 0}, DisplayConvention::Radiological);
  RgbaImage out;
  renderer.render(frame, WindowLevel::fromRange(0, 1), out);
  EXPECT_EQ(out.at(2, 4), packArgb(255, 0, 0)); // edge
  EXPECT_EQ(out.at(4, 2), packArgb(255, 0, 0));
  EXPECT_EQ(out.at(4, 4), packArgb(0, 0, 0)); // interior left clear
  EXPECT_EQ(out.at(1, 4), packArgb(0, 0, 0)); // outside
  style.mode = MaskMode::Fill;
  renderer.setLabelStyle(id, style);
  renderer.render(frame, WindowLevel::fromRange(0, 1), out);
  EXPECT_EQ(out.at(4, 4), packArgb(255, 0, 0));
  style.visible = false;
  renderer.setLabelStyle(id, style);
  renderer.render(frame, WindowLevel::fromRange(0, 1), out);
  EXPECT_EQ(out.at(4, 4), packArgb(0, 0, 0));
}

TEST(SliceRenderer, HeatOverlay_TransparentBelowThresholdAndColourMappedAbove) {
  ImageGeometry g;
  g.size = {4, 1, 1};
  auto image = std::make_shared<const ImageF>(ImageF(g, 0.0f));
  auto scores = std::make_shared<const ImageF>(ImageF(g, std::vector<float>{0.1f, 0.5f, 1.0f, 2.0f}));
  SliceRenderer renderer;
  renderer.setImage(image);
  HeatStyle style;
  style.threshold = 0.5;
  style.maximum = 1.0;
  style.opacity = 1.0;
  style.colormap = Colormap::Grey;
  renderer.addHeatOverlay(scores, style);
  const SliceGeometry geometry(g);
  RgbaImage out;
  renderer.render(geometry.frame(ViewAxis::Axial, {0, 0, 0}, DisplayConvention::Radiological),
                  WindowLevel::fromRange(0, 1), out);
  EXPECT_EQ(out.at(0, 0), packArgb(0, 0, 0));       // below threshold: image shows
  EXPECT_EQ(out.at(1, 0), packArgb(0, 0, 0));       // at threshold: low end of the grey map
  EXPECT_EQ(out.at(2, 0), packArgb(255, 255, 255)); // at maximum
  EXPECT_EQ(out.at(3, 0), packArgb(255, 255, 255)); // saturated
}

TEST(WindowLevel, PercentileRange_IgnoresBackgroundAndRespectsMask) {
  ImageGeometry g;
  g.size = {101, 2, 1};
  ImageF image(g, 0.0f);
  for (std::size_t i = 0; i < 101; ++i)
    image.at(i, 0, 0) = static_cast<float>(i); // 0..100; row 1 stays 0
  const auto all = percentileRange(image, 0.0, 100.0, false);
  ASSERT_TRUE(all);
  EXPECT_DOUBLE_EQ(all->first, 0.0);
  EXPECT_DOUBLE_EQ(all->second, 100.0);
  const auto foreground = percentileRange(image, 0.0, 50.0, true); // 1..100
  ASSERT_TRUE(foreground);
  EXPECT_DOUBLE_EQ(foreground->first, 1.0);
  EXPECT_NEAR(foreground->second, 50.0, 1.0);
  Mask within(g);
  for (std::size_t i = 60; i <= 70; ++i)
    within.at(i, 0, 0) = 1;
  const auto masked = percentileRange(image, 0.0, 100.0, true, &within);
  ASSERT_TRUE(masked);
  EXPECT_DOUBLE_EQ(masked->first, 60.0);
  EXPECT_DOUBLE_EQ(masked->second, 70.0);
  const WindowLevel wl = WindowLevel::fromRange(60.0, 70.0);
  EXPECT_DOUBLE_EQ(wl.window, 10.0);
  EXPECT_DOUBLE_EQ(wl.level, 65.0);
}

TEST(Colormap, Tables_RunFromLowToHighEnd) {
  EXPECT_EQ(colormapTable(Colormap::Grey)[0], (Rgb{0, 0, 0}));
  EXPECT_EQ(colormapTable(Colormap::Grey)[255], (Rgb{255, 255, 255}));
  EXPECT_EQ(colormapTable(Colormap::Hot)[255], (Rgb{255, 255, 255}));
  EXPECT_GT(colormapTable(Colormap::Hot)[0].r, 100); // starts dark red, not black
  EXPECT_EQ(colormapFromString("viridis"), Colormap::Viridis);
  EXPECT_EQ(colormapFromString("nonsense"), Colormap::Hot);
}
