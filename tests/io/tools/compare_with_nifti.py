#!/usr/bin/env python3
"""Compare a volume loaded by StRegA with a reference NIfTI (e.g. dcm2niix's conversion) in world coordinates.

Usage:
  compare_with_nifti.py REFERENCE.nii[.gz] --raw OURS.raw GEOMETRY.txt
  compare_with_nifti.py REFERENCE.nii[.gz] --nifti OURS.nii[.gz]

OURS.raw holds float32 voxels (little endian, i fastest); GEOMETRY.txt holds its LPS grid as lines
"size I J K", "spacing SI SJ SK", "origin X Y Z", "direction" + 9 numbers (row-major, columns = i, j, k axes).
NIfTI affines are RAS (nibabel's best affine: sform, else qform) and are turned into LPS by negating x and y.

For every voxel of ours: its physical point is mapped into the reference's index space; it must land on a voxel
centre (the distance to the nearest centre, in mm, is the position error) inside the reference, and the values
must agree. Axis permutations and flips between the two grids are expected (dcm2niix may flip an axis).
Prints "position_error_mm E", "value_error V", "voxels N", "outside M", "reference_size ...", then "PASS" or
"FAIL"; exit status 0 on PASS (position error <= 1e-3 mm, value error <= 1e-3, nothing outside, same voxel count).
"""
import sys

import nibabel as nib
import numpy as np

RAS_TO_LPS = np.diag([-1.0, -1.0, 1.0, 1.0])


def read_raw(raw_path, geometry_path):
    fields = {}
    with open(geometry_path) as f:
        for line in f:
            parts = line.split()
            if parts:
                fields[parts[0]] = [float(v) for v in parts[1:]]
    size = [int(v) for v in fields["size"]]
    spacing, origin = np.array(fields["spacing"]), np.array(fields["origin"])
    direction = np.array(fields["direction"]).reshape(3, 3)
    affine = np.eye(4)
    affine[:3, :3] = direction @ np.diag(spacing)
    affine[:3, 3] = origin
    data = np.fromfile(raw_path, dtype="<f4").reshape(size[2], size[1], size[0]).transpose(2, 1, 0)
    return data.astype(np.float64), affine


def read_nifti(path):
    image = nib.load(path)
    data = image.get_fdata(dtype=np.float64)
    while data.ndim > 3 and data.shape[-1] == 1:
        data = data[..., 0]
    return data, RAS_TO_LPS @ image.affine


def main():
    if len(sys.argv) < 4 or sys.argv[2] not in ("--raw", "--nifti"):
        print(__doc__, file=sys.stderr)
        return 2
    reference, reference_affine = read_nifti(sys.argv[1])
    if sys.argv[2] == "--raw":
        ours, ours_affine = read_raw(sys.argv[3], sys.argv[4])
    else:
        ours, ours_affine = read_nifti(sys.argv[3])
    to_reference = np.linalg.inv(reference_affine) @ ours_affine

    worst_position, worst_value, outside, compared = 0.0, 0.0, 0, 0
    ni, nj, nk = ours.shape
    jj, ii = np.meshgrid(np.arange(nj), np.arange(ni))
    for k in range(nk):
        index = np.stack([ii.ravel(), jj.ravel(), np.full(ii.size, k), np.ones(ii.size)])
        continuous = (to_reference @ index)[:3]
        nearest = np.round(continuous)
        offset_mm = reference_affine[:3, :3] @ (continuous - nearest)
        worst_position = max(worst_position, float(np.abs(np.linalg.norm(offset_mm, axis=0)).max()))
        inside = np.all((nearest >= 0) & (nearest < np.array(reference.shape)[:, None]), axis=0)
        outside += int((~inside).sum())
        n = nearest[:, inside].astype(int)
        theirs = reference[n[0], n[1], n[2]]
        mine = ours[ii.ravel()[inside], jj.ravel()[inside], k]
        if theirs.size:
            worst_value = max(worst_value, float(np.abs(theirs - mine).max()))
        compared += int(inside.sum())

    print("position_error_mm", f"{worst_position:.3g}")
    print("value_error", f"{worst_value:.3g}")
    print("voxels", compared)
    print("outside", outside)
    print("reference_size", *reference.shape[:3])
    print("ours_size", *ours.shape)
    ok = (worst_position <= 1e-3 and worst_value <= 1e-3 and outside == 0 and
          int(np.prod(reference.shape[:3])) == compared)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
