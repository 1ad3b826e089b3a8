// NIfTI against things no one here wrote: Colin27 (SPM) and files written and read by nibabel.
#include "ImageReaderTestSupport.h"

#include "strega/io/ImageReader.h"
#include "strega/io/ImageWriter.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

using namespace strega;
using namespace strega::io;
using namespace strega::testing;

namespace {

// Parses "a b c ..." printed by python into doubles.
std::vector<double> numbers(const std::string& text) {
  std::istringstream in(text);
  std::vector<double> v;
  double x;
  while (in >> x)
    v.push_back(x);
  return v;
}

void expectSameGeometry(const ImageGeometry& a, const ImageGeometry& b) {
  EXPECT_EQ(a.size, b.size);
  EXPECT_EQ(a.spacingMm, b.spacingMm);
  EXPECT_EQ(a.originMm, b.originMm);
  EXPECT_EQ(a.direction, b.direction);
}

} // namespace

TEST(NiftiRoundTrip, ReadImage_Colin27_GeometryInLps) {
  if (!fs::exists(kColin27)) GTEST_SKIP() << "mricron-data not installed";
  const LoadedImage loaded = readImage(kColin27);
  const ImageGeometry& g = loaded.image.geometry();
  EXPECT_EQ(g.size, (Size3{181, 217, 181}));
  EXPECT_EQ(g.spacingMm, (Vec3{1, 1, 1}));
  // The sform is RAS diag(1,1,1) with offset (-90,-125,-71); in LPS x and y change sign.
  EXPECT_EQ(g.originMm, (Vec3{90, 125, -71}));
  EXPECT_EQ(g.direction, (Mat3{-1, 0, 0, 0, -1, 0, 0, 0, 1}));
  EXPECT_EQ(g.orientationCode(), "RAS");
  EXPECT_EQ(loaded.info.storedPixelType, PixelType::UInt8);
  EXPECT_EQ(loaded.info.description, "spm - algebra");
  EXPECT_TRUE(loaded.info.warnings.empty());
  // MNI (0,0,0) is voxel (90,125,71) here (ITK-SNAP, FSL and nibabel agree).
  const Vec3 index = g.physicalToIndex({0, 0, 0});
  EXPECT_NEAR(index[0], 90, 1e-9);
  EXPECT_NEAR(index[1], 125, 1e-9);
  EXPECT_NEAR(index[2], 71, 1e-9);
}

TEST(NiftiRoundTrip, ReadImage_Colin27_VoxelsMatchNibabel) {
  if (!fs::exists(kColin27)) GTEST_SKIP() << "mricron-data not installed";
  ScratchDir dir;
  const auto out = runPython("import nibabel as nib, numpy as np\n"
                             "d = np.asanyarray(nib.load('" +
                               kColin27.string() +
                               "').dataobj).astype(np.float64)\n"
                               "print(d.sum(), d[90,108,90], d[10,20,30], d[180,216,180], d[120,60,150])\n",
                             dir.path());
  if (!out) GTEST_SKIP() << "python3 with nibabel not available";
  const auto expected = numbers(*out);
  ASSERT_EQ(expected.size(), 5u);
  const LoadedImage loaded = readImage(kColin27);
  double sum = 0;
  for (const float v : loaded.image.voxels())
    sum += v;
  EXPECT_EQ(sum, expected[0]);
  EXPECT_EQ(loaded.image.at(90, 108, 90), expected[1]);
  EXPECT_EQ(loaded.image.at(10, 20, 30), expected[2]);
  EXPECT_EQ(loaded.image.at(180, 216, 180), expected[3]);
  EXPECT_EQ(loaded.image.at(120, 60, 150), expected[4]);
}

TEST(NiftiRoundTrip, WriteImage_Colin27Uint8_IdenticalVoxelsGeometryAndSform) {
  if (!fs::exists(kColin27)) GTEST_SKIP() << "mricron-data not installed";
  ScratchDir dir;
  const LoadedImage original = readImage(kColin27);
  const auto written = dir / "ch2_copy.nii.gz";
  writeImage(original.image, written, PixelType::UInt8);
  const LoadedImage again = readImage(written);
  expectSameGeometry(again.image.geometry(), original.image.geometry());
  EXPECT_EQ(again.info.storedPixelType, PixelType::UInt8);
  ASSERT_EQ(again.image.voxelCount(), original.image.voxelCount());
  EXPECT_TRUE(std::equal(original.image.voxels().begin(), original.image.voxels().end(), again.image.voxels().begin()));

  // Independent check of what was written: nibabel's sform equals the original's, the qform is set and agrees.
  const auto out =
    runPython("import nibabel as nib, numpy as np\n"
              "a = nib.load('" +
                kColin27.string() +
                "')\n"
                "b = nib.load('" +
                written.string() +
                "')\n"
                "print(int(np.array_equal(a.get_sform(), b.get_sform())), int(b.header['sform_code']),\n"
                "      int(b.header['qform_code']), float(np.abs(b.get_qform() - a.get_sform()).max()),\n"
                "      int(np.array_equal(np.asanyarray(a.dataobj), np.asanyarray(b.dataobj))),\n"
                "      int(b.get_data_dtype() == np.uint8))\n",
              dir.path());
  if (!out) GTEST_SKIP() << "python3 with nibabel not available";
  const auto v = numbers(*out);
  ASSERT_EQ(v.size(), 6u);
  EXPECT_EQ(v[0], 1) << "sform differs";
  EXPECT_GT(v[1], 0) << "sform_code not set";
  EXPECT_GT(v[2], 0) << "qform_code not set";
  EXPECT_LT(v[3], 1e-5) << "qform does not match the sform";
  EXPECT_EQ(v[4], 1) << "voxels differ";
  EXPECT_EQ(v[5], 1) << "not stored as uint8";
}

TEST(NiftiRoundTrip, ReadImage_NibabelAffineDiag_ExactLpsGeometryAndPoints) {
  ScratchDir dir;
  const auto file = dir / "diag.nii.gz";
  const auto out = runPython("import nibabel as nib, numpy as np\n"
                             "A = np.array([[-2,0,0,10],[0,3,0,-20],[0,0,4,30],[0,0,0,1]], float)\n"
                             "d = np.arange(4*5*6, dtype=np.float32).reshape((4,5,6), order='F')\n"
                             "nib.save(nib.Nifti1Image(d, A), '" +
                               file.string() +
                               "')\n"
                               "print(*(A @ [1,2,3,1])[:3], d[1,2,3])\n",
                             dir.path());
  if (!out) GTEST_SKIP() << "python3 with nibabel not available";
  const auto ras = numbers(*out);
  ASSERT_EQ(ras.size(), 4u);
  const LoadedImage loaded = readImage(file);
  const ImageGeometry& g = loaded.image.geometry();
  EXPECT_EQ(g.size, (Size3{4, 5, 6}));
  EXPECT_EQ(g.spacingMm, (Vec3{2, 3, 4}));
  EXPECT_EQ(g.originMm, (Vec3{-10, 20, 30}));
  EXPECT_EQ(g.direction, (Mat3{1, 0, 0, 0, -1, 0, 0, 0, 1}));
  EXPECT_EQ(g.indexToPhysical({1, 2, 3}), (Vec3{-ras[0], -ras[1], ras[2]}));
  EXPECT_EQ(loaded.image.at(1, 2, 3), ras[3]);
  EXPECT_EQ(loaded.image.at(1, 2, 3), 1 + 4 * 2 + 20 * 3);
  EXPECT_TRUE(loaded.info.warnings.empty());
}

TEST(NiftiRoundTrip, ReadImage_NibabelObliqueAffine_PhysicalPointsMatch) {
  ScratchDir dir;
  const auto file = dir / "oblique.nii";
  // Rotation of 30 degrees about an oblique axis, anisotropic 0.9 x 1.1 x 2.5 mm voxels.
  const auto out = runPython("import nibabel as nib, numpy as np\n"
                             "ax = np.array([1., 2., 3.]); ax /= np.linalg.norm(ax); t = np.radians(30)\n"
                             "K = np.array([[0,-ax[2],ax[1]],[ax[2],0,-ax[0]],[-ax[1],ax[0],0]])\n"
                             "R = np.eye(3) + np.sin(t)*K + (1-np.cos(t))*K@K\n"
                             "A = np.eye(4); A[:3,:3] = R @ np.diag([0.9, 1.1, 2.5]); A[:3,3] = [-80.5, 33.25, 12.0]\n"
                             "d = np.arange(6*7*8, dtype=np.int16).reshape((6,7,8), order='F')\n"
                             "nib.save(nib.Nifti1Image(d, A), '" +
                               file.string() +
                               "')\n"
                               "for ijk in [(0,0,0),(5,0,0),(0,6,0),(0,0,7),(3,4,5)]:\n"
                               "    print(*ijk, *(A @ [*ijk, 1])[:3], d[ijk])\n",
                             dir.path());
  if (!out) GTEST_SKIP() << "python3 with nibabel not available";
  const auto v = numbers(*out);
  ASSERT_EQ(v.size(), 35u);
  const LoadedImage loaded = readImage(file);
  const ImageGeometry& g = loaded.image.geometry();
  for (std::size_t row = 0; row < 5; ++row) {
    const double* r = &v[row * 7];
    const Vec3 p = g.indexToPhysical({r[0], r[1], r[2]});
    // nibabel's affine is float32 in the file: 1e-4 mm is far below any voxel.
    EXPECT_NEAR(p[0], -r[3], 1e-4) << row;
    EXPECT_NEAR(p[1], -r[4], 1e-4) << row;
    EXPECT_NEAR(p[2], r[5], 1e-4) << row;
    EXPECT_EQ(loaded.image.at(std::size_t(r[0]), std::size_t(r[1]), std::size_t(r[2])), r[6]);
  }
  EXPECT_NEAR(g.spacingMm[0], 0.9, 1e-6);
  EXPECT_NEAR(g.spacingMm[2], 2.5, 1e-6);
}

TEST(NiftiRoundTrip, WriteImage_ObliqueGeometry_NibabelSeesSameAffine) {
  ScratchDir dir;
  ImageGeometry g;
  g.size = {3, 4, 5};
  g.spacingMm = {0.5, 1.25, 3.0};
  g.originMm = {12.5, -30.25, 7.0};
  const double c = std::cos(0.3), s = std::sin(0.3);
  g.direction = {c, -s, 0, s, c, 0, 0, 0, 1};
  ImageF image(g, 1.0f);
  const auto file = dir / "oblique_out.nii";
  writeImage(image, file, PixelType::Float32);
  const auto out = runPython("import nibabel as nib, numpy as np\n"
                             "print(*nib.load('" +
                               file.string() + "').affine[:3].ravel())\n",
                             dir.path());
  if (!out) GTEST_SKIP() << "python3 with nibabel not available";
  const auto a = numbers(*out);
  ASSERT_EQ(a.size(), 12u);
  const Mat3 m = g.indexToPhysicalMatrix();
  for (int r = 0; r < 3; ++r) {
    const double flip = r < 2 ? -1.0 : 1.0; // LPS -> RAS
    for (int col = 0; col < 3; ++col)
      EXPECT_NEAR(a[r * 4 + col], flip * m[r * 3 + col], 1e-6) << r << "," << col;
    EXPECT_NEAR(a[r * 4 + 3], flip * g.originMm[r], 1e-5) << r;
  }
  // And our own reader gets back what was written, to float32 precision of the header.
  const ImageGeometry back = readImage(file).image.geometry();
  EXPECT_TRUE(back.sameGrid(g, 1e-5));
}

TEST(NiftiRoundTrip, ReadImage_NibabelSlopeIntercept_ValuesRestored) {
  ScratchDir dir;
  const auto file = dir / "scaled.nii.gz";
  const auto out = runPython("import nibabel as nib, numpy as np\n"
                             "img = nib.Nifti1Image(np.zeros((2,2,2), np.int16), np.eye(4))\n"
                             "raw = np.arange(8, dtype=np.int16).reshape((2,2,2), order='F') - 3\n"
                             "img = nib.Nifti1Image(raw, np.eye(4))\n"
                             "img.header.set_slope_inter(2.0, 10.0)\n"
                             "nib.save(img, '" +
                               file.string() +
                               "')\n"
                               "print(*np.asanyarray(nib.load('" +
                               file.string() + "').dataobj).ravel(order='F'))\n",
                             dir.path());
  if (!out) GTEST_SKIP() << "python3 with nibabel not available";
  const auto expected = numbers(*out);
  ASSERT_EQ(expected.size(), 8u);
  const LoadedImage loaded = readImage(file);
  for (std::size_t n = 0; n < 8; ++n) {
    EXPECT_EQ(loaded.image[n], expected[n]) << n;
    EXPECT_EQ(loaded.image[n], (double(n) - 3) * 2 + 10) << n;
  }
}

TEST(NiftiRoundTrip, ReadImage_NibabelNifti2_SameAsNifti1) {
  ScratchDir dir;
  const auto out = runPython("import nibabel as nib, numpy as np\n"
                             "A = np.array([[-2,0,0,10],[0,3,0,-20],[0,0,4,30],[0,0,0,1]], float)\n"
                             "d = np.arange(4*5*6, dtype=np.float64).reshape((4,5,6), order='F') * 0.5\n"
                             "img = nib.Nifti2Image(d, A); img.header['descrip'] = b'nifti two'\n"
                             "nib.save(img, '" +
                               (dir / "two.nii.gz").string() +
                               "')\n"
                               "nib.save(nib.Nifti1Image(d, A), '" +
                               (dir / "one.nii.gz").string() +
                               "')\n"
                               "print('ok')\n",
                             dir.path());
  if (!out) GTEST_SKIP() << "python3 with nibabel not available";
  const LoadedImage two = readImage(dir / "two.nii.gz");
  const LoadedImage one = readImage(dir / "one.nii.gz");
  EXPECT_EQ(two.info.format, "NIfTI-2");
  EXPECT_EQ(two.info.description, "nifti two");
  EXPECT_EQ(two.info.storedPixelType, PixelType::Float64);
  expectSameGeometry(two.image.geometry(), one.image.geometry());
  EXPECT_EQ(two.image.at(3, 4, 5), (3 + 4 * 4 + 20 * 5) * 0.5);
  EXPECT_TRUE(std::equal(one.image.voxels().begin(), one.image.voxels().end(), two.image.voxels().begin()));
}

TEST(NiftiRoundTrip, ReadImage_TruncatedColin27_RefusedTruncated) {
  if (!fs::exists(kColin27)) GTEST_SKIP() << "mricron-data not installed";
  ScratchDir dir;
  const auto size = fs::file_size(kColin27);
  for (const std::uintmax_t keep : {std::uintmax_t(200), std::uintmax_t(100000), size / 2, size - 100}) {
    SCOPED_TRACE(keep);
    const auto cut = dir / ("ch2_cut_" + std::to_string(keep) + ".nii.gz");
    {
      std::ifstream in(kColin27, std::ios::binary);
      std::vector<char> bytes(keep);
      in.read(bytes.data(), static_cast<std::streamsize>(keep));
      std::ofstream(cut, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(keep));
    }
    expectError([&] { readImage(cut); }, ErrorKind::InvalidInput, "truncated");
  }
}

TEST(NiftiRoundTrip, ReadImage_UncompressedTruncatedColin27_RefusedBeforeReading) {
  if (!fs::exists(kColin27)) GTEST_SKIP() << "mricron-data not installed";
  ScratchDir dir;
  const LoadedImage original = readImage(kColin27);
  writeImage(original.image, dir / "ch2.nii", PixelType::UInt8);
  fs::resize_file(dir / "ch2.nii", fs::file_size(dir / "ch2.nii") - 1);
  expectError([&] { scan(dir / "ch2.nii"); }, ErrorKind::InvalidInput, "truncated");
}
