#!/usr/bin/env python3
"""Build the bad-input corpus of CliBadInputSlowTest: real odd files and deliberate corruptions.

Usage: make_bad_inputs.py OUTPUT_DIR

Writes one entry per input directly under OUTPUT_DIR (a file, or a folder for DICOM series cases) and prints the
entry names, one per line. The expected outcome of every entry is listed in the test, not here, so that a change
in behaviour fails the test. Sources: pydicom's and nibabel's test files (Debian python3-pydicom and
python3-nibabel), Colin27 (mricron-data), and corruptions of them made here with fixed seeds.
"""
import gzip
import os
import shutil
import subprocess
import sys

import nibabel as nib
import numpy as np

PYDICOM = "/usr/lib/python3/dist-packages/pydicom/data/test_files"
NIBABEL = "/usr/lib/python3/dist-packages/nibabel/tests/data"
COLIN27 = "/usr/share/mricron/templates/ch2.nii.gz"
SERIES_TOOL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "io", "tools",
                           "make_dicom_series.py")

# Real files, copied unchanged: (entry name, source).
REAL_FILES = [
    ("dcm_mr_small.dcm", f"{PYDICOM}/MR_small.dcm"),                  # valid 64x64 single-slice MR
    ("dcm_mr_truncated.dcm", f"{PYDICOM}/MR_truncated.dcm"),          # pixel data cut short
    ("dcm_no_meta.dcm", f"{PYDICOM}/no_meta.dcm"),                    # no file meta header, no preamble
    ("dcm_big_endian.dcm", f"{PYDICOM}/MR_small_bigendian.dcm"),      # explicit VR big endian
    ("dcm_bad_vr.dcm", f"{PYDICOM}/badVR.dcm"),                       # an invalid value representation
    ("dcm_ct_small.dcm", f"{PYDICOM}/CT_small.dcm"),                  # CT, not MR
    ("dcm_jpeg2000.dcm", f"{PYDICOM}/MR_small_jp2klossless.dcm"),     # JPEG 2000: DCMTK has no decoder
    ("dcm_rle.dcm", f"{PYDICOM}/MR_small_RLE.dcm"),                   # RLE compressed
    ("dcm_waveform_ecg.dcm", f"{PYDICOM}/waveform_ecg.dcm"),          # no pixel data at all
    ("dcm_rtplan.dcm", f"{PYDICOM}/rtplan.dcm"),                      # RT plan, no pixel data
    ("dcm_rtplan_truncated.dcm", f"{PYDICOM}/rtplan_truncated.dcm"),  # and cut short
    ("dcm_rtdose_multiframe.dcm", f"{PYDICOM}/rtdose.dcm"),           # multi-frame dose grid
    ("dcm_rgb.dcm", f"{PYDICOM}/SC_rgb_small_odd.dcm"),               # colour, odd size
    ("dcm_structured_report.dcm", f"{PYDICOM}/test-SR.dcm"),          # SR document
    ("dcm_deflated.dcm", f"{PYDICOM}/image_dfl.dcm"),                 # deflated transfer syntax
    ("dcm_missing_tsyntax.dcm", f"{PYDICOM}/meta_missing_tsyntax.dcm"),
    ("dcm_gzipped.dcm.gz", f"{PYDICOM}/zipMR.gz"),                    # a gzipped DICOM file
    ("nii_example4d.nii.gz", f"{NIBABEL}/example4d.nii.gz"),          # 4D
    ("nii_nifti2.nii.gz", f"{NIBABEL}/example_nifti2.nii.gz"),        # NIfTI-2
    ("analyze.hdr", f"{NIBABEL}/analyze.hdr"),                        # ANALYZE 7.5 header without its .img
    ("minc1.mnc", f"{NIBABEL}/minc1_1_scale.mnc"),                    # MINC 1 (NetCDF)
    ("freesurfer.mgz", f"{NIBABEL}/test.mgz"),                        # FreeSurfer MGH
    ("ecat.v", f"{NIBABEL}/tinypet.v"),                               # ECAT 7
    ("cifti_dconn.nii", f"{NIBABEL}/row_major.dconn.nii"),            # CIFTI-2 (NIfTI-2 with 2D data)
    ("nii_anatomical_small.nii", f"{NIBABEL}/anatomical.nii"),        # a real, tiny, low-resolution head
]


def colin27():
    img = nib.load(COLIN27)
    return img, np.asarray(img.dataobj)


def save(data, affine, path, dtype=None, header=None):
    img = nib.Nifti1Image(data if dtype is None else data.astype(dtype), affine, header)
    nib.save(img, path)


def main(out):
    os.makedirs(out, exist_ok=True)
    names = []

    def add(name):
        names.append(name)
        return os.path.join(out, name)

    for name, source in REAL_FILES:
        shutil.copyfile(source, add(name))

    img, data = colin27()
    affine = img.affine
    raw = gzip.open(COLIN27).read()  # the uncompressed NIfTI bytes
    rng = np.random.default_rng(8)

    open(add("empty.nii"), "wb").close()
    with open(add("text_named.nii.gz"), "w") as f:
        f.write("this is not an image\n")
    with open(add("nii_truncated_data.nii"), "wb") as f:
        f.write(raw[: len(raw) // 2])
    with open(add("nii_gzip_truncated.nii.gz"), "wb") as f:
        f.write(open(COLIN27, "rb").read()[:200000])
    with open(add("nii_header_only.nii"), "wb") as f:
        f.write(raw[:348])
    # 40 bits of the header flipped at random (fixed seed): sizes, datatype, offsets and all.
    flipped = bytearray(raw)
    for pos in rng.choice(348, 40, replace=False):
        flipped[pos] ^= 1 << int(rng.integers(8))
    with open(add("nii_header_bitflips.nii"), "wb") as f:
        f.write(bytes(flipped))
    # Bit flips spread over the whole compressed stream: gzip's CRC or inflate must catch them.
    packed = bytearray(open(COLIN27, "rb").read())
    for pos in rng.choice(np.arange(100, len(packed)), 20, replace=False):
        packed[pos] ^= 0x10
    with open(add("nii_gzip_bitflips.nii.gz"), "wb") as f:
        f.write(bytes(packed))

    huge = bytearray(raw[:352])  # dim[] lives at byte 40
    dims = np.array([3, 32767, 32767, 32767, 1, 1, 1, 1], dtype=np.int16).tobytes()
    huge[40:56] = dims
    with open(add("nii_claims_terabytes.nii"), "wb") as f:
        f.write(bytes(huge) + b"\0" * 4096)
    wrong = bytearray(raw)
    wrong[40:56] = np.array([3, 181, 217, 200, 1, 1, 1, 1], dtype=np.int16).tobytes()  # more slices than stored
    with open(add("nii_wrong_dimensions.nii"), "wb") as f:
        f.write(bytes(wrong))

    floats = data.astype(np.float32)
    nan = floats.copy()
    nan[60:120, 60:140, 60:120] = np.nan
    save(nan, affine, add("nii_nan_block.nii.gz"))
    inf = floats.copy()
    inf[::7, ::5, ::3] = np.inf
    save(inf, affine, add("nii_inf_voxels.nii.gz"))
    save(np.full(data.shape, np.nan, np.float32), affine, add("nii_all_nan.nii.gz"))
    save(np.zeros(data.shape, np.float32), affine, add("nii_all_zero.nii.gz"))
    save(np.ones((1, 1, 1), np.float32), np.eye(4), add("nii_1x1x1.nii.gz"))
    save(floats[:, :, 90:91], affine, add("nii_single_slice.nii.gz"))
    save(np.stack([floats, floats], axis=-1), affine, add("nii_4d_two_frames.nii.gz"))
    # sform whose slice column is zero (qform off): no valid voxel-to-world mapping.
    singular = bytearray(raw)
    srows = affine.astype(np.float32).copy()
    srows[:3, 2] = 0
    singular[252:256] = np.array([0, 2], np.int16).tobytes()  # qform_code 0, sform_code 2
    singular[280:328] = srows[:3].tobytes()
    with open(add("nii_singular_affine.nii"), "wb") as f:
        f.write(bytes(singular))
    zero_pixdim = bytearray(raw)
    zero_pixdim[80:92] = np.zeros(3, np.float32).tobytes()  # pixdim[1..3] = 0, qform only
    zero_pixdim[254:256] = np.int16(0).tobytes()  # sform_code 0
    with open(add("nii_zero_spacing.nii"), "wb") as f:
        f.write(bytes(zero_pixdim))
    save(rng.normal(100, 30, (160, 160, 160)).astype(np.float32), np.diag([1.0, 1, 1, 1]),
         add("nii_noise_cube.nii.gz"))

    # DICOM series made from Colin27 with pydicom (64 slices through the middle of the head), then damaged.
    series = add("dicom_missing_slice")
    subprocess.run([sys.executable, SERIES_TOOL, COLIN27, series, "--slices", "60"], check=True, stdout=subprocess.DEVNULL)
    files = sorted(os.listdir(series))
    os.remove(os.path.join(series, files[len(files) // 2]))
    mixed = add("dicom_mixed_sizes")
    subprocess.run([sys.executable, SERIES_TOOL, COLIN27, mixed, "--slices", "40"], check=True,
                   stdout=subprocess.DEVNULL)
    # One slice of the series replaced by a 64x64 image that claims the same series and position.
    import pydicom

    victim = os.path.join(mixed, sorted(os.listdir(mixed))[20])
    ds = pydicom.dcmread(victim)
    small = pydicom.dcmread(f"{PYDICOM}/MR_small.dcm")
    ds.Rows, ds.Columns = small.Rows, small.Columns
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 16, 15
    ds.PixelRepresentation = 1
    ds.PixelData = np.zeros((small.Rows, small.Columns), np.int16).tobytes()
    ds.save_as(victim)
    corrupt = add("dicom_series_one_corrupt_file")
    subprocess.run([sys.executable, SERIES_TOOL, COLIN27, corrupt, "--slices", "40"], check=True,
                   stdout=subprocess.DEVNULL)
    victim = os.path.join(corrupt, sorted(os.listdir(corrupt))[10])
    with open(victim, "r+b") as f:
        f.truncate(os.path.getsize(victim) // 3)
    loop = add("dicom_symlink_loop")
    os.makedirs(loop)
    shutil.copyfile(f"{PYDICOM}/MR_small.dcm", os.path.join(loop, "slice.dcm"))
    os.symlink(".", os.path.join(loop, "again"))
    os.symlink("a", os.path.join(loop, "b"))
    os.symlink("b", os.path.join(loop, "a"))
    os.makedirs(add("folder_without_images"))
    with open(os.path.join(out, "folder_without_images", "notes.txt"), "w") as f:
        f.write("no images here\n")
    flipped_dcm = bytearray(open(f"{PYDICOM}/CT_small.dcm", "rb").read())
    for pos in rng.choice(np.arange(132, 1500), 60, replace=False):  # the header, past the preamble
        flipped_dcm[pos] ^= 1 << int(rng.integers(8))
    with open(add("dcm_header_bitflips.dcm"), "wb") as f:
        f.write(bytes(flipped_dcm))

    print("\n".join(names))


if __name__ == "__main__":
    main(sys.argv[1])
