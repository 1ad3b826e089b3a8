#include "ItkImageIo.h"

#include "LoadLimits.h"
#include "NiftiReader.h"

#include "strega/core/AtomicOutput.h"
#include "strega/core/Error.h"

#include <itkImageIOBase.h>
#include <itkMetaDataObject.h>
#include <itkMetaImageIO.h>
#include <itkNiftiImageIO.h>
#include <itkNrrdImageIO.h>
#include <nifti1_io.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <sys/statvfs.h>
#include <system_error>
#include <unistd.h>
#include <zlib.h>

namespace strega::io::itkio {
namespace {

namespace fs = std::filesystem;

enum class Format { Nifti, Nrrd, Meta, Unknown };

std::string lowerName(const fs::path& file) {
  std::string s = file.filename().string();
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool endsWith(const std::string& s, const char* tail) {
  const std::string t(tail);
  return s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
}

Format formatByName(const fs::path& file) {
  if (nifti::hasNiftiExtension(file)) return Format::Nifti;
  const std::string name = lowerName(file);
  if (endsWith(name, ".nrrd") || endsWith(name, ".nhdr")) return Format::Nrrd;
  if (endsWith(name, ".mha") || endsWith(name, ".mhd")) return Format::Meta;
  return Format::Unknown;
}

const char* formatName(Format format) {
  switch (format) {
  case Format::Nifti: return "NIfTI";
  case Format::Nrrd: return "NRRD";
  case Format::Meta: return "MetaImage";
  case Format::Unknown: break;
  }
  return "image";
}

// The IO objects are created directly rather than through itk::ImageIOFactory, so that what reads a file does not
// depend on which factories some other part of the process registered (GDCM, PNG, ...).
itk::ImageIOBase::Pointer createIo(Format format) {
  static std::once_flag quiet;
  // niftilib prints every problem to stderr at its default debug level 1; our errors say it in one line instead.
  std::call_once(quiet, [] { nifti_set_debug_level(0); });
  switch (format) {
  case Format::Nifti: return itk::NiftiImageIO::New().GetPointer();
  case Format::Nrrd: return itk::NrrdImageIO::New().GetPointer();
  case Format::Meta: return itk::MetaImageIO::New().GetPointer();
  case Format::Unknown: break;
  }
  return nullptr;
}

// MetaIO prints parse errors straight to std::cerr, which would add lines to the CLI's one-line error. While a
// MetaImage is read or written, std::cerr goes into a string that ends up in the Error's detail. The swap is
// process-wide: a mutex keeps MetaImage calls from overlapping, and other code is not expected to use std::cerr
// (the project logs through its progress sinks and spdlog).
class CerrCapture {
public:
  explicit CerrCapture(bool active) {
    if (!active) return;
    m_lock = std::unique_lock<std::mutex>(mutex());
    m_previous = std::cerr.rdbuf(m_text.rdbuf());
  }
  ~CerrCapture() {
    if (m_previous) std::cerr.rdbuf(m_previous);
  }
  CerrCapture(const CerrCapture&) = delete;
  CerrCapture& operator=(const CerrCapture&) = delete;
  /// `detail` followed by what was captured.
  std::string withCaptured(const std::string& detail) const {
    const std::string captured = m_text.str();
    return captured.empty() ? detail : detail + "\n" + captured;
  }

private:
  static std::mutex& mutex() {
    static std::mutex m;
    return m;
  }
  std::unique_lock<std::mutex> m_lock;
  std::ostringstream m_text;
  std::streambuf* m_previous = nullptr;
};

PixelType pixelTypeOf(const itk::ImageIOBase& io) {
  using C = itk::IOComponentEnum;
  const auto type = io.GetComponentType();
  const std::size_t bytes = io.GetComponentSize();
  switch (type) {
  case C::FLOAT:
  case C::DOUBLE: return limits::pixelTypeOf(true, true, bytes);
  case C::CHAR:
  case C::SHORT:
  case C::INT:
  case C::LONG:
  case C::LONGLONG: return limits::pixelTypeOf(false, true, bytes);
  case C::UCHAR:
  case C::USHORT:
  case C::UINT:
  case C::ULONG:
  case C::ULONGLONG: return limits::pixelTypeOf(false, false, bytes);
  default: return PixelType::Unknown;
  }
}

itk::IOComponentEnum componentOf(PixelType type) {
  using B = itk::ImageIOBase;
  switch (type) {
  case PixelType::UInt8: return B::MapPixelType<std::uint8_t>::CType;
  case PixelType::Int8: return B::MapPixelType<std::int8_t>::CType;
  case PixelType::UInt16: return B::MapPixelType<std::uint16_t>::CType;
  case PixelType::Int16: return B::MapPixelType<std::int16_t>::CType;
  case PixelType::UInt32: return B::MapPixelType<std::uint32_t>::CType;
  case PixelType::Int32: return B::MapPixelType<std::int32_t>::CType;
  case PixelType::UInt64: return B::MapPixelType<std::uint64_t>::CType;
  case PixelType::Int64: return B::MapPixelType<std::int64_t>::CType;
  case PixelType::Float32: return B::MapPixelType<float>::CType;
  case PixelType::Float64: return B::MapPixelType<double>::CType;
  case PixelType::Unknown: break;
  }
  throw Error(ErrorKind::InvalidArgument, "cannot store voxels of unknown type");
}

std::string sizeText(const std::vector<std::uint64_t>& dims) {
  std::string text;
  for (std::size_t a = 0; a < dims.size(); ++a)
    text += (a ? "x" : "") + std::to_string(dims[a]);
  return text;
}

// What the header says, with the IO object ready to read voxels.
struct OpenedHeader {
  itk::ImageIOBase::Pointer io;
  ImageInfo info;
  std::vector<std::uint64_t> dims; ///< all dimensions as ITK reports them
};

// Format from the first bytes, for files whose name does not tell (ITK's NRRD and MetaImage readers insist on
// their extensions in CanReadFile, but read any name once asked).
Format sniffFormat(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::string head(1024, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  if (head.rfind("NRRD000", 0) == 0) return Format::Nrrd;
  for (const char* key : {"ObjectType", "NDims"})
    if (head.rfind(key, 0) == 0 || head.find(std::string("\n") + key) != std::string::npos) return Format::Meta;
  try {
    if (nifti::readHeader(file)) return Format::Nifti;
  } catch (const Error&) {
    // Not readable as NIfTI either.
  }
  return Format::Unknown;
}

Format detectFormat(const fs::path& file) {
  const Format format = formatByName(file);
  return format != Format::Unknown ? format : sniffFormat(file);
}

// NIfTI files are read by NiftiReader.cpp (see why there); ITK reads NRRD and MetaImage.
nifti::NiftiHeader niftiHeaderOf(const fs::path& file) {
  auto header = nifti::readHeader(file);
  if (!header) throw Error(ErrorKind::InvalidInput, file.string() + ": not a NIfTI file (no valid NIfTI header)");
  return *header;
}

OpenedHeader openWithItk(const fs::path& file, Format format) {
  const std::string path = file.string();
  auto io = createIo(format);
  io->SetFileName(file.string());
  {
    CerrCapture capture(format == Format::Meta);
    try {
      io->ReadImageInformation();
    } catch (const itk::ExceptionObject& e) {
      throw Error(ErrorKind::InvalidInput, path + ": the " + formatName(format) + " header is corrupt or unreadable",
                  capture.withCaptured(e.GetDescription()));
    }
  }

  OpenedHeader header;
  header.io = io;
  ImageInfo& info = header.info;
  info.path = path;
  info.format = formatName(format);
  const unsigned nd = io->GetNumberOfDimensions();
  if (nd == 0) throw Error(ErrorKind::InvalidInput, path + ": the image has no dimensions");
  for (unsigned a = 0; a < nd; ++a) {
    header.dims.push_back(io->GetDimensions(a));
    if (header.dims.back() == 0)
      throw Error(ErrorKind::InvalidInput, path + ": the image has a zero dimension (" + sizeText(header.dims) + ")");
  }
  // Axes beyond the third are frames (time, ...); a 2D image becomes a single-slice volume.
  ImageGeometry& g = info.geometry;
  for (unsigned c = 0; c < 3; ++c) {
    if (c >= nd) continue; // defaults: size 1 (set below), spacing 1, origin 0, identity column
    g.spacingMm[c] = io->GetSpacing(c);
    g.originMm[c] = io->GetOrigin(c);
    const std::vector<double> axis = io->GetDirection(c);
    for (unsigned r = 0; r < 3; ++r)
      g.direction[r * 3 + c] = r < axis.size() ? axis[r] : (r == c ? 1.0 : 0.0);
  }
  for (unsigned a = 0; a < 3; ++a)
    g.size[a] = a < nd ? static_cast<std::size_t>(header.dims[a]) : 1;
  std::vector<std::uint64_t> extra(header.dims.begin() + std::min<unsigned>(nd, 3), header.dims.end());
  info.timepoints = limits::checkedProduct(extra, path);
  info.components = io->GetNumberOfComponents();
  info.storedPixelType = pixelTypeOf(*io);
  if (info.storedPixelType == PixelType::Unknown)
    throw Error(ErrorKind::Unsupported, path + ": voxel type " +
                                          itk::ImageIOBase::GetComponentTypeAsString(io->GetComponentType()) +
                                          " is not supported");

  std::string content;
  if (itk::ExposeMetaData<std::string>(io->GetMetaDataDictionary(), "content", content)) info.description = content;
  try {
    info.geometry.validate();
  } catch (const Error& e) {
    throw Error(e.kind(), path + ": " + e.userMessage(), e.detail());
  }
  return header;
}

Format readableFormat(const fs::path& file) {
  const Format format = detectFormat(file);
  if (format == Format::Unknown)
    throw Error(ErrorKind::InvalidInput,
                file.string() + ": not an image this program can read (supported: NIfTI, NRRD, MetaImage, DICOM)");
  return format;
}

} // namespace

bool hasImageExtension(const fs::path& file) { return formatByName(file) != Format::Unknown; }

bool isListedInFolder(const fs::path& file) {
  const std::string name = lowerName(file);
  return hasImageExtension(file) && !endsWith(name, ".img") && !endsWith(name, ".img.gz");
}

bool canReadByContent(const fs::path& file) { return detectFormat(file) != Format::Unknown; }

ImageInfo scanFile(const fs::path& file) {
  const Format format = readableFormat(file);
  if (format == Format::Nifti) return nifti::info(file, niftiHeaderOf(file));
  return openWithItk(file, format).info;
}

LoadedImage read(const fs::path& file, const ReadOptions& options, ProgressScope* progress) {
  const Format format = readableFormat(file);
  if (format == Format::Nifti) return nifti::read(file, niftiHeaderOf(file), options, progress);
  if (progress) progress->update(0.0, "reading header");
  OpenedHeader header = openWithItk(file, format);
  LoadedImage loaded;
  loaded.info = header.info;
  const std::string& path = loaded.info.path;
  if (loaded.info.components > 1)
    throw Error(ErrorKind::Unsupported, path + ": the image has " + std::to_string(loaded.info.components) +
                                          " values per voxel (RGB or vector image); only scalar images are "
                                          "supported");
  const std::size_t frame = limits::chooseFrame(loaded.info.timepoints, options, path);

  itk::ImageIOBase& io = *header.io;
  const unsigned nd = io.GetNumberOfDimensions();
  const Size3 size = loaded.info.geometry.size;
  const std::uint64_t frameVoxels = limits::checkedProduct({size[0], size[1], size[2]}, path);
  const std::size_t valueBytes = io.GetComponentSize();
  // Read just the frame when the reader can (uncompressed MetaImage); otherwise everything (NRRD), then pick it.
  const bool streamFrame = loaded.info.timepoints > 1 && io.CanStreamRead();
  itk::ImageIORegion region(nd);
  std::uint64_t rest = frame;
  for (unsigned a = 0; a < nd; ++a) {
    if (a < 3 || !streamFrame) {
      region.SetIndex(a, 0);
      region.SetSize(a, header.dims[a]);
    } else {
      region.SetIndex(a, static_cast<itk::IndexValueType>(rest % header.dims[a]));
      region.SetSize(a, 1);
      rest /= header.dims[a];
    }
  }
  const std::uint64_t voxelsRead = streamFrame ? frameVoxels : frameVoxels * loaded.info.timepoints;
  limits::checkAllocation(frameVoxels, voxelsRead * valueBytes, sizeText(header.dims), path);
  if (progress) progress->update(0.05, "reading voxels");

  std::vector<unsigned char> raw(voxelsRead * valueBytes);
  {
    CerrCapture capture(format == Format::Meta);
    try {
      io.SetIORegion(region);
      io.Read(raw.data());
    } catch (const itk::ExceptionObject& e) {
      throw Error(ErrorKind::InvalidInput, path + ": the file is truncated or corrupt",
                  capture.withCaptured(e.GetDescription()));
    }
  }
  if (progress) progress->update(0.8, "converting");
  const std::size_t offset = streamFrame ? 0 : frame * frameVoxels * valueBytes;
  std::vector<float> voxels(frameVoxels);
  limits::convertToFloat(loaded.info.storedPixelType, raw.data() + offset, frameVoxels, voxels.data());
  raw = {};
  loaded.image = ImageF(loaded.info.geometry, std::move(voxels));
  if (loaded.info.timepoints > 1)
    loaded.info.warnings.push_back("loaded frame " + std::to_string(frame) + " of " +
                                   std::to_string(loaded.info.timepoints));
  if (progress) progress->update(1.0);
  return loaded;
}

namespace {

/// Whether the NIfTI file ITK wrote holds all `dataBytes` of voxels after its header, read through to the gzip
/// check for a compressed file. ITK 5.2's NIfTI writer only prints "** ERROR: NWAD" when a write fails (a full
/// disk) and returns as if it had succeeded.
bool niftiComplete(const fs::path& file, std::uint64_t dataBytes) {
  gzFile f = gzopen(file.c_str(), "rb");
  if (!f) return false;
  unsigned char header[352];
  bool complete = gzread(f, header, sizeof header) == static_cast<int>(sizeof header);
  if (complete) {
    float voxOffset = 0.0f;
    std::memcpy(&voxOffset, header + 108, 4);
    const std::uint64_t expected = static_cast<std::uint64_t>(voxOffset) + dataBytes;
    std::uint64_t total = sizeof header;
    std::vector<unsigned char> buffer(std::size_t(1) << 20);
    for (int n = 1; n > 0;) {
      n = gzread(f, buffer.data(), static_cast<unsigned>(buffer.size()));
      if (n < 0) complete = false;
      if (n > 0) total += static_cast<std::uint64_t>(n);
    }
    complete = complete && total == expected;
  }
  gzclose_r(f);
  return complete;
}

} // namespace

void write(const ImageGeometry& geometry, const void* voxels, PixelType type, const fs::path& finalPath) {
  const std::string path = finalPath.string();
  const Format format = formatByName(finalPath);
  const std::string name = lowerName(finalPath);
  if (format == Format::Unknown)
    throw Error(ErrorKind::InvalidArgument, path + ": unknown output format (use .nii.gz, .nii, .nrrd or .mha)");
  if (endsWith(name, ".hdr") || endsWith(name, ".img") || endsWith(name, ".hdr.gz") || endsWith(name, ".img.gz") ||
      endsWith(name, ".nhdr") || endsWith(name, ".mhd"))
    throw Error(ErrorKind::Unsupported, path + ": two-file formats cannot be written atomically; use .nii.gz, "
                                               ".nii, .nrrd or .mha");
  try {
    geometry.validate();
  } catch (const Error& e) {
    throw Error(e.kind(), "cannot write " + path + ": " + e.userMessage(), e.detail());
  }
  if (format == Format::Nifti)
    for (const auto s : geometry.size)
      if (s > 32767)
        throw Error(ErrorKind::Unsupported,
                    path + ": NIfTI-1 cannot store more than 32767 voxels along an axis; use .nrrd or .mha");

  const fs::path folder = finalPath.parent_path().empty() ? fs::path(".") : finalPath.parent_path();
  std::error_code ec;
  if (!fs::is_directory(folder, ec))
    throw Error(ErrorKind::Io, "cannot write " + path + ": the folder " + folder.string() + " does not exist");

  auto io = createIo(format);
  io->SetNumberOfDimensions(3);
  for (unsigned a = 0; a < 3; ++a) {
    io->SetDimensions(a, static_cast<unsigned>(geometry.size[a]));
    io->SetSpacing(a, geometry.spacingMm[a]);
    io->SetOrigin(a, geometry.originMm[a]);
    io->SetDirection(a,
                     std::vector<double>{geometry.direction[a], geometry.direction[3 + a], geometry.direction[6 + a]});
  }
  io->SetPixelType(itk::IOPixelEnum::SCALAR);
  io->SetComponentType(componentOf(type));
  io->SetNumberOfComponents(1);
  // NIfTI compresses by the ".gz" in the name; NRRD and MetaImage are always gzip-compressed here (all readers
  // handle it, and masks shrink ~50x).
  io->SetUseCompression(format != Format::Nifti || endsWith(name, ".gz"));
  itk::ImageIORegion region(3);
  for (unsigned a = 0; a < 3; ++a) {
    region.SetIndex(a, 0);
    region.SetSize(a, geometry.size[a]);
  }
  io->SetIORegion(region);

  // Refuse up front when the disk cannot take the uncompressed size (an upper bound; compressed outputs are
  // smaller): one clear message instead of a failure half way through ITK's writer.
  const std::uint64_t dataBytes = geometry.voxelCount() * limits::bytesOf(type);
  struct statvfs disk {};
  if (::statvfs(folder.c_str(), &disk) == 0) {
    const double available = double(disk.f_bavail) * double(disk.f_frsize);
    const double needed = double(dataBytes) + double(1 << 16);
    if (available < needed)
      throw Error(ErrorKind::Io, "cannot write " + path + ": not enough space on the disk (" +
                                   limits::formatBytes(needed) + " needed, " + limits::formatBytes(available) +
                                   " free)");
  }

  AtomicOutput out(finalPath);
  // Create the temporary file here first: a refusal (permissions, read-only or full file system) becomes one
  // clear message, before ITK's writers (which print to stderr and throw generic errors) are involved.
  const int fd = ::open(out.tempPath().c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) {
    const int err = errno;
    throw Error(ErrorKind::Io, "cannot write " + path + ": " + std::strerror(err), out.tempPath().string());
  }
  ::close(fd);
  io->SetFileName(out.tempPath().string());
  {
    CerrCapture capture(format == Format::Meta);
    try {
      io->Write(voxels);
    } catch (const itk::ExceptionObject& e) {
      throw Error(ErrorKind::Io, "could not write " + path, capture.withCaptured(e.GetDescription()));
    }
  }
  if (format == Format::Nifti && !niftiComplete(out.tempPath(), dataBytes))
    throw Error(ErrorKind::Io, "could not write " + path + " (disk full?)",
                "the NIfTI file written is incomplete: " + out.tempPath().string());
  out.commit();
}

} // namespace strega::io::itkio
