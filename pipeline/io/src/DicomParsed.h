#pragma once
// Internal to strega::io: a DICOM file as DCMTK parsed it while reading its header, kept so that its pixel data can
// be decoded without parsing the file again (values larger than the header limit are read lazily from the file).

#include <dcmtk/config/osconfig.h>

#include <dcmtk/dcmdata/dcfilefo.h>

namespace strega::io::dicom {

struct ParsedDicom {
  DcmFileFormat fileFormat;
};

} // namespace strega::io::dicom
