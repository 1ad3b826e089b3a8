#!/usr/bin/env python3
"""Write a NIfTI volume as a DICOM MR series, one slice per file, with pydicom (independent of DCMTK and ITK).

Usage: make_dicom_series.py INPUT.nii[.gz] OUTPUT_DIR [--oblique] [--shuffle] [--seed N] [--slices N]

Axial (default): the volume's own grid, written with the standard axial orientation (rows along +x = patient left,
columns along +y = posterior, ImageOrientationPatient 1\\0\\0\\0\\1\\0; in-plane axes flipped from NIfTI's RAS storage
as needed). --oblique: the same voxels on a grid rotated by 15 degrees about the x axis and 15 degrees about the
y axis, first voxel at (1.5, -2.5, 3.25) mm, with voxel sizes changed to 0.9 x 1.1 mm in-plane and 1.2 mm between slices, so
that swapped or mis-scaled axes show. Only the geometry changes: no resampling. --shuffle: random file names and
InstanceNumbers in random order, files written in random order. --slices N: only the first N slices.

Values are stored as signed 16-bit with RescaleSlope 0.25 and RescaleIntercept 50: value = stored * 0.25 + 50.

Prints the LPS geometry of the volume as the files describe it, slices in ascending order along the slice normal:
  size I J K
  spacing SI SJ SK
  origin X Y Z
  direction D00 D01 D02 D10 D11 D12 D20 D21 D22   (row-major; columns are the i, j, k axes)
"""
import argparse
import os
import random

import nibabel as nib
import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

MR_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.4"
SLOPE, INTERCEPT = 0.25, 50.0


def rotation(axis, degrees):
    c, s = np.cos(np.radians(degrees)), np.sin(np.radians(degrees))
    if axis == "x":
        return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--oblique", action="store_true")
    parser.add_argument("--shuffle", action="store_true")
    parser.add_argument("--seed", type=int, default=27)
    parser.add_argument("--slices", type=int, default=0)
    args = parser.parse_args()

    image = nib.load(args.input)
    data = np.asanyarray(image.dataobj).astype(np.float64)
    if data.ndim != 3:
        raise SystemExit("a 3D volume is needed")
    # Voxel (i, j, k) -> LPS point: flip x and y of NIfTI's RAS affine.
    lps = np.diag([-1.0, -1.0, 1.0, 1.0]) @ image.affine
    # Flip the in-plane axes that point against +x / +y so that the axial slices have the standard orientation.
    for axis in (0, 1):
        if lps[axis, axis] < 0:
            data = np.flip(data, axis=axis)
            flip = np.eye(4)
            flip[axis, axis] = -1
            flip[axis, 3] = data.shape[axis] - 1
            lps = lps @ flip
    if args.slices:
        data = data[:, :, : args.slices]
    nx, ny, nz = data.shape

    if args.oblique:
        matrix = lps[:3, :3] / np.linalg.norm(lps[:3, :3], axis=0)  # unit axes
        matrix = rotation("x", 15) @ rotation("y", 15) @ matrix
        matrix = matrix @ np.diag([0.9, 1.1, 1.2])
        # The first voxel sits near the origin: dcm2niix derives the slice spacing from single-precision positions
        # of neighbouring slices, and positions of a few mm keep that rounding far below the 1e-3 mm the tests
        # compare to (with positions of ~100 mm it alone reaches 1.2e-3 mm over 181 slices).
        lps = np.eye(4)
        lps[:3, :3], lps[:3, 3] = matrix, [1.5, -2.5, 3.25]

    spacing = np.linalg.norm(lps[:3, :3], axis=0)
    row_cosine, column_cosine = lps[:3, 0] / spacing[0], lps[:3, 1] / spacing[1]
    normal = np.cross(row_cosine, column_cosine)
    if np.dot(normal, lps[:3, 2]) < 0:
        raise SystemExit("the k axis points against the slice normal; not expected for this input")

    rng = random.Random(args.seed)
    order = list(range(nz))
    instance_numbers = [k + 1 for k in range(nz)]
    names = [f"IM{k + 1:05d}.dcm" for k in range(nz)]
    if args.shuffle:
        rng.shuffle(order)
        rng.shuffle(instance_numbers)
        names = ["%032x" % rng.getrandbits(128) for _ in range(nz)]
    os.makedirs(args.output, exist_ok=True)

    study_uid, series_uid, frame_uid = generate_uid(), generate_uid(), generate_uid()
    stored = np.round((data - INTERCEPT) / SLOPE)
    if stored.min() < -32768 or stored.max() > 32767:
        raise SystemExit("values do not fit signed 16 bits with the fixed rescale")
    stored = stored.astype("<i2")
    for k in order:
        position = lps[:3, :3] @ np.array([0.0, 0.0, k]) + lps[:3, 3]
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = MR_IMAGE_STORAGE
        meta.MediaStorageSOPInstanceUID = generate_uid()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = Dataset()
        ds.file_meta = meta
        ds.is_little_endian, ds.is_implicit_VR = True, False
        ds.SOPClassUID, ds.SOPInstanceUID = MR_IMAGE_STORAGE, meta.MediaStorageSOPInstanceUID
        ds.Modality, ds.Manufacturer = "MR", "StRegA test helper"
        ds.PatientName, ds.PatientID, ds.PatientBirthDate, ds.PatientSex = "Colin^TwentySeven", "COLIN27", "", "M"
        ds.StudyInstanceUID, ds.StudyDate, ds.StudyTime, ds.StudyID = study_uid, "20240101", "120000", "1"
        ds.StudyDescription = "Colin27 as DICOM"
        ds.SeriesInstanceUID, ds.SeriesNumber = series_uid, 3
        ds.SeriesDescription = "T1 " + ("oblique" if args.oblique else "axial")
        ds.FrameOfReferenceUID = frame_uid
        ds.ImageType = ["DERIVED", "SECONDARY"]
        ds.InstanceNumber = instance_numbers[k]
        ds.MagneticFieldStrength, ds.EchoTime, ds.RepetitionTime = 1.5, 4.6, 18.0
        ds.ImagePositionPatient = [f"{v:.6f}" for v in position]
        ds.ImageOrientationPatient = [f"{v:.8f}" for v in np.concatenate([row_cosine, column_cosine])]
        # PixelSpacing: distance between rows (along the column cosine, j), then between columns (along i).
        ds.PixelSpacing = [f"{spacing[1]:.6f}", f"{spacing[0]:.6f}"]
        ds.SliceThickness = f"{spacing[2]:.6f}"
        ds.SpacingBetweenSlices = f"{spacing[2]:.6f}"
        ds.SliceLocation = f"{np.dot(position, normal):.6f}"
        ds.Rows, ds.Columns = ny, nx
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        ds.RescaleSlope, ds.RescaleIntercept, ds.RescaleType = f"{SLOPE}", f"{INTERCEPT}", "US"
        # Rows run along j, columns along i: the frame is data[:, :, k] transposed (column index fastest).
        ds.PixelData = np.ascontiguousarray(stored[:, :, k].T).tobytes()
        ds.save_as(os.path.join(args.output, names[k]), write_like_original=False)

    direction = lps[:3, :3] / spacing
    print("size", nx, ny, nz)
    print("spacing", *(f"{v:.9g}" for v in spacing))
    print("origin", *(f"{v:.9g}" for v in lps[:3, 3]))
    print("direction", *(f"{v:.9g}" for v in direction.reshape(-1)))


if __name__ == "__main__":
    main()
