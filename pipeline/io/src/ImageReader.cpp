// scan() and readImage(): decide what a path is (file or folder, which format) and hand it to the DICOM reader
// (DicomReader.h, DCMTK) or the ITK-based reader (ItkImageIo.h). Every failure leaves here as a strega::Error
// with a one-line message naming the path.
#include "strega/io/ImageReader.h"

#include "DicomReader.h"
#include "ItkImageIo.h"

#include "strega/core/Error.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <set>
#include <system_error>
#include <unistd.h>

namespace strega::io {
namespace {

namespace fs = std::filesystem;

enum class PathKind { File, Folder };

// Checks that `path` exists and can be read, and says whether it is a file or a folder. The file system's
// refusals (missing, permission, symbolic link loop) are Error(Io); a device or socket is InvalidInput.
PathKind checkPath(const fs::path& path) {
  const std::string name = path.string();
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || status.type() == fs::file_type::not_found) {
    if (ec == std::errc::too_many_symbolic_link_levels)
      throw Error(ErrorKind::Io, name + ": symbolic link loop (the link points back to itself)");
    if (ec == std::errc::permission_denied) throw Error(ErrorKind::Io, "permission denied: " + name);
    if (!ec || ec == std::errc::no_such_file_or_directory || ec == std::errc::not_a_directory) {
      std::error_code linkEc;
      if (fs::is_symlink(fs::symlink_status(path, linkEc)))
        throw Error(ErrorKind::Io, name + ": broken symbolic link (its target does not exist)");
      throw Error(ErrorKind::Io, "no such file or folder: " + name);
    }
    throw Error(ErrorKind::Io, "cannot access " + name + ": " + ec.message());
  }
  if (fs::is_directory(status)) {
    fs::directory_iterator probe(path, ec);
    if (ec == std::errc::permission_denied)
      throw Error(ErrorKind::Io, "permission denied: " + name + " (the folder cannot be listed)");
    if (ec) throw Error(ErrorKind::Io, "cannot list the folder " + name + ": " + ec.message());
    return PathKind::Folder;
  }
  if (!fs::is_regular_file(status)) throw Error(ErrorKind::InvalidInput, name + ": not a regular file or folder");
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) {
    const int err = errno;
    if (err == EACCES || err == EPERM) throw Error(ErrorKind::Io, "permission denied: " + name);
    throw Error(ErrorKind::Io, "cannot open " + name + ": " + std::strerror(err));
  }
  ::close(fd);
  if (fs::file_size(path, ec) == 0 && !ec) throw Error(ErrorKind::InvalidInput, name + ": the file is empty");
  return PathKind::File;
}

enum class FileReader { Itk, Dicom };

// Which reader takes a single file. A NIfTI/NRRD/MetaImage name is trusted first (cheap, and a NIfTI header could
// be mistaken for a DICOM dataset without preamble); then DICOM content; then ITK by content (NRRD magic ...).
FileReader readerFor(const fs::path& file) {
  if (itkio::hasImageExtension(file)) return FileReader::Itk;
  if (dicom::looksLikeDicomFile(file)) return FileReader::Dicom;
  if (itkio::canReadByContent(file)) return FileReader::Itk;
  throw Error(ErrorKind::InvalidInput,
              file.string() + ": not an image this program can read (supported: NIfTI, NRRD, MetaImage, DICOM)");
}

// NIfTI/NRRD/MetaImage files under a folder, recursively. Symbolic links are followed, but each folder is
// visited once (by canonical path), which breaks loops. Entries that cannot be read are counted and skipped;
// hidden entries (".git", our own ".name.tmp-..." files) are ignored.
struct FolderListing {
  std::vector<fs::path> imageFiles;
  std::size_t entries = 0;        ///< everything seen, hidden or not
  std::size_t skipped = 0;        ///< unreadable entries and folders
  bool hasDicomCandidate = false; ///< with sniffDicom: some other file starts like a DICOM file
};

// With `sniffDicom`, files that are not NIfTI/NRRD/MetaImage by name are tested with looksLikeDicomFile() until
// one answers yes: 132 bytes each, which tells readImage() whether the (much costlier) DICOM scan is needed.
FolderListing listFolder(const fs::path& root, ProgressScope* progress, bool sniffDicom = false) {
  FolderListing listing;
  std::set<fs::path> visited;
  std::error_code ec;
  visited.insert(fs::canonical(root, ec));
  std::vector<fs::path> pending{root};
  while (!pending.empty()) {
    const fs::path folder = pending.back();
    pending.pop_back();
    if (progress) progress->throwIfCancelled();
    fs::directory_iterator it(folder, ec), end;
    if (ec) {
      ++listing.skipped;
      continue;
    }
    for (; it != end; it.increment(ec)) {
      if (ec) {
        ++listing.skipped;
        break;
      }
      ++listing.entries;
      const fs::path& entry = it->path();
      if (entry.filename().string().starts_with('.')) continue;
      std::error_code statusEc;
      const fs::file_status status = fs::status(entry, statusEc); // follows links
      if (statusEc) {                                             // broken link, link loop, no permission
        ++listing.skipped;
        continue;
      }
      if (fs::is_directory(status)) {
        const fs::path canonical = fs::canonical(entry, statusEc);
        if (!statusEc && visited.insert(canonical).second) pending.push_back(entry);
      } else if (fs::is_regular_file(status)) {
        if (itkio::isListedInFolder(entry))
          listing.imageFiles.push_back(entry);
        else if (sniffDicom && !listing.hasDicomCandidate && !itkio::hasImageExtension(entry))
          listing.hasDicomCandidate = dicom::looksLikeDicomFile(entry);
      }
    }
  }
  std::sort(listing.imageFiles.begin(), listing.imageFiles.end());
  return listing;
}

// Runs `body` with a child progress scope of `parent` covering [begin, end], or with none.
template <class Body>
auto inChildScope(ProgressScope* parent, std::string_view stage, double begin, double end, Body&& body) {
  if (!parent) return body(static_cast<ProgressScope*>(nullptr));
  ProgressScope child(*parent, stage, begin, end);
  return body(&child);
}

[[noreturn]] void throwNothingLoadable(const fs::path& folder, const FolderListing& listing,
                                       const std::vector<std::string>& failures) {
  const std::string name = folder.string();
  if (listing.entries == 0) throw Error(ErrorKind::InvalidInput, name + ": the folder is empty");
  std::string message = name + ": no DICOM series or NIfTI/NRRD/MetaImage file found";
  std::string detail;
  if (!failures.empty()) {
    message += " that could be read (" + std::to_string(failures.size()) + " image file" +
               (failures.size() > 1 ? "s" : "") + " refused; first: " + failures.front() + ")";
    for (const auto& f : failures)
      detail += f + "\n";
  } else if (listing.skipped > 0) {
    message += " (" + std::to_string(listing.skipped) + " entries could not be read)";
  }
  throw Error(ErrorKind::InvalidInput, message, detail);
}

} // namespace

std::vector<ImageInfo> scan(const fs::path& path, ProgressScope* progress) {
  if (checkPath(path) == PathKind::File) {
    if (readerFor(path) == FileReader::Dicom) return {dicom::scanFile(path)};
    return {itkio::scanFile(path)};
  }
  std::vector<ImageInfo> found =
    inChildScope(progress, "DICOM", 0.0, 0.8, [&](ProgressScope* scope) { return dicom::scanFolder(path, scope); });
  const FolderListing listing = listFolder(path, progress);
  std::vector<std::string> failures;
  for (std::size_t n = 0; n < listing.imageFiles.size(); ++n) {
    const fs::path& file = listing.imageFiles[n];
    try {
      found.push_back(itkio::scanFile(file));
    } catch (const Error& e) {
      // A broken file in a folder does not hide the good ones; the caller hears about it as a warning.
      failures.push_back(e.userMessage());
      if (progress) progress->warn("skipped " + e.userMessage());
    }
    if (progress) progress->update(0.8 + 0.2 * double(n + 1) / double(listing.imageFiles.size()));
  }
  if (found.empty()) throwNothingLoadable(path, listing, failures);
  return found;
}

LoadedImage readImage(const fs::path& path, const ReadOptions& options, ProgressScope* progress) {
  if (checkPath(path) == PathKind::File) {
    if (readerFor(path) == FileReader::Dicom) return dicom::read(path, options, progress);
    return itkio::read(path, options, progress);
  }
  if (!options.seriesUid.empty()) return dicom::read(path, options, progress);

  // A folder of DICOM files goes to the DICOM reader, which scans it once, chooses the series (the first MR one
  // unless options.seriesUid says) and says in a warning which it took. Only when NIfTI/NRRD/MetaImage files lie
  // beside DICOM-looking files is the folder scanned first, to learn whether any DICOM image is really there.
  const FolderListing listing = listFolder(path, progress, /*sniffDicom=*/true);
  if (listing.hasDicomCandidate) {
    if (listing.imageFiles.empty()) return dicom::read(path, options, progress);
    const bool hasSeries = !inChildScope(progress, "scan", 0.0, 0.3, [&](ProgressScope* scope) {
                              return dicom::scanFolder(path, scope);
                            }).empty();
    if (hasSeries)
      return inChildScope(progress, "read", 0.3, 1.0,
                          [&](ProgressScope* scope) { return dicom::read(path, options, scope); });
  }
  if (listing.imageFiles.size() == 1) return itkio::read(listing.imageFiles.front(), options, progress);
  if (listing.imageFiles.size() > 1)
    throw Error(ErrorKind::InvalidArgument, path.string() + ": the folder holds " +
                                              std::to_string(listing.imageFiles.size()) +
                                              " image files and no DICOM series; name the file to load");
  throwNothingLoadable(path, listing, {});
}

} // namespace strega::io
