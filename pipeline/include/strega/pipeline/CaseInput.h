#pragma once
/// \file
/// \brief CaseInput: what one case of `strega-cli run`/`batch` is (a NIfTI file, a DICOM series, a BraTS case
/// folder) and how cases are found in a folder.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace strega::pipeline {

/// \brief Kind of a case's input.
enum class CaseKind {
  ImageFile,   ///< one volume file: NIfTI (.nii, .nii.gz), NRRD, MetaImage, or a single DICOM file
  DicomSeries, ///< a folder of DICOM files (one series picked from it)
  BratsCase,   ///< a BraTS case folder: <case>_t2.nii.gz (or -t2w.nii.gz), _t1, _flair, _seg ...
};

const char* toString(CaseKind kind);

/// \brief One case: where it is, what it is called, and which file or folder holds the image to screen.
struct CaseInput {
  std::filesystem::path path;  ///< as given (file or folder)
  std::filesystem::path image; ///< the volume to read: the file itself, the DICOM folder, or the BraTS modality
  std::string id;              ///< case name used for output folders ("sub-01" for sub-01.nii.gz)
  CaseKind kind = CaseKind::ImageFile;
  std::string modality;        ///< BraTS: the modality taken ("t2", "flair", ...); else ""
  std::filesystem::path truth; ///< BraTS: the segmentation file when present; else empty
};

/// Modalities tried for a BraTS case folder when none is asked for: StRegA's BraTS results are on T2.
inline const std::vector<std::string>& defaultBratsModalities() {
  static const std::vector<std::string> order{"t2", "flair", "t1", "t1ce"};
  return order;
}

/// Resolve `path` into a case. A file is an ImageFile; a folder holding BraTS-named volumes is a BratsCase
/// (`modality` picks the volume, "" = defaultBratsModalities() in order; BraTS 2023 names t2w/t2f/t1n/t1c are
/// accepted); any other folder is a DicomSeries. Throws Error(InvalidInput) for a path that does not exist and
/// for a BraTS folder without the asked modality.
CaseInput resolveCase(const std::filesystem::path& path, const std::string& modality = {});

/// The BraTS modality a case name (or a file name without its extension) ends with ("t1", "t1ce", "t2", "flair";
/// the BraTS 2023 names t1n, t1c, t2w, t2f and `_`/`-` both count, in any case), e.g. "t1" for `phantom_001_t1`;
/// "" when it ends with none.
std::string modalityOfName(const std::string& name);

/// Cases found in `folder` (not recursive into cases): every volume file directly inside (NIfTI, NRRD,
/// MetaImage; `*_seg`/`-seg` label files and hidden files skipped), every BraTS case folder, and every other
/// sub-folder that holds DICOM files (searched recursively, one case per folder that directly holds them).
/// Sorted by id, ids made unique. Throws Error(InvalidInput) when the folder does not exist.
std::vector<CaseInput> findCases(const std::filesystem::path& folder, const std::string& modality = {});

/// A content fingerprint of the files that make up `path` (a file, or every regular file below a folder, in
/// path order): FNV-1a 64 over relative names, sizes and bytes, as 16 hex digits. Reads everything once.
std::string fingerprintPath(const std::filesystem::path& path);

/// FNV-1a 64 of `bytes` continuing from `state` (start with fnvOffsetBasis()).
std::uint64_t fnv1a64(const void* bytes, std::size_t size, std::uint64_t state);
constexpr std::uint64_t fnvOffsetBasis() { return 0xcbf29ce484222325ULL; }
std::string toHex64(std::uint64_t value);

} // namespace strega::pipeline
