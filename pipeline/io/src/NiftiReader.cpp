#include "NiftiReader.h"

#include "LoadLimits.h"

#include "strega/core/Error.h"
#include "strega/core/Math.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <memory>
#include <system_error>

namespace strega::io::nifti {
namespace {

namespace fs = std::filesystem;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool endsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// zlib file handle, closed on scope exit. Files are always opened through zlib, which reads uncompressed files
// transparently: a gzipped file named .nii (or the reverse) still loads. zlib directly rather than ITK's znzlib,
// whose reads cannot tell a gzip data error (a failed CRC) from the end of the file.
struct GzCloser {
  void operator()(gzFile_s* f) const {
    if (f) gzclose_r(f);
  }
};
using GzHandle = std::unique_ptr<gzFile_s, GzCloser>;

GzHandle openGz(const fs::path& file) { return GzHandle(gzopen(file.c_str(), "rb")); }

/// Bytes read into `buffer` (up to `size`), or -1 on a zlib data error.
long long readGz(gzFile_s* f, void* buffer, std::size_t size) {
  std::size_t done = 0;
  auto* bytes = static_cast<unsigned char*>(buffer);
  while (done < size) {
    const unsigned ask = static_cast<unsigned>(std::min<std::size_t>(size - done, std::size_t(1) << 30));
    const int n = gzread(f, bytes + done, ask);
    if (n < 0) return -1;
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  return static_cast<long long>(done);
}

bool isGzipped(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  unsigned char magic[2] = {0, 0};
  in.read(reinterpret_cast<char*>(magic), 2);
  return in && magic[0] == 0x1f && magic[1] == 0x8b;
}

// Reads fields of a header at byte offsets, swapping bytes when the file's byte order is not ours.
class FieldReader {
public:
  FieldReader(const unsigned char* bytes, bool swap) : m_bytes(bytes), m_swap(swap) {}
  template <class T> T get(std::size_t offset) const {
    unsigned char raw[sizeof(T)];
    std::memcpy(raw, m_bytes + offset, sizeof(T));
    if (m_swap) std::reverse(raw, raw + sizeof(T));
    T value;
    std::memcpy(&value, raw, sizeof(T));
    return value;
  }
  std::string text(std::size_t offset, std::size_t length) const {
    const char* begin = reinterpret_cast<const char*>(m_bytes + offset);
    std::string s(begin, strnlen(begin, length));
    while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r'))
      s.pop_back();
    return s;
  }

private:
  const unsigned char* m_bytes;
  bool m_swap;
};

std::int32_t byteSwapped(std::int32_t v) {
  unsigned char raw[4];
  std::memcpy(raw, &v, 4);
  std::reverse(raw, raw + 4);
  std::memcpy(&v, raw, 4);
  return v;
}

const char* unsupportedTypeName(int datatype) {
  switch (datatype) {
  case 1: return "binary (1 bit)";
  case 32: return "complex64";
  case 128: return "RGB24";
  case 1536: return "float128";
  case 1792: return "complex128";
  case 2048: return "complex256";
  case 2304: return "RGBA32";
  default: return nullptr;
  }
}

PixelType pixelTypeOfDatatype(int datatype) {
  switch (datatype) {
  case 2: return PixelType::UInt8;
  case 4: return PixelType::Int16;
  case 8: return PixelType::Int32;
  case 16: return PixelType::Float32;
  case 64: return PixelType::Float64;
  case 256: return PixelType::Int8;
  case 512: return PixelType::UInt16;
  case 768: return PixelType::UInt32;
  case 1024: return PixelType::Int64;
  case 1280: return PixelType::UInt64;
  default: return PixelType::Unknown;
  }
}

// The header file and the voxel file of the image named by `file` (the same file for .nii).
struct FilePair {
  fs::path header, data;
  bool twoFileName = false;
};

FilePair filePairOf(const fs::path& file) {
  FilePair pair;
  const std::string name = file.string();
  const bool gz = endsWith(lower(name), ".gz");
  const std::string core = gz ? name.substr(0, name.size() - 3) : name;
  const std::string coreLow = lower(core);
  if (endsWith(coreLow, ".hdr") || endsWith(coreLow, ".img")) {
    pair.twoFileName = true;
    const std::string base = core.substr(0, core.size() - 4);
    const bool upper = core[core.size() - 3] == 'H' || core[core.size() - 3] == 'I';
    const std::string gzTail = gz ? name.substr(name.size() - 3) : "";
    pair.header = base + (upper ? ".HDR" : ".hdr") + gzTail;
    pair.data = base + (upper ? ".IMG" : ".img") + gzTail;
  } else {
    pair.header = pair.data = file;
  }
  return pair;
}

using Affine = std::array<std::array<double, 4>, 3>; // RAS, three rows of four

// Geometry (LPS) from a NIfTI RAS affine: x and y change sign, nothing else.
ImageGeometry geometryFromRasAffine(const Affine& affine, const Size3& size) {
  ImageGeometry g;
  g.size = size;
  for (int c = 0; c < 3; ++c) {
    const Vec3 axis{-affine[0][c], -affine[1][c], affine[2][c]};
    const double length = norm(axis);
    g.spacingMm[c] = length;
    for (int r = 0; r < 3; ++r)
      g.direction[r * 3 + c] = length > 0 ? axis[r] / length : 0.0;
  }
  g.originMm = {-affine[0][3], -affine[1][3], affine[2][3]};
  return g;
}

// The qform's RAS affine (NIfTI-1 standard, method 2).
Affine qformAffine(const NiftiHeader& h) {
  const double b = h.quatern[0], c = h.quatern[1], d = h.quatern[2];
  const double a = std::sqrt(std::max(0.0, 1.0 - (b * b + c * c + d * d)));
  const double r[3][3] = {{a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)},
                          {2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)},
                          {2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b}};
  const double qfac = h.pixdim[0] < 0 ? -1.0 : 1.0;
  const double scales[3] = {h.pixdim[1], h.pixdim[2], qfac * h.pixdim[3]};
  Affine affine{};
  for (int row = 0; row < 3; ++row) {
    for (int col = 0; col < 3; ++col)
      affine[row][col] = r[row][col] * scales[col];
    affine[row][3] = h.qoffset[row];
  }
  return affine;
}

// True when the sform's 3x3 part is a rotation times non-zero scales (no shear): only then do spacing and an
// orthonormal direction represent it exactly.
bool sformIsOrthogonal(const NiftiHeader& h) {
  Vec3 axes[3];
  for (int c = 0; c < 3; ++c) {
    axes[c] = {h.srow[0][c], h.srow[1][c], h.srow[2][c]};
    if (!(norm(axes[c]) > 0)) return false;
    axes[c] = scale(axes[c], 1.0 / norm(axes[c]));
  }
  return std::abs(dot(axes[0], axes[1])) < 1e-4 && std::abs(dot(axes[0], axes[2])) < 1e-4 &&
         std::abs(dot(axes[1], axes[2])) < 1e-4;
}

Size3 spatialSize(const NiftiHeader& h) {
  Size3 size{1, 1, 1};
  for (int a = 0; a < 3 && a < h.dimensions(); ++a)
    size[a] = static_cast<std::size_t>(h.dim[a + 1]);
  return size;
}

std::uint64_t frameCount(const NiftiHeader& h, const std::string& path) {
  std::vector<std::uint64_t> extra;
  for (int a = 4; a <= h.dimensions(); ++a)
    extra.push_back(static_cast<std::uint64_t>(h.dim[a]));
  return limits::checkedProduct(extra, path);
}

std::string sizeText(const NiftiHeader& h) {
  std::string text;
  for (int a = 1; a <= h.dimensions(); ++a)
    text += (a > 1 ? "x" : "") + std::to_string(h.dim[a]);
  return text;
}

} // namespace

PixelType NiftiHeader::storedType() const { return pixelTypeOfDatatype(datatype); }

bool NiftiHeader::rescales() const {
  // Analyze 7.5 has no scaling fields (SPM's use of the same bytes is not standard); niftilib ignores them too.
  return !analyze && std::isfinite(sclSlope) && std::isfinite(sclInter) && sclSlope != 0.0 &&
         !(sclSlope == 1.0 && sclInter == 0.0);
}

bool hasNiftiExtension(const fs::path& file) {
  const std::string name = lower(file.filename().string());
  for (const char* ext : {".nii", ".nii.gz", ".hdr", ".img", ".hdr.gz", ".img.gz"})
    if (endsWith(name, ext)) return true;
  return false;
}

std::optional<NiftiHeader> readHeader(const fs::path& file) {
  const std::string path = file.string();
  const FilePair pair = filePairOf(file);
  unsigned char bytes[540] = {};
  std::size_t got = 0;
  {
    GzHandle f = openGz(pair.header);
    if (!f)
      throw Error(ErrorKind::Io, path + ": cannot open " + pair.header.filename().string() +
                                   (pair.header != file ? " (the header of this image)" : ""));
    const long long n = readGz(f.get(), bytes, sizeof bytes);
    got = n < 0 ? 0 : static_cast<std::size_t>(n);
  }
  if (got < 4) return std::nullopt;
  std::int32_t sizeofHdr;
  std::memcpy(&sizeofHdr, bytes, 4);
  NiftiHeader h;
  if (sizeofHdr == 348 || byteSwapped(sizeofHdr) == 348) {
    h.version = 1;
    h.byteSwapped = sizeofHdr != 348;
  } else if (sizeofHdr == 540 || byteSwapped(sizeofHdr) == 540) {
    h.version = 2;
    h.byteSwapped = sizeofHdr != 540;
  } else {
    return std::nullopt;
  }
  const std::size_t headerSize = h.version == 1 ? 348 : 540;
  if (got < headerSize)
    throw Error(ErrorKind::InvalidInput, path + ": the file is truncated (its NIfTI header is incomplete)");
  const FieldReader r(bytes, h.byteSwapped);

  if (h.version == 1) {
    const std::string magic = r.text(344, 4);
    if (magic == "n+1") {
      h.twoFile = false;
    } else if (magic == "ni1") {
      h.twoFile = true;
    } else {
      if (!pair.twoFileName) return std::nullopt; // Analyze 7.5 only comes as a .hdr/.img pair
      h.analyze = true;
      h.twoFile = true;
    }
    for (int a = 0; a < 8; ++a)
      h.dim[a] = r.get<std::int16_t>(40 + 2 * a);
    h.datatype = r.get<std::int16_t>(70);
    for (int a = 0; a < 8; ++a)
      h.pixdim[a] = r.get<float>(76 + 4 * a);
    const float voxOffset = r.get<float>(108);
    if (!std::isfinite(voxOffset) || voxOffset < 0 || voxOffset > 1e15f)
      throw Error(ErrorKind::InvalidInput, path + ": the NIfTI header is corrupt (bad vox_offset)");
    h.voxOffset = static_cast<std::int64_t>(voxOffset);
    h.sclSlope = r.get<float>(112);
    h.sclInter = r.get<float>(116);
    h.descrip = r.text(148, 80);
    if (!h.analyze) {
      h.qformCode = r.get<std::int16_t>(252);
      h.sformCode = r.get<std::int16_t>(254);
      for (int a = 0; a < 3; ++a)
        h.quatern[a] = r.get<float>(256 + 4 * a);
      for (int a = 0; a < 3; ++a)
        h.qoffset[a] = r.get<float>(268 + 4 * a);
      for (int row = 0; row < 3; ++row)
        for (int col = 0; col < 4; ++col)
          h.srow[row][col] = r.get<float>(280 + 16 * row + 4 * col);
      h.intentName = r.text(328, 16);
    }
  } else {
    const std::string magic = r.text(4, 4);
    if (magic == "n+2")
      h.twoFile = false;
    else if (magic == "ni2")
      h.twoFile = true;
    else
      return std::nullopt;
    h.datatype = r.get<std::int16_t>(12);
    for (int a = 0; a < 8; ++a)
      h.dim[a] = r.get<std::int64_t>(16 + 8 * a);
    for (int a = 0; a < 8; ++a)
      h.pixdim[a] = r.get<double>(104 + 8 * a);
    h.voxOffset = r.get<std::int64_t>(168);
    h.sclSlope = r.get<double>(176);
    h.sclInter = r.get<double>(184);
    h.descrip = r.text(240, 80);
    h.qformCode = r.get<std::int32_t>(344);
    h.sformCode = r.get<std::int32_t>(348);
    for (int a = 0; a < 3; ++a)
      h.quatern[a] = r.get<double>(352 + 8 * a);
    for (int a = 0; a < 3; ++a)
      h.qoffset[a] = r.get<double>(376 + 8 * a);
    for (int row = 0; row < 3; ++row)
      for (int col = 0; col < 4; ++col)
        h.srow[row][col] = r.get<double>(400 + 32 * row + 8 * col);
    h.intentName = r.text(508, 16);
    if (h.voxOffset < 0) throw Error(ErrorKind::InvalidInput, path + ": the NIfTI header is corrupt (bad vox_offset)");
  }
  // A single file's voxels cannot start inside the header; writers that leave vox_offset 0 (SPM's ch2.nii.gz,
  // for one) mean "right after it", which is how niftilib and nibabel read them too.
  if (!h.twoFile) h.voxOffset = std::max<std::int64_t>(h.voxOffset, static_cast<std::int64_t>(headerSize) + 4);

  if (h.dim[0] < 1 || h.dim[0] > 7)
    throw Error(ErrorKind::InvalidInput,
                path + ": the NIfTI header is corrupt (dim[0] = " + std::to_string(h.dim[0]) + ")");
  for (int a = 1; a <= h.dimensions(); ++a)
    if (h.dim[a] <= 0)
      throw Error(ErrorKind::InvalidInput, path + ": the image has a zero or negative dimension (dim[" +
                                             std::to_string(a) + "] = " + std::to_string(h.dim[a]) + ")");
  for (int a = 1; a <= std::min(h.dimensions(), 3); ++a)
    if (!std::isfinite(h.pixdim[a]))
      throw Error(ErrorKind::InvalidInput,
                  path + ": the header has a non-finite voxel spacing (pixdim[" + std::to_string(a) + "])");
  bool finiteForms = h.qformCode <= 0 || std::isfinite(h.pixdim[0]);
  for (int a = 0; a < 3; ++a) {
    finiteForms &= h.qformCode <= 0 || (std::isfinite(h.quatern[a]) && std::isfinite(h.qoffset[a]));
    for (int c = 0; c < 4; ++c)
      finiteForms &= h.sformCode <= 0 || std::isfinite(h.srow[a][c]);
  }
  if (!finiteForms)
    throw Error(ErrorKind::InvalidInput, path + ": the header's orientation (qform/sform) is not finite");
  if (h.storedType() == PixelType::Unknown) {
    if (const char* name = unsupportedTypeName(h.datatype))
      throw Error(ErrorKind::Unsupported,
                  path + ": NIfTI data type " + name + " is not supported (only scalar integer and float images)");
    throw Error(ErrorKind::InvalidInput,
                path + ": the NIfTI header is corrupt (unknown data type " + std::to_string(h.datatype) + ")");
  }

  // An uncompressed file can be checked against its size before anything is allocated; a gzip stream cannot
  // (its length is only known after decompressing), there truncation shows when reading.
  std::vector<std::uint64_t> dims;
  for (int a = 1; a <= h.dimensions(); ++a)
    dims.push_back(static_cast<std::uint64_t>(h.dim[a]));
  dims.push_back(limits::bytesOf(h.storedType()));
  const std::uint64_t dataBytes = limits::checkedProduct(dims, path);
  const fs::path dataFile = h.twoFile ? pair.data : pair.header;
  std::error_code ec;
  const auto fileSize = fs::file_size(dataFile, ec);
  if (ec)
    throw Error(ErrorKind::Io,
                path + ": cannot open the image data file " + dataFile.filename().string() + ": " + ec.message());
  h.gzipped = isGzipped(dataFile);
  const std::uint64_t offset = static_cast<std::uint64_t>(h.voxOffset);
  const std::uint64_t needed = dataBytes > UINT64_MAX - offset ? UINT64_MAX : offset + dataBytes;
  if (!h.gzipped && fileSize < needed)
    throw Error(ErrorKind::InvalidInput,
                path + ": the file is truncated: the header describes " + limits::formatBytes(double(dataBytes)) +
                  " of voxels but the file holds only " +
                  limits::formatBytes(double(fileSize > offset ? fileSize - offset : 0)),
                "expected " + std::to_string(needed) + " bytes, the file has " + std::to_string(fileSize));
  return h;
}

NiftiGeometry geometryOf(const NiftiHeader& h) {
  NiftiGeometry result;
  const Size3 size = spatialSize(h);
  const bool sformUsable = h.sformCode > 0 && sformIsOrthogonal(h);
  if (sformUsable) {
    result.geometry = geometryFromRasAffine(h.srow, size);
    result.source = "sform";
    if (h.qformCode > 0) {
      const ImageGeometry q = geometryFromRasAffine(qformAffine(h), size);
      if (!q.sameGrid(result.geometry, 1e-3))
        result.warnings.push_back("the qform and sform disagree; used the sform (as FSL and nibabel do)");
    }
  } else if (h.qformCode > 0) {
    result.geometry = geometryFromRasAffine(qformAffine(h), size);
    result.source = "qform";
    if (h.sformCode > 0) result.warnings.push_back("the sform has shear and was ignored; used the qform");
  } else if (h.sformCode > 0) {
    // Sheared sform and no qform: keep its axis lengths and directions; validate() refuses it when the axes are
    // too far from orthogonal to be a grid.
    result.geometry = geometryFromRasAffine(h.srow, size);
    result.source = "sform";
    result.warnings.push_back("the sform has shear, which a voxel grid cannot represent; its axes were kept");
  } else {
    for (int a = 0; a < 3; ++a)
      result.geometry.spacingMm[a] = h.pixdim[a + 1] > 0 ? h.pixdim[a + 1] : 1.0;
    result.geometry.size = size;
    result.source = "none";
    result.warnings.push_back("the header holds no orientation (qform_code and sform_code are 0): assumed LPS "
                              "axes from the origin, as ITK does; left and right may be swapped");
  }
  return result;
}

ImageInfo info(const fs::path& file, const NiftiHeader& h) {
  ImageInfo info;
  info.path = file.string();
  info.format = h.analyze ? "Analyze 7.5" : h.version == 2 ? "NIfTI-2" : "NIfTI";
  NiftiGeometry g = geometryOf(h);
  info.geometry = g.geometry;
  info.warnings = std::move(g.warnings);
  // Scaled integers are no longer integers: report float so that "keep the type" writers stay lossless.
  const PixelType stored = h.storedType();
  info.storedPixelType = h.rescales() && stored != PixelType::Float64 ? PixelType::Float32 : stored;
  info.timepoints = frameCount(h, info.path);
  info.description = h.descrip;
  info.metadata["qform_code"] = std::to_string(h.qformCode);
  info.metadata["sform_code"] = std::to_string(h.sformCode);
  info.metadata["orientation_source"] = g.source;
  info.metadata["datatype"] = toString(stored);
  if (h.rescales()) {
    info.metadata["scl_slope"] = std::to_string(h.sclSlope);
    info.metadata["scl_inter"] = std::to_string(h.sclInter);
  }
  if (!h.intentName.empty()) info.metadata["intent_name"] = h.intentName;
  try {
    info.geometry.validate();
  } catch (const Error& e) {
    throw Error(e.kind(), info.path + ": " + e.userMessage(), e.detail());
  }
  return info;
}

LoadedImage read(const fs::path& file, const NiftiHeader& h, const ReadOptions& options, ProgressScope* progress) {
  LoadedImage loaded;
  loaded.info = info(file, h);
  const std::string& path = loaded.info.path;
  const std::size_t frame = limits::chooseFrame(loaded.info.timepoints, options, path);
  const Size3 size = loaded.info.geometry.size;
  const std::uint64_t voxels = limits::checkedProduct({size[0], size[1], size[2]}, path);
  const PixelType stored = h.storedType();
  const std::size_t bpv = limits::bytesOf(stored);
  limits::checkAllocation(voxels, voxels * bpv, sizeText(h), path);

  const FilePair pair = filePairOf(file);
  GzHandle f = openGz(h.twoFile ? pair.data : pair.header);
  if (!f) throw Error(ErrorKind::Io, path + ": cannot open the image data");
  const std::uint64_t start = static_cast<std::uint64_t>(h.voxOffset) + frame * voxels * bpv;
  const std::string truncated = path + ": the file is truncated or corrupt (voxel data missing)";
  // Deflate packs at most 1032 bytes into one: a gzip file too short to hold the frame even so is truncated, and
  // is refused before the volume it claims is allocated (a 55-byte file could claim gigabytes).
  if (h.gzipped) {
    constexpr std::uint64_t kMaxDeflateRatio = 1032;
    std::error_code ec;
    const std::uint64_t compressed = fs::file_size(h.twoFile ? pair.data : pair.header, ec);
    const std::uint64_t frameBytes = voxels * bpv;
    const std::uint64_t end = frameBytes > UINT64_MAX - start ? UINT64_MAX : start + frameBytes;
    if (!ec && compressed < end / kMaxDeflateRatio)
      throw Error(ErrorKind::InvalidInput, truncated,
                  "the voxels end at byte " + std::to_string(end) + " of the decompressed data; " +
                    std::to_string(compressed) + " compressed bytes hold at most " +
                    std::to_string(compressed * kMaxDeflateRatio));
  }
  if (gzseek(f.get(), static_cast<z_off_t>(start), SEEK_SET) < 0) throw Error(ErrorKind::InvalidInput, truncated);

  // Read in chunks: progress, cancellation, and a short read (truncated gzip) caught at the chunk it happens.
  std::vector<float> values(voxels);
  std::vector<unsigned char> raw;
  constexpr std::size_t chunkVoxels = std::size_t(1) << 20;
  for (std::size_t first = 0; first < voxels; first += chunkVoxels) {
    const std::size_t count = std::min<std::size_t>(chunkVoxels, voxels - first);
    raw.resize(count * bpv);
    if (readGz(f.get(), raw.data(), raw.size()) != static_cast<long long>(raw.size()))
      throw Error(ErrorKind::InvalidInput, truncated,
                  "short read at voxel " + std::to_string(first) + " of frame " + std::to_string(frame));
    if (h.byteSwapped && bpv > 1)
      for (std::size_t n = 0; n < count; ++n)
        std::reverse(&raw[n * bpv], &raw[n * bpv] + bpv);
    limits::convertToFloat(stored, raw.data(), count, values.data() + first);
    if (progress) progress->update(double(first + count) / double(voxels));
  }
  if (h.gzipped) {
    // gzip's CRC sits at the end of the stream: read to it, or bit flips in the data would load as wrong voxels.
    std::vector<unsigned char> rest(std::size_t(1) << 20);
    for (long long n = 1; n > 0;)
      if ((n = readGz(f.get(), rest.data(), rest.size())) < 0) {
        int code = 0;
        const char* why = gzerror(f.get(), &code);
        throw Error(ErrorKind::InvalidInput, path + ": the file is corrupt (the gzip data check failed)",
                    why ? why : "");
      }
  }
  if (h.rescales())
    for (auto& v : values)
      v = static_cast<float>(v * h.sclSlope + h.sclInter);
  loaded.image = ImageF(loaded.info.geometry, std::move(values));
  if (loaded.info.timepoints > 1)
    loaded.info.warnings.push_back("loaded frame " + std::to_string(frame) + " of " +
                                   std::to_string(loaded.info.timepoints));
  return loaded;
}

} // namespace strega::io::nifti
