// Decoding DICOM pixel data with DCMTK into float frames (DicomPixels.h).
#include "DicomPixels.h"

#include "DicomParsed.h"

#include "strega/core/Error.h"

#include <dcmtk/config/osconfig.h>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <cstdint>
#include <memory>

namespace strega::io::dicom {
namespace {

/// Maps raw sample words to output values: bit extraction, sign, MONOCHROME1 inversion, rescale.
struct SampleMapper {
  unsigned shift = 0;
  std::uint32_t mask = 0xffffffffu;
  std::uint32_t signBit = 0; ///< 0 for unsigned data
  bool invert = false;
  std::int64_t invertSum = 0; ///< min + max of the stored range

  SampleMapper(const DicomFileHeader& h) {
    shift = h.highBit + 1 - h.bitsStored;
    mask = h.bitsStored >= 32 ? 0xffffffffu : ((1u << h.bitsStored) - 1u);
    signBit = h.pixelRepresentation == 1 ? (1u << (h.bitsStored - 1)) : 0u;
    invert = h.photometric == "MONOCHROME1";
    // Unsigned [0, 2^n - 1] sums to 2^n - 1; signed [-2^(n-1), 2^(n-1) - 1] sums to -1.
    invertSum = signBit != 0 ? -1 : static_cast<std::int64_t>(mask);
  }

  /// All 16 bits of a 16-bit word are the value, and nothing is inverted.
  bool plain16() const { return shift == 0 && mask == 0xffffu && !invert; }

  std::int64_t stored(std::uint32_t raw) const {
    const std::uint32_t bits = (raw >> shift) & mask;
    std::int64_t value = bits;
    if (signBit != 0 && (bits & signBit) != 0) value -= static_cast<std::int64_t>(mask) + 1;
    return invert ? invertSum - value : value;
  }
};

template <class Fetch>
void mapFrame(const SampleMapper& mapper, Fetch fetch, std::size_t first, std::size_t count, double slope,
              double intercept, float* out) {
  if (slope == 1.0 && intercept == 0.0) {
    for (std::size_t n = 0; n < count; ++n)
      out[n] = static_cast<float>(mapper.stored(fetch(first + n)));
  } else {
    for (std::size_t n = 0; n < count; ++n)
      out[n] = static_cast<float>(static_cast<double>(mapper.stored(fetch(first + n))) * slope + intercept);
  }
}

} // namespace

void decodeFrames(const DicomFileHeader& header, const std::vector<std::size_t>& frames,
                  const std::vector<float*>& destinations) {
  ensureDcmtkInitialized();
  const std::string name = header.path.filename().string();
  if (!header.hasPixelData)
    throw Error(ErrorKind::Unsupported, name + ": " + describeNonImage(header), header.path.string());
  if (!header.problem.empty()) {
    throw Error(header.truncated ? ErrorKind::InvalidInput : ErrorKind::Unsupported, name + ": " + header.problem,
                header.path.string());
  }
  std::shared_ptr<ParsedDicom> parsed = header.parsed;
  OFCondition status = EC_Normal;
  if (!parsed) {
    parsed = std::make_shared<ParsedDicom>();
    status = parsed->fileFormat.loadFile(OFFilename(header.path.c_str()), EXS_Unknown, EGL_noChange, DCM_MaxReadLength,
                                         ERM_autoDetect);
  }
  DcmDataset* dataset = parsed->fileFormat.getDataset();
  if (status.bad() || dataset == nullptr) {
    throw Error(ErrorKind::InvalidInput, name + " cannot be read (truncated or corrupt)",
                header.path.string() + ": " + status.text());
  }
  const DcmXfer original(dataset->getOriginalXfer());
  if (original.isEncapsulated()) {
    status = dataset->chooseRepresentation(EXS_LittleEndianExplicit, nullptr);
    if (status.bad() || !dataset->canWriteXfer(EXS_LittleEndianExplicit)) {
      throw Error(ErrorKind::InvalidInput,
                  name + ": the compressed pixel data (" + original.getXferName() + ") cannot be decoded",
                  header.path.string() + ": " + status.text());
    }
  }
  DcmElement* element = nullptr;
  if (dataset->findAndGetElement(DCM_PixelData, element).bad() || element == nullptr)
    throw Error(ErrorKind::InvalidInput, name + ": the pixel data is missing", header.path.string());

  const std::size_t frameSamples = std::size_t(header.rows) * header.columns;
  const std::size_t bytesPerSample = header.bitsAllocated / 8;
  const SampleMapper mapper(header);
  const Uint8* bytes = nullptr;
  const Uint16* words = nullptr;
  if (bytesPerSample == 1) {
    Uint8* data = nullptr;
    status = element->getUint8Array(data);
    bytes = data;
  } else {
    Uint16* data = nullptr;
    status = element->getUint16Array(data);
    words = data;
  }
  const std::size_t lengthBytes = element->getLength();
  if (status.bad() || (bytes == nullptr && words == nullptr)) {
    throw Error(ErrorKind::InvalidInput, name + ": the pixel data cannot be read (truncated or corrupt)",
                header.path.string() + ": " + status.text());
  }
  // DCMTK holds OW values as 16-bit words in host order. 32-bit samples of a big-endian file keep their high word
  // first; decoded and little-endian data have the low word first.
  const bool highWordFirst = original.getByteOrder() == EBO_BigEndian && original.isNotEncapsulated();

  for (std::size_t n = 0; n < frames.size(); ++n) {
    const std::size_t frame = frames[n];
    if (frame >= header.frames.size())
      throw Error(ErrorKind::Internal, "frame index out of range", header.path.string());
    if ((frame + 1) * frameSamples * bytesPerSample > lengthBytes) {
      throw Error(ErrorKind::InvalidInput,
                  name + ": the file is truncated: its pixel data has " + std::to_string(lengthBytes) + " of " +
                    std::to_string(header.frames.size() * frameSamples * bytesPerSample) + " bytes",
                  header.path.string());
    }
    const FrameGeometry& g = header.frames[frame];
    const std::size_t first = frame * frameSamples;
    float* out = destinations[n];
    switch (bytesPerSample) {
    case 1:
      mapFrame(
        mapper, [&](std::size_t i) { return std::uint32_t(bytes[i]); }, first, frameSamples, g.rescaleSlope,
        g.rescaleIntercept, out);
      break;
    case 2:
      if (mapper.plain16()) { // the common case: all 16 bits stored, no inversion
        const double slope = g.rescaleSlope;
        const double intercept = g.rescaleIntercept;
        if (mapper.signBit != 0) {
          for (std::size_t i = 0; i < frameSamples; ++i)
            out[i] = static_cast<float>(static_cast<std::int16_t>(words[first + i]) * slope + intercept);
        } else {
          for (std::size_t i = 0; i < frameSamples; ++i)
            out[i] = static_cast<float>(words[first + i] * slope + intercept);
        }
        break;
      }
      mapFrame(
        mapper, [&](std::size_t i) { return std::uint32_t(words[i]); }, first, frameSamples, g.rescaleSlope,
        g.rescaleIntercept, out);
      break;
    default:
      if (highWordFirst) {
        mapFrame(
          mapper, [&](std::size_t i) { return (std::uint32_t(words[2 * i]) << 16) | words[2 * i + 1]; }, first,
          frameSamples, g.rescaleSlope, g.rescaleIntercept, out);
      } else {
        mapFrame(
          mapper, [&](std::size_t i) { return std::uint32_t(words[2 * i]) | (std::uint32_t(words[2 * i + 1]) << 16); },
          first, frameSamples, g.rescaleSlope, g.rescaleIntercept, out);
      }
      break;
    }
  }
}

} // namespace strega::io::dicom
