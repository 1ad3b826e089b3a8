// Atlas loading and transform files: the only ITK file I/O inside strega::preprocess.
#include "strega/preprocess/Atlas.h"
#include "strega/preprocess/TransformIO.h"

#include "strega/core/AtomicOutput.h"
#include "strega/core/Error.h"
#include "strega/itkbridge/ItkConversion.h"

#include <itkAffineTransform.h>
#include <itkImageFileReader.h>
#include <itkImageFileWriter.h>
#include <itkMatrixOffsetTransformBase.h>
#include <itkTransformFileReader.h>
#include <itkTransformFileWriter.h>
#include <itkVector.h>

#include <cstdlib>
#include <map>
#include <mutex>

namespace strega::preprocess {
namespace {

using FloatImage = itk::Image<float, 3>;
using VectorImage = itk::Image<itk::Vector<float, 3>, 3>;

ImageF readFloat(const std::filesystem::path& path) {
  auto reader = itk::ImageFileReader<FloatImage>::New();
  reader->SetFileName(path.string());
  try {
    reader->Update();
  } catch (const itk::ExceptionObject& e) {
    throw Error(ErrorKind::InvalidInput, "cannot read " + path.filename().string(), e.GetDescription());
  }
  return itkbridge::fromItk<float>(reader->GetOutput());
}

} // namespace

std::filesystem::path defaultAtlasDirectory() {
  if (const char* env = std::getenv("STREGA_ATLAS_DIR"); env && *env) return env;
  return STREGA_DEFAULT_ATLAS_DIR;
}

Atlas loadAtlas(const std::filesystem::path& directory) {
  Atlas atlas;
  atlas.directory = directory.empty() ? defaultAtlasDirectory() : directory;
  const auto head = atlas.directory / "ch2.nii.gz";
  const auto brain = atlas.directory / "ch2bet.nii.gz";
  for (const auto& p : {head, brain})
    if (!std::filesystem::exists(p))
      throw Error(ErrorKind::Io, "the Colin27 atlas is missing: " + p.string(),
                  "install Debian's mricron-data package or set STREGA_ATLAS_DIR to a folder holding ch2.nii.gz "
                  "and ch2bet.nii.gz");
  atlas.head = readFloat(head);
  atlas.brain = readFloat(brain);
  if (!atlas.head.geometry().sameGrid(atlas.brain.geometry(), 1e-3))
    throw Error(ErrorKind::InvalidInput, "ch2.nii.gz and ch2bet.nii.gz are not on the same grid");
  atlas.brainMask = Mask(atlas.brain.geometry());
  for (std::size_t n = 0; n < atlas.brain.voxelCount(); ++n)
    atlas.brainMask[n] = atlas.brain[n] > 0.0f ? 1 : 0;
  return atlas;
}

std::shared_ptr<const Atlas> sharedAtlas(const std::filesystem::path& directory) {
  static std::mutex mutex;
  static std::map<std::filesystem::path, std::shared_ptr<const Atlas>> cache;
  const auto key = directory.empty() ? defaultAtlasDirectory() : directory;
  std::lock_guard lock(mutex);
  auto& slot = cache[key];
  if (!slot) slot = std::make_shared<const Atlas>(loadAtlas(key));
  return slot;
}

void writeAtlasTransform(const AtlasTransform& transform, const std::filesystem::path& affinePath,
                         const std::filesystem::path& warpPath) {
  auto affine = itk::AffineTransform<double, 3>::New();
  itk::AffineTransform<double, 3>::MatrixType m;
  itk::AffineTransform<double, 3>::OutputVectorType offset;
  for (unsigned r = 0; r < 3; ++r) {
    for (unsigned c = 0; c < 3; ++c)
      m[r][c] = transform.affine.matrix[r * 3 + c];
    offset[r] = transform.affine.translationMm[r];
  }
  affine->SetMatrix(m);
  affine->SetOffset(offset);
  try {
    AtomicOutput out(affinePath);
    auto writer = itk::TransformFileWriterTemplate<double>::New();
    writer->SetFileName(out.tempPath().string());
    writer->SetInput(affine);
    writer->Update();
    out.commit();
    if (transform.deformation && !warpPath.empty()) {
      const auto& field = *transform.deformation;
      auto image = VectorImage::New();
      VectorImage::RegionType region;
      VectorImage::SizeType size;
      for (unsigned a = 0; a < 3; ++a)
        size[a] = field.geometry().size[a];
      region.SetSize(size);
      image->SetRegions(region);
      itkbridge::copyGeometry<itk::Vector<float, 3>>(field.geometry(), image.GetPointer());
      image->Allocate();
      auto* buffer = image->GetBufferPointer();
      for (std::size_t n = 0; n < field.component(0).voxelCount(); ++n)
        for (int a = 0; a < 3; ++a)
          buffer[n][a] = field.component(a)[n];
      AtomicOutput warpOut(warpPath);
      auto writer = itk::ImageFileWriter<VectorImage>::New();
      writer->SetFileName(warpOut.tempPath().string());
      writer->SetInput(image);
      writer->SetUseCompression(true);
      writer->Update();
      warpOut.commit();
    }
  } catch (const itk::ExceptionObject& e) {
    throw Error(ErrorKind::Io, "cannot write the transform " + affinePath.string(), e.GetDescription());
  }
}

} // namespace strega::preprocess

namespace strega::preprocess {

AtlasTransform readAtlasTransform(const std::filesystem::path& affinePath, const std::filesystem::path& warpPath) {
  AtlasTransform result;
  if (!std::filesystem::exists(affinePath))
    throw Error(ErrorKind::Io, "the transform file does not exist: " + affinePath.string());
  try {
    auto reader = itk::TransformFileReaderTemplate<double>::New();
    reader->SetFileName(affinePath.string());
    reader->Update();
    const auto* list = reader->GetTransformList();
    if (list->size() != 1)
      throw Error(ErrorKind::InvalidInput, "the transform file must hold exactly one affine transform",
                  affinePath.string() + " holds " + std::to_string(list->size()));
    using Base = itk::MatrixOffsetTransformBase<double, 3, 3>;
    const auto* linear = dynamic_cast<const Base*>(list->front().GetPointer());
    if (!linear)
      throw Error(ErrorKind::InvalidInput, "the transform file does not hold an affine transform",
                  std::string(affinePath.string()) + ": " + list->front()->GetNameOfClass());
    for (unsigned r = 0; r < 3; ++r) {
      for (unsigned c = 0; c < 3; ++c)
        result.affine.matrix[r * 3 + c] = linear->GetMatrix()[r][c];
      result.affine.translationMm[r] = linear->GetOffset()[r];
    }
    if (!warpPath.empty() && std::filesystem::exists(warpPath)) {
      auto imageReader = itk::ImageFileReader<VectorImage>::New();
      imageReader->SetFileName(warpPath.string());
      imageReader->Update();
      const VectorImage* image = imageReader->GetOutput();
      DisplacementField field(itkbridge::geometryOf(image));
      const auto* buffer = image->GetBufferPointer();
      for (std::size_t n = 0; n < field.component(0).voxelCount(); ++n)
        for (int a = 0; a < 3; ++a)
          field.component(a)[n] = buffer[n][a];
      result.deformation = std::move(field);
    }
  } catch (const itk::ExceptionObject& e) {
    throw Error(ErrorKind::InvalidInput, "cannot read the transform " + affinePath.string(), e.GetDescription());
  }
  return result;
}

} // namespace strega::preprocess
