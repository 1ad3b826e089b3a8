#include "DicomReader.h"

#include <gtest/gtest.h>

TEST(DicomReader, LooksLikeDicomFile_MissingFile_False) {
  EXPECT_FALSE(strega::io::dicom::looksLikeDicomFile("/nonexistent/file.dcm"));
}
