#pragma once
// Helpers for the NIfTI/NRRD/MetaImage reader and writer tests: scratch folders, hand-written NIfTI-1 files
// (exact control over every header field, including broken ones), gzip, and running Debian's python3 with
// nibabel as an independent reference.

#include "strega/core/Error.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace strega::testing {

namespace fs = std::filesystem;

inline const fs::path kColin27 = "/usr/share/mricron/templates/ch2.nii.gz";

/// A fresh folder under the test temp dir, removed (with permissions restored) at destruction.
class ScratchDir {
public:
  ScratchDir() {
    std::random_device rd;
    m_path = fs::path(::testing::TempDir()) / ("strega-io-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(m_path);
  }
  ~ScratchDir() {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(m_path, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
      fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(m_path, ec);
  }
  const fs::path& path() const { return m_path; }
  fs::path operator/(const std::string& name) const { return m_path / name; }

private:
  fs::path m_path;
};

/// Every field of a NIfTI-1 single-file header that the tests vary. Defaults: 2x3x4 uint8, 1 mm, both forms
/// unset (method 1).
struct Nifti1Spec {
  std::array<std::int16_t, 8> dim{3, 2, 3, 4, 1, 1, 1, 1};
  std::int16_t datatype = 2; // uint8
  std::int16_t bitpix = 8;
  std::array<float, 8> pixdim{1, 1, 1, 1, 1, 1, 1, 1};
  float voxOffset = 352;
  float sclSlope = 0, sclInter = 0;
  std::string descrip;
  std::int16_t qformCode = 0, sformCode = 0;
  std::array<float, 3> quatern{0, 0, 0};
  std::array<float, 3> qoffset{0, 0, 0};
  std::array<std::array<float, 4>, 3> srow{};
  std::string magic = "n+1";
};

/// Writes a NIfTI-1 file: header, 4 bytes of extension flag, then `data` as given (no check that it matches).
inline void writeNifti1(const fs::path& file, const Nifti1Spec& s, const std::vector<unsigned char>& data) {
  unsigned char h[352] = {};
  auto put = [&](std::size_t offset, const void* v, std::size_t n) { std::memcpy(h + offset, v, n); };
  const std::int32_t sizeofHdr = 348;
  put(0, &sizeofHdr, 4);
  put(40, s.dim.data(), 16);
  put(70, &s.datatype, 2);
  put(72, &s.bitpix, 2);
  put(76, s.pixdim.data(), 32);
  put(108, &s.voxOffset, 4);
  put(112, &s.sclSlope, 4);
  put(116, &s.sclInter, 4);
  const char units = 2 | 8; // mm, s
  put(123, &units, 1);
  put(148, s.descrip.data(), std::min<std::size_t>(s.descrip.size(), 79));
  put(252, &s.qformCode, 2);
  put(254, &s.sformCode, 2);
  put(256, s.quatern.data(), 12);
  put(268, s.qoffset.data(), 12);
  for (int r = 0; r < 3; ++r)
    put(280 + 16 * r, s.srow[r].data(), 16);
  put(344, s.magic.data(), std::min<std::size_t>(s.magic.size(), 3));
  std::ofstream out(file, std::ios::binary);
  out.write(reinterpret_cast<const char*>(h), sizeof h);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

/// Bytes of a vector of T (native byte order, as NIfTI written on this machine).
template <class T> std::vector<unsigned char> bytesOf(const std::vector<T>& values) {
  std::vector<unsigned char> bytes(values.size() * sizeof(T));
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

/// gzip `src` into `dst` with the gzip program.
inline void gzipFile(const fs::path& src, const fs::path& dst) {
  const std::string cmd = "gzip -c '" + src.string() + "' > '" + dst.string() + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

/// Debian's python3 (which has nibabel), or "python3" from PATH.
inline std::string pythonProgram() { return fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3"; }

/// Runs `script` with python3; returns its stdout, or nullopt when python3 or nibabel is missing.
inline std::optional<std::string> runPython(const std::string& script, const fs::path& scratch) {
  const fs::path scriptFile = scratch / "script.py";
  {
    std::ofstream out(scriptFile);
    out << script;
  }
  const std::string probe = pythonProgram() + " -c 'import nibabel, numpy' >/dev/null 2>&1";
  if (std::system(probe.c_str()) != 0) return std::nullopt;
  const std::string cmd = pythonProgram() + " '" + scriptFile.string() + "'";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) return std::nullopt;
  std::string output;
  char buffer[4096];
  while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe))
    output.append(buffer, n);
  if (::pclose(pipe) != 0) {
    ADD_FAILURE() << "python failed:\n" << script << "\noutput:\n" << output;
    return std::nullopt;
  }
  return output;
}

/// True when one of `warnings` contains `fragment`.
inline bool hasWarning(const std::vector<std::string>& warnings, const std::string& fragment) {
  for (const auto& w : warnings)
    if (w.find(fragment) != std::string::npos) return true;
  return false;
}

/// Runs `body`, expecting a strega::Error of `kind` whose message contains `fragment`; returns the message.
inline std::string expectError(const std::function<void()>& body, ErrorKind kind, const std::string& fragment) {
  try {
    body();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << "message: " << e.userMessage() << "\ndetail: " << e.detail();
    EXPECT_NE(e.userMessage().find(fragment), std::string::npos)
      << "message \"" << e.userMessage() << "\" lacks \"" << fragment << "\"";
    EXPECT_EQ(e.userMessage().find('\n'), std::string::npos) << "a user message is one line";
    return e.userMessage();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected strega::Error, got " << e.what();
    return {};
  }
  ADD_FAILURE() << "expected strega::Error(" << toString(kind) << ") containing \"" << fragment << "\"";
  return {};
}

} // namespace strega::testing
