#include "strega/preprocess/Resample.h"

#include "FastTransform.h"
#include "NativeMapping.h"
#include "Sampling.h"
#include "strega/itkbridge/ItkParallel.h"

#include <algorithm>

namespace strega::preprocess {
namespace {

using detail::FastTransform;

/// Fill every voxel of `target` (on `targetGrid`) from `source` at map(point). Work proceeds in slabs of slices
/// so that progress is reported and cancellation polled from the calling thread only.
template <class TOut, class Fn> void fillSlabs(Volume<TOut>& target, ProgressScope* progress, const Fn& voxelFn) {
  const auto size = target.size();
  const std::size_t slab = 8;
  for (std::size_t k0 = 0; k0 < size[2]; k0 += slab) {
    const std::size_t k1 = std::min(size[2], k0 + slab);
    itkbridge::parallelFor(
      k0 * size[1], k1 * size[1],
      [&](std::size_t b, std::size_t e) {
        for (std::size_t row = b; row < e; ++row) {
          const std::size_t j = row % size[1], k = row / size[1];
          TOut* out = target.data() + target.linearIndex(0, j, k);
          for (std::size_t i = 0; i < size[0]; ++i)
            out[i] = voxelFn(i, j, k);
        }
      },
      16);
    if (progress) progress->update(double(k1) / double(size[2]));
  }
}

/// True when the atlas point lies farther than `margin` voxels outside the grid.
bool farOutside(const detail::PhysicalToIndex& toIndex, const Size3& size, const Vec3& p, double margin) {
  const Vec3 idx = toIndex(p);
  for (int a = 0; a < 3; ++a)
    if (idx[a] < -0.5 - margin || idx[a] > double(size[a]) - 0.5 + margin) return true;
  return false;
}

template <class TOut, class TIn>
Volume<TOut> toAtlas(const Volume<TIn>& native, const AtlasTransform& transform, const ImageGeometry& atlasGrid,
                     Interpolation interpolation, TOut outside, ProgressScope* progress) {
  atlasGrid.validate();
  Volume<TOut> out(atlasGrid, outside);
  const FastTransform fast(transform);
  const detail::IndexToPhysical toPoint(atlasGrid);
  const detail::PhysicalToIndex toNativeIndex(native.geometry());
  fillSlabs(out, progress, [&](std::size_t i, std::size_t j, std::size_t k) -> TOut {
    const Vec3 idx = toNativeIndex(fast.forward(toPoint(double(i), double(j), double(k))));
    if (interpolation == Interpolation::Nearest)
      return static_cast<TOut>(detail::sampleNearest(native, idx, TIn(outside)));
    return static_cast<TOut>(detail::sampleLinear(native, idx, float(outside)));
  });
  return out;
}

template <class TOut, class TIn, class Convert>
Volume<TOut> toNative(const Volume<TIn>& atlas, const AtlasTransform& transform, const ImageGeometry& nativeGrid,
                      Interpolation interpolation, TIn outside, ProgressScope* progress, const Convert& convert) {
  nativeGrid.validate();
  Volume<TOut> out(nativeGrid, convert(outside));
  FastTransform fast(transform);
  fast.computeMaxDisplacement();
  fast.prepareInverse();
  const double margin =
    fast.maxDisplacementMm() /
      std::min({atlas.geometry().spacingMm[0], atlas.geometry().spacingMm[1], atlas.geometry().spacingMm[2]}) +
    1.0;
  const detail::IndexToPhysical toPoint(nativeGrid);
  const detail::PhysicalToIndex toAtlasIndex(atlas.geometry());
  const TOut outsideOut = convert(outside);
  fillSlabs(out, progress, [&](std::size_t i, std::size_t j, std::size_t k) -> TOut {
    const Vec3 base = fast.inverseAffine(toPoint(double(i), double(j), double(k)));
    if (farOutside(toAtlasIndex, atlas.size(), base, margin)) return outsideOut;
    const Vec3 idx = toAtlasIndex(fast.inverseFrom(base));
    if (interpolation == Interpolation::Nearest) return convert(detail::sampleNearest(atlas, idx, outside));
    return convert(detail::sampleLinear(atlas, idx, float(outside)));
  });
  return out;
}

} // namespace

ImageF resampleToAtlas(const ImageF& native, const AtlasTransform& transform, const ImageGeometry& atlasGrid,
                       Interpolation interpolation, float outside, ProgressScope* progress) {
  return toAtlas<float>(native, transform, atlasGrid, interpolation, outside, progress);
}

Mask resampleMaskToAtlas(const Mask& native, const AtlasTransform& transform, const ImageGeometry& atlasGrid,
                         ProgressScope* progress) {
  return toAtlas<std::uint8_t>(native, transform, atlasGrid, Interpolation::Nearest, std::uint8_t{0}, progress);
}

ImageF mapToNative(const ImageF& atlasImage, const AtlasTransform& transform, const ImageGeometry& nativeGrid,
                   Interpolation interpolation, float outside, ProgressScope* progress) {
  return toNative<float>(atlasImage, transform, nativeGrid, interpolation, outside, progress,
                         [](float v) { return v; });
}

Mask mapMaskToNative(const Mask& atlasMask, const AtlasTransform& transform, const ImageGeometry& nativeGrid,
                     ProgressScope* progress) {
  return toNative<std::uint8_t>(atlasMask, transform, nativeGrid, Interpolation::Nearest, std::uint8_t{0}, progress,
                                [](auto v) { return static_cast<std::uint8_t>(v); });
}

LabelMap mapLabelsToNative(const LabelMap& atlasLabels, const AtlasTransform& transform,
                           const ImageGeometry& nativeGrid, ProgressScope* progress) {
  LabelMap out(mapMaskToNative(atlasLabels, transform, nativeGrid, progress));
  for (const auto& [label, name] : atlasLabels.labelNames())
    out.setLabelName(label, name);
  return out;
}

Mask mapMaskToNativeSmooth(const Mask& atlasMask, const AtlasTransform& transform, const ImageGeometry& nativeGrid,
                           ProgressScope* progress) {
  Mask binary = atlasMask;
  for (auto& v : binary.voxels())
    v = v ? 1 : 0;
  return toNative<std::uint8_t>(binary, transform, nativeGrid, Interpolation::Linear, std::uint8_t{0}, progress,
                                [](auto v) { return static_cast<std::uint8_t>(double(v) >= 0.5 ? 1 : 0); });
}

} // namespace strega::preprocess

namespace strega::preprocess::detail {

NativeMaps mapResultsToNative(const Mask& workingMask, const ImageF& workingBias, const LabelMap& workingLabels,
                              const AtlasTransform& transform, const ImageF& native, ProgressScope* progress) {
  const ImageGeometry& grid = native.geometry();
  NativeMaps out;
  out.brainMask = Mask(grid, 0);
  out.brain = ImageF(grid, 0.0f);
  out.tissue = LabelMap(Volume<std::uint8_t>(grid, 0));
  for (const auto& [label, name] : workingLabels.labelNames())
    out.tissue.setLabelName(label, name);
  Mask binary = workingMask;
  for (auto& v : binary.voxels())
    v = v ? 1 : 0;

  // Bounding box (voxels) of the working mask and labels, widened by the largest displacement and one voxel.
  const auto& ws = workingMask.size();
  long long lo[3] = {(long long)ws[0], (long long)ws[1], (long long)ws[2]}, hi[3] = {-1, -1, -1};
  for (std::size_t k = 0; k < ws[2]; ++k)
    for (std::size_t j = 0; j < ws[1]; ++j)
      for (std::size_t i = 0; i < ws[0]; ++i)
        if (binary.at(i, j, k) || workingLabels.at(i, j, k)) {
          const long long p[3] = {(long long)i, (long long)j, (long long)k};
          for (int a = 0; a < 3; ++a)
            lo[a] = std::min(lo[a], p[a]), hi[a] = std::max(hi[a], p[a]);
        }
  if (hi[0] < 0) return out;
  FastTransform fast(transform);
  fast.computeMaxDisplacement();
  fast.prepareInverse();
  const auto& wsp = workingMask.geometry().spacingMm;
  const double margin = fast.maxDisplacementMm() / std::min({wsp[0], wsp[1], wsp[2]}) + 2.0;
  const IndexToPhysical toPoint(grid);
  const PhysicalToIndex toWorking(workingMask.geometry());

  const auto size = grid.size;
  const std::size_t slab = 8;
  for (std::size_t k0 = 0; k0 < size[2]; k0 += slab) {
    const std::size_t k1 = std::min(size[2], k0 + slab);
    itkbridge::parallelFor(
      k0 * size[1], k1 * size[1],
      [&](std::size_t b, std::size_t e) {
        for (std::size_t row = b; row < e; ++row) {
          const std::size_t j = row % size[1], k = row / size[1];
          for (std::size_t i = 0; i < size[0]; ++i) {
            const Vec3 base = fast.inverseAffine(toPoint(double(i), double(j), double(k)));
            const Vec3 approx = toWorking(base);
            bool far = false;
            for (int a = 0; a < 3; ++a)
              far = far || approx[a] < double(lo[a]) - margin || approx[a] > double(hi[a]) + margin;
            if (far) continue;
            const Vec3 idx = toWorking(fast.inverseFrom(base));
            const std::size_t n = out.brain.linearIndex(i, j, k);
            out.tissue[n] = sampleNearest<std::uint8_t>(workingLabels, idx, 0);
            if (sampleLinear(binary, idx, 0.0f) >= 0.5f) {
              out.brainMask[n] = 1;
              const float bias = sampleLinear(workingBias, idx, 1.0f);
              out.brain[n] = bias > 0.0f ? native[n] / bias : 0.0f;
            }
          }
        }
      },
      16);
    if (progress) progress->update(double(k1) / double(size[2]));
  }
  return out;
}

ImageF resampleToAtlasWithin(const ImageF& native, const AtlasTransform& transform, const Mask& region, float outside,
                             ProgressScope* progress) {
  ImageF out(region.geometry(), outside);
  const FastTransform fast(transform);
  const IndexToPhysical toPoint(region.geometry());
  const PhysicalToIndex toNativeIndex(native.geometry());
  fillSlabs(out, progress, [&](std::size_t i, std::size_t j, std::size_t k) -> float {
    if (!region.at(i, j, k)) return outside;
    return sampleLinear(native, toNativeIndex(fast.forward(toPoint(double(i), double(j), double(k)))), outside);
  });
  return out;
}

} // namespace strega::preprocess::detail
