#include "SurfaceMeshImpl.h"

#include <vtkFloatArray.h>
#include <vtkFlyingEdges3D.h>
#include <vtkImageData.h>
#include <vtkImageGaussianSmooth.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkTransform.h>
#include <vtkTransformPolyDataFilter.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace strega::render {

namespace {

/// Volumes with more voxels than this are averaged down by 2 per axis before extraction.
constexpr std::size_t kShrinkAboveVoxels = 3'000'000;

/// A float grid ready for flying edges: optionally averaged down by 2, padded by one voxel of `padValue` so that
/// surfaces touching the border close, with the map from its indices to world space (LPS, mm).
struct PreparedGrid {
  vtkSmartPointer<vtkImageData> image;
  vtkSmartPointer<vtkTransform> indexToWorld;
};

template <class T, class F>
PreparedGrid prepare(const Volume<T>& volume, F valueOf, float padValue, double smoothSigmaVoxels) {
  const ImageGeometry& g = volume.geometry();
  const int s = volume.voxelCount() > kShrinkAboveVoxels ? 2 : 1;
  int n[3];
  for (int a = 0; a < 3; ++a)
    n[a] = static_cast<int>((g.size[a] + s - 1) / s) + 2;

  auto values = vtkSmartPointer<vtkFloatArray>::New();
  values->SetNumberOfTuples(static_cast<vtkIdType>(n[0]) * n[1] * n[2]);
  float* out = values->GetPointer(0);
  std::fill(out, out + values->GetNumberOfTuples(), padValue);
  for (int k = 1; k + 1 < n[2]; ++k)
    for (int j = 1; j + 1 < n[1]; ++j)
      for (int i = 1; i + 1 < n[0]; ++i) {
        double sum = 0.0;
        int count = 0;
        for (int dk = 0; dk < s; ++dk)
          for (int dj = 0; dj < s; ++dj)
            for (int di = 0; di < s; ++di) {
              const std::size_t oi = static_cast<std::size_t>((i - 1) * s + di);
              const std::size_t oj = static_cast<std::size_t>((j - 1) * s + dj);
              const std::size_t ok = static_cast<std::size_t>((k - 1) * s + dk);
              if (oi >= g.size[0] || oj >= g.size[1] || ok >= g.size[2]) continue;
              sum += valueOf(volume.at(oi, oj, ok));
              ++count;
            }
        out[i + static_cast<std::size_t>(n[0]) * (j + static_cast<std::size_t>(n[1]) * k)] =
          count ? static_cast<float>(sum / count) : padValue;
      }

  auto image = vtkSmartPointer<vtkImageData>::New();
  image->SetDimensions(n);
  image->GetPointData()->SetScalars(values);

  PreparedGrid grid;
  if (smoothSigmaVoxels > 0.0) {
    vtkNew<vtkImageGaussianSmooth> smooth;
    smooth->SetInputData(image);
    smooth->SetDimensionality(3);
    smooth->SetStandardDeviations(smoothSigmaVoxels, smoothSigmaVoxels, smoothSigmaVoxels);
    smooth->SetRadiusFactors(2.0, 2.0, 2.0);
    smooth->Update();
    grid.image = smooth->GetOutput();
  } else {
    grid.image = image;
  }

  // Grid index I' covers original indices s*(I' - 1) .. s*(I' - 1) + s - 1; its centre is s*I' + c.
  const double c = (s - 1) / 2.0 - s;
  const Mat3 m = g.indexToPhysicalMatrix();
  double matrix[16] = {0};
  for (int r = 0; r < 3; ++r) {
    for (int col = 0; col < 3; ++col)
      matrix[r * 4 + col] = m[r * 3 + col] * s;
    matrix[r * 4 + 3] = g.originMm[r] + (m[r * 3 + 0] + m[r * 3 + 1] + m[r * 3 + 2]) * c;
  }
  matrix[15] = 1.0;
  grid.indexToWorld = vtkSmartPointer<vtkTransform>::New();
  grid.indexToWorld->SetMatrix(matrix);
  return grid;
}

vtkSmartPointer<vtkPolyData> extract(const PreparedGrid& grid, double isoValue) {
  vtkNew<vtkFlyingEdges3D> edges;
  edges->SetInputData(grid.image);
  edges->SetValue(0, isoValue);
  edges->ComputeNormalsOn();
  edges->ComputeGradientsOff();
  edges->ComputeScalarsOff();
  vtkNew<vtkTransformPolyDataFilter> toWorld;
  toWorld->SetInputConnection(edges->GetOutputPort());
  toWorld->SetTransform(grid.indexToWorld);
  toWorld->Update();
  auto result = vtkSmartPointer<vtkPolyData>::New();
  result->ShallowCopy(toWorld->GetOutput());
  return result;
}

} // namespace

SurfaceMesh::SurfaceMesh(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
SurfaceMesh::~SurfaceMesh() = default;

std::size_t SurfaceMesh::triangleCount() const {
  return m_impl->polyData ? static_cast<std::size_t>(m_impl->polyData->GetNumberOfPolys()) : 0;
}

std::vector<Vec3> SurfaceMesh::vertices() const {
  std::vector<Vec3> points;
  if (!m_impl->polyData) return points;
  points.resize(static_cast<std::size_t>(m_impl->polyData->GetNumberOfPoints()));
  for (vtkIdType i = 0; i < m_impl->polyData->GetNumberOfPoints(); ++i)
    m_impl->polyData->GetPoint(i, points[static_cast<std::size_t>(i)].data());
  return points;
}

std::shared_ptr<const SurfaceMesh> SurfaceMesh::fromMask(const Mask& mask, std::uint8_t minLabel) {
  auto impl = std::make_unique<Impl>();
  if (!mask.empty()) {
    const PreparedGrid grid = prepare(
      mask, [minLabel](std::uint8_t v) { return v >= minLabel ? 1.0 : 0.0; }, 0.0f, 0.7);
    impl->polyData = extract(grid, 0.5);
  }
  return std::shared_ptr<const SurfaceMesh>(new SurfaceMesh(std::move(impl)));
}

std::shared_ptr<const SurfaceMesh> SurfaceMesh::fromImage(const ImageF& image, double isoValue) {
  auto impl = std::make_unique<Impl>();
  if (!image.empty()) {
    float minimum = std::numeric_limits<float>::max();
    for (float v : image.voxels())
      if (std::isfinite(v)) minimum = std::min(minimum, v);
    const PreparedGrid grid = prepare(
      image, [minimum](float v) { return std::isfinite(v) ? v : minimum; }, minimum, 0.7);
    impl->polyData = extract(grid, isoValue);
  }
  return std::shared_ptr<const SurfaceMesh>(new SurfaceMesh(std::move(impl)));
}

} // namespace strega::render
