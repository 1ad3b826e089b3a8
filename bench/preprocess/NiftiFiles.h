#pragma once
// Minimal NIfTI reading/writing through ITK for the preprocessing benchmark and evaluation tools (kept apart from
// strega::io so that these tools build while io evolves).

#include "strega/core/Volume.h"
#include "strega/itkbridge/ItkConversion.h"

#include <itkImageFileReader.h>
#include <itkImageFileWriter.h>

#include <filesystem>

namespace strega::benchtools {

inline ImageF readFloatImage(const std::filesystem::path& path) {
  auto reader = itk::ImageFileReader<itk::Image<float, 3>>::New();
  reader->SetFileName(path.string());
  reader->Update();
  return itkbridge::fromItk<float>(reader->GetOutput());
}

template <class T> void writeVolume(const Volume<T>& volume, const std::filesystem::path& path) {
  auto writer = itk::ImageFileWriter<itk::Image<T, 3>>::New();
  writer->SetFileName(path.string());
  writer->SetInput(itkbridge::toItk(volume));
  writer->SetUseCompression(true);
  writer->Update();
}

} // namespace strega::benchtools
