#pragma once
/// \file
/// \brief The Colin27 atlas ("ch2" T1 head and its brain "ch2bet" from Debian's mricron-data) as working space.

#include "strega/core/Volume.h"

#include <filesystem>
#include <memory>

namespace strega::preprocess {

/// \brief The atlas images on their common grid (181 x 217 x 181, 1 mm, MNI space, LPS).
///
/// `head` is the T1 template (ch2), `brain` the brain-extracted twin (ch2bet), `brainMask` is ch2bet > 0.
/// The working grid of the pipeline is head.geometry().
struct Atlas {
  ImageF head;
  ImageF brain;
  Mask brainMask;
  std::filesystem::path directory;

  const ImageGeometry& geometry() const { return head.geometry(); }
};

/// $STREGA_ATLAS_DIR when set, else the folder configured at build time (/usr/share/mricron/templates).
std::filesystem::path defaultAtlasDirectory();

/// Read ch2.nii.gz and ch2bet.nii.gz from `directory` (empty: defaultAtlasDirectory()). Throws Error(Io) with a
/// hint to install mricron-data when the files are missing, Error(InvalidInput) when their grids differ.
Atlas loadAtlas(const std::filesystem::path& directory = {});

/// The atlas of `directory`, loaded once per process and shared afterwards (thread-safe).
std::shared_ptr<const Atlas> sharedAtlas(const std::filesystem::path& directory = {});

} // namespace strega::preprocess
