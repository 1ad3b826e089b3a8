#pragma once
/// \file
/// \brief Conversions between strega::Volume and itk::Image (both LPS, mm). Internal to the pipeline
/// libraries: include it only from .cpp files, never from a public header of another layer.

#include "strega/core/Volume.h"

#include <itkImage.h>
#include <itkImportImageFilter.h>

#include <algorithm>

namespace strega::itkbridge {

template <class T>
using ItkImage3 = itk::Image<T, 3>;

/// Copy geometry into an ITK image (spacing, origin, direction; region of the geometry's size).
template <class T>
void copyGeometry(const ImageGeometry& g, ItkImage3<T>* image) {
  typename ItkImage3<T>::SpacingType spacing;
  typename ItkImage3<T>::PointType origin;
  typename ItkImage3<T>::DirectionType direction;
  for (unsigned r = 0; r < 3; ++r) {
    spacing[r] = g.spacingMm[r];
    origin[r] = g.originMm[r];
    for (unsigned c = 0; c < 3; ++c) direction[r][c] = g.direction[r * 3 + c];
  }
  image->SetSpacing(spacing);
  image->SetOrigin(origin);
  image->SetDirection(direction);
}

/// Geometry of an ITK image's largest possible region (index assumed 0; a non-zero start index is folded into
/// the origin).
template <class TImage>
ImageGeometry geometryOf(const TImage* image) {
  ImageGeometry g;
  const auto region = image->GetLargestPossibleRegion();
  for (unsigned r = 0; r < 3; ++r) {
    g.size[r] = region.GetSize()[r];
    g.spacingMm[r] = image->GetSpacing()[r];
    for (unsigned c = 0; c < 3; ++c) g.direction[r * 3 + c] = image->GetDirection()[r][c];
  }
  typename TImage::PointType first;
  image->TransformIndexToPhysicalPoint(region.GetIndex(), first);
  for (unsigned r = 0; r < 3; ++r) g.originMm[r] = first[r];
  return g;
}

/// A new ITK image holding a copy of the volume's voxels.
template <class T>
typename ItkImage3<T>::Pointer toItk(const Volume<T>& volume) {
  auto image = ItkImage3<T>::New();
  typename ItkImage3<T>::RegionType region;
  typename ItkImage3<T>::SizeType size;
  for (unsigned a = 0; a < 3; ++a) size[a] = volume.size()[a];
  region.SetSize(size);
  image->SetRegions(region);
  copyGeometry(volume.geometry(), image.GetPointer());
  image->Allocate();
  std::copy(volume.data(), volume.data() + volume.voxelCount(), image->GetBufferPointer());
  return image;
}

/// A volume holding a copy of an ITK image's buffered voxels (which must be its largest possible region).
template <class T>
Volume<T> fromItk(const ItkImage3<T>* image) {
  Volume<T> volume(geometryOf(image));
  std::copy(image->GetBufferPointer(), image->GetBufferPointer() + volume.voxelCount(), volume.data());
  return volume;
}

} // namespace strega::itkbridge
