#include "strega/render/SliceRenderer.h"

#include <vtkFloatArray.h>
#include <vtkImageData.h>
#include <vtkImageReslice.h>
#include <vtkMatrix4x4.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkSmartPointer.h>
#include <vtkUnsignedCharArray.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <variant>
#include <vector>

namespace strega::render {

namespace {

/// One volume prepared for reslicing: a zero-copy vtkImageData in index space (origin 0, spacing 1, so VTK's
/// "input coordinates" are voxel indices) and the world -> index map applied through the reslice axes.
class ReslicedVolume {
public:
  template <class T> ReslicedVolume(const Volume<T>& volume, bool linear, double background) {
    const ImageGeometry& g = volume.geometry();
    m_origin = g.originMm;
    m_worldToIndex = inverse(g.indexToPhysicalMatrix());
    m_input->SetDimensions(static_cast<int>(g.size[0]), static_cast<int>(g.size[1]), static_cast<int>(g.size[2]));
    m_input->SetSpacing(1.0, 1.0, 1.0);
    m_input->SetOrigin(0.0, 0.0, 0.0);
    vtkSmartPointer<vtkDataArray> scalars;
    // The volume outlives this object (shared_ptr held by the layer); save = 1 tells VTK not to free it.
    if constexpr (std::is_same_v<T, float>) {
      auto array = vtkSmartPointer<vtkFloatArray>::New();
      array->SetArray(const_cast<float*>(volume.data()), static_cast<vtkIdType>(volume.voxelCount()), 1);
      scalars = array;
    } else {
      auto array = vtkSmartPointer<vtkUnsignedCharArray>::New();
      array->SetArray(const_cast<std::uint8_t*>(volume.data()), static_cast<vtkIdType>(volume.voxelCount()), 1);
      scalars = array;
    }
    scalars->SetNumberOfComponents(1);
    m_input->GetPointData()->SetScalars(scalars);

    m_reslice->SetInputData(m_input);
    m_reslice->SetOutputDimensionality(2);
    m_reslice->SetOutputSpacing(1.0, 1.0, 1.0);
    m_reslice->SetOutputOrigin(0.0, 0.0, 0.0);
    m_reslice->SetResliceAxes(m_axes);
    m_reslice->SetBackgroundLevel(background);
    if (linear)
      m_reslice->SetInterpolationModeToLinear();
    else
      m_reslice->SetInterpolationModeToNearestNeighbor();
  }

  /// Resample on the frame's plane; returns the frame.width x frame.height samples, row by row from the top.
  const void* resample(const SliceFrame& frame) {
    // Output pixel (a, b, 0) -> world origin + a px right + b px down -> index = W2I (world - image origin).
    const Vec3 columns[4] = {
      multiply(m_worldToIndex, scale(frame.rightLps, frame.pixelSizeMm)),
      multiply(m_worldToIndex, scale(frame.downLps, frame.pixelSizeMm)),
      multiply(m_worldToIndex, frame.normalLps),
      multiply(m_worldToIndex, subtract(frame.originMm, m_origin)),
    };
    for (int c = 0; c < 4; ++c)
      for (int r = 0; r < 3; ++r)
        if (m_axes->GetElement(r, c) != columns[c][r]) m_axes->SetElement(r, c, columns[c][r]);
    m_reslice->SetOutputExtent(0, frame.width - 1, 0, frame.height - 1, 0, 0);
    m_reslice->Update();
    return m_reslice->GetOutput()->GetScalarPointer();
  }

private:
  vtkNew<vtkImageData> m_input;
  vtkNew<vtkImageReslice> m_reslice;
  vtkNew<vtkMatrix4x4> m_axes;
  Vec3 m_origin{};
  Mat3 m_worldToIndex{};
};

struct HeatLayer {
  std::shared_ptr<const ImageF> values;
  HeatStyle style;
  std::unique_ptr<ReslicedVolume> resliced;
};

struct LabelLayer {
  std::shared_ptr<const Mask> labels;
  LabelStyle style;
  std::unique_ptr<ReslicedVolume> resliced;
};

inline std::uint32_t blend(std::uint32_t under, Rgb over, unsigned alpha256) {
  const unsigned keep = 256 - alpha256;
  const unsigned r = ((under >> 16 & 0xFF) * keep + over.r * alpha256) >> 8;
  const unsigned g = ((under >> 8 & 0xFF) * keep + over.g * alpha256) >> 8;
  const unsigned b = ((under & 0xFF) * keep + over.b * alpha256) >> 8;
  return 0xFF000000u | r << 16 | g << 8 | b;
}

unsigned alphaOf(double opacity) { return static_cast<unsigned>(std::lround(std::clamp(opacity, 0.0, 1.0) * 256.0)); }

} // namespace

struct SliceRenderer::Impl {
  std::shared_ptr<const ImageF> image;
  std::unique_ptr<ReslicedVolume> resliced;
  std::vector<std::variant<HeatLayer, LabelLayer>> overlays;

  void drawImage(const SliceFrame& frame, const WindowLevel& wl, RgbaImage& out) {
    const auto* v = static_cast<const float*>(resliced->resample(frame));
    const float lower = static_cast<float>(wl.lower());
    const float gain = static_cast<float>(255.0 / std::max(wl.window, 1e-12));
    const std::size_t n = out.pixels.size();
    for (std::size_t i = 0; i < n; ++i) {
      const float value = v[i];
      if (!std::isfinite(value)) continue; // outside the image: stays black
      const float grey = std::clamp((value - lower) * gain, 0.0f, 255.0f);
      const auto g = static_cast<std::uint8_t>(grey + 0.5f);
      out.pixels[i] = packArgb(g, g, g);
    }
  }

  static void drawHeat(HeatLayer& layer, const SliceFrame& frame, RgbaImage& out) {
    if (!layer.resliced)
      layer.resliced = std::make_unique<ReslicedVolume>(*layer.values, true, std::numeric_limits<double>::quiet_NaN());
    const auto* s = static_cast<const float*>(layer.resliced->resample(frame));
    const auto& table = colormapTable(layer.style.colormap);
    const float threshold = static_cast<float>(layer.style.threshold);
    const float gain = static_cast<float>(255.0 / std::max(layer.style.maximum - layer.style.threshold, 1e-12));
    const unsigned alpha = alphaOf(layer.style.opacity);
    const std::size_t n = out.pixels.size();
    for (std::size_t i = 0; i < n; ++i) {
      const float value = s[i];
      if (!(value >= threshold)) continue; // also skips NaN
      const int entry = static_cast<int>(std::min((value - threshold) * gain, 255.0f));
      out.pixels[i] = blend(out.pixels[i], table[entry], alpha);
    }
  }

  static void drawLabels(LabelLayer& layer, const SliceFrame& frame, RgbaImage& out) {
    if (!layer.resliced) layer.resliced = std::make_unique<ReslicedVolume>(*layer.labels, false, 0.0);
    const auto* s = static_cast<const std::uint8_t*>(layer.resliced->resample(frame));
    const unsigned alpha = alphaOf(layer.style.opacity);
    const int w = frame.width;
    const int h = frame.height;
    const bool outline = layer.style.mode == MaskMode::Outline;
    for (int y = 0; y < h; ++y) {
      const std::uint8_t* row = s + static_cast<std::size_t>(y) * w;
      for (int x = 0; x < w; ++x) {
        const std::uint8_t label = row[x];
        if (label == 0) continue;
        if (outline) {
          // A boundary pixel has a different label among its 8 neighbours (8-connected test, so that the
          // outline of a digital circle has no gaps at its diagonal steps).
          bool inside = x > 0 && x + 1 < w && y > 0 && y + 1 < h;
          for (int dy = -1; inside && dy <= 1; ++dy)
            for (int dx = -1; inside && dx <= 1; ++dx)
              inside = row[dy * w + x + dx] == label;
          if (inside) continue;
        }
        std::uint32_t& pixel = out.pixels[static_cast<std::size_t>(y) * w + x];
        pixel = blend(pixel, layer.style.colourOf(label), alpha);
      }
    }
  }
};

SliceRenderer::SliceRenderer() : m_impl(std::make_unique<Impl>()) {}
SliceRenderer::~SliceRenderer() = default;

void SliceRenderer::setImage(std::shared_ptr<const ImageF> image) {
  m_impl->overlays.clear();
  m_impl->resliced.reset();
  m_impl->image = std::move(image);
  if (m_impl->image && !m_impl->image->empty())
    m_impl->resliced = std::make_unique<ReslicedVolume>(*m_impl->image, true, std::numeric_limits<double>::quiet_NaN());
}

const std::shared_ptr<const ImageF>& SliceRenderer::image() const { return m_impl->image; }

int SliceRenderer::addHeatOverlay(std::shared_ptr<const ImageF> values, const HeatStyle& style) {
  m_impl->overlays.emplace_back(HeatLayer{std::move(values), style, nullptr});
  return static_cast<int>(m_impl->overlays.size()) - 1;
}

int SliceRenderer::addLabelOverlay(std::shared_ptr<const Mask> labels, const LabelStyle& style) {
  m_impl->overlays.emplace_back(LabelLayer{std::move(labels), style, nullptr});
  return static_cast<int>(m_impl->overlays.size()) - 1;
}

void SliceRenderer::setHeatStyle(int id, const HeatStyle& style) {
  if (auto* layer = std::get_if<HeatLayer>(&m_impl->overlays.at(static_cast<std::size_t>(id)))) layer->style = style;
}

void SliceRenderer::setLabelStyle(int id, const LabelStyle& style) {
  if (auto* layer = std::get_if<LabelLayer>(&m_impl->overlays.at(static_cast<std::size_t>(id)))) layer->style = style;
}

int SliceRenderer::overlayCount() const { return static_cast<int>(m_impl->overlays.size()); }

void SliceRenderer::render(const SliceFrame& frame, const WindowLevel& windowLevel, RgbaImage& out) {
  if (out.width != frame.width || out.height != frame.height || out.pixels.empty())
    out.resize(frame.width, frame.height);
  else
    std::fill(out.pixels.begin(), out.pixels.end(), packArgb(0, 0, 0));
  if (!m_impl->resliced) return;
  m_impl->drawImage(frame, windowLevel, out);
  for (auto& overlay : m_impl->overlays) {
    if (auto* heat = std::get_if<HeatLayer>(&overlay)) {
      if (heat->style.visible && heat->values && !heat->values->empty()) Impl::drawHeat(*heat, frame, out);
    } else if (auto* labels = std::get_if<LabelLayer>(&overlay)) {
      if (labels->style.visible && labels->labels && !labels->labels->empty()) Impl::drawLabels(*labels, frame, out);
    }
  }
}

} // namespace strega::render
