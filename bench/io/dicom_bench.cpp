// dicom_bench: how long loading a 181-slice DICOM series takes, next to references measured in the same run.
//
// Usage: dicom_bench [SERIES_FOLDER] [--runs N]
// Without a folder it writes Colin27 (/usr/share/mricron/templates/ch2.nii.gz, 181x217x181) as an axial MR series
// of 181 files with tests/io/tools/make_dicom_series.py (needs python3 with pydicom and nibabel) into a temporary
// folder. Prints the median of N runs (default 7) for: reading every file's bytes (the I/O floor), the header scan
// (dicom::scanFolder) and the full load (dicom::read: scan, decode, assemble), and dcm2niix's conversion of the
// same folder when dcm2niix is installed, with ratios to the I/O floor and to dcm2niix.
#include "DicomReader.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include <unistd.h>

namespace fs = std::filesystem;

namespace {

double medianSeconds(int runs, const std::function<void()>& work) {
  std::vector<double> times;
  for (int r = 0; r < runs; ++r) {
    const auto start = std::chrono::steady_clock::now();
    work();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

std::string python() {
  for (const char* candidate : {"/usr/bin/python3", "python3"}) {
    if (std::system((std::string(candidate) + " -c 'import pydicom, nibabel' > /dev/null 2>&1").c_str()) == 0)
      return candidate;
  }
  return {};
}

} // namespace

int main(int argc, char** argv) {
  fs::path folder;
  int runs = 7;
  for (int a = 1; a < argc; ++a) {
    const std::string arg = argv[a];
    if (arg == "--runs" && a + 1 < argc)
      runs = std::max(1, std::atoi(argv[++a]));
    else
      folder = arg;
  }
  fs::path scratch;
  if (folder.empty()) {
    const std::string py = python();
    if (py.empty()) {
      std::cerr << "dicom_bench: no python3 with pydicom/nibabel to write the series; pass a series folder\n";
      return 2;
    }
    scratch = fs::temp_directory_path() / ("strega-dicom-bench-" + std::to_string(::getpid()));
    folder = scratch / "series";
    const std::string command = py + " '" + STREGA_SOURCE_DIR + "/tests/io/tools/make_dicom_series.py' " +
                                "/usr/share/mricron/templates/ch2.nii.gz '" + folder.string() + "' > /dev/null";
    if (std::system(command.c_str()) != 0) {
      std::cerr << "dicom_bench: writing the series failed\n";
      return 2;
    }
  }

  std::vector<fs::path> files;
  std::uintmax_t bytes = 0;
  for (const auto& entry : fs::recursive_directory_iterator(folder)) {
    if (entry.is_regular_file()) {
      files.push_back(entry.path());
      bytes += entry.file_size();
    }
  }
  std::vector<char> buffer(1 << 20);
  const double ioFloor = medianSeconds(runs, [&] {
    for (const fs::path& f : files) {
      std::ifstream in(f, std::ios::binary);
      while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
      }
    }
  });
  std::size_t series = 0;
  const double scan = medianSeconds(runs, [&] { series = strega::io::dicom::scanFolder(folder, nullptr).size(); });
  strega::Size3 size{};
  const double load = medianSeconds(runs, [&] { size = strega::io::dicom::read(folder, {}, nullptr).image.size(); });

  double dcm2niix = 0.0;
  if (std::system("command -v dcm2niix > /dev/null 2>&1") == 0) {
    const fs::path out = fs::temp_directory_path() / ("strega-dicom-bench-out-" + std::to_string(::getpid()));
    fs::create_directories(out);
    const std::string command =
      "dcm2niix -z n -f out -o '" + out.string() + "' '" + folder.string() + "' > /dev/null 2>&1";
    dcm2niix = medianSeconds(std::min(runs, 3), [&] { std::system(command.c_str()); });
    fs::remove_all(out);
  }

  std::printf("series: %s (%zu files, %.1f MiB, %zu series found)\n", folder.string().c_str(), files.size(),
              static_cast<double>(bytes) / (1 << 20), series);
  std::printf("volume: %zu x %zu x %zu\n", size[0], size[1], size[2]);
  std::printf("median of %d runs:\n", runs);
  std::printf("  read all file bytes (I/O floor)   %8.3f s\n", ioFloor);
  std::printf("  dicom::scanFolder (headers)        %8.3f s  (%.1fx I/O floor)\n", scan, scan / ioFloor);
  std::printf("  dicom::read (scan + decode + sort) %8.3f s  (%.1fx I/O floor)\n", load, load / ioFloor);
  if (dcm2niix > 0.0)
    std::printf("  dcm2niix -z n, same folder         %8.3f s  (StRegA load / dcm2niix = %.2f)\n", dcm2niix,
                load / dcm2niix);
  if (!scratch.empty()) fs::remove_all(scratch);
  return 0;
}
