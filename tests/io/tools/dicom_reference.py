#!/usr/bin/env python3
"""Reference voxel values of DICOM files, read by pydicom (independent of DCMTK), for DicomConformanceTest.

Usage: dicom_reference.py INPUT OUTPUT.raw [INPUT OUTPUT.raw ...]

For each pair writes FRAMES x ROWS x COLUMNS float32 values (little endian, in the frame order of the file, column
index fastest): the stored value (BitsStored/HighBit/PixelRepresentation honoured; MONOCHROME1 inverted within the
stored range: (2^BitsStored - 1) - v unsigned, -1 - v signed) times RescaleSlope plus RescaleIntercept (per frame for
enhanced multi-frame objects, from PixelValueTransformationSequence).
Prints one line per pair: "OK FRAMES ROWS COLUMNS", or "NOREF reason" when pydicom cannot give values (no decoder
for this compression, colour image, not an image).
"""
import sys
import warnings

import numpy as np
import pydicom


def frame_rescale(ds, frame):
    """RescaleSlope/Intercept of one frame: top level, then shared functional groups, then this frame's groups."""
    slope, intercept = float(ds.get("RescaleSlope", 1) or 1), float(ds.get("RescaleIntercept", 0) or 0)
    items = []
    shared = ds.get("SharedFunctionalGroupsSequence")
    if shared:
        items.append(shared[0])
    per_frame = ds.get("PerFrameFunctionalGroupsSequence")
    if per_frame and frame < len(per_frame):
        items.append(per_frame[frame])
    for item in items:
        transform = item.get("PixelValueTransformationSequence")
        if transform:
            slope = float(transform[0].get("RescaleSlope", slope) or slope)
            intercept = float(transform[0].get("RescaleIntercept", intercept) or intercept)
    return slope, intercept


def reference(source, target):
    ds = pydicom.dcmread(source, force=True)
    try:
        pixels = ds.pixel_array
    except Exception as error:  # noqa: BLE001 - any decoder failure means "no reference"
        return f"NOREF pydicom cannot decode: {type(error).__name__}"
    if int(ds.get("SamplesPerPixel", 1)) != 1:
        return "NOREF colour image"
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    rows, columns = int(ds.Rows), int(ds.Columns)
    pixels = pixels.reshape(frames, rows, columns).astype(np.int64)
    stored, high = int(ds.BitsStored), int(ds.HighBit)
    mask = (1 << stored) - 1
    values = (pixels >> (high + 1 - stored)) & mask
    signed = int(ds.get("PixelRepresentation", 0)) == 1
    if signed:
        values = np.where(values & (1 << (stored - 1)), values - (1 << stored), values)
    if str(ds.get("PhotometricInterpretation", "")).strip() == "MONOCHROME1":
        values = (-1 - values) if signed else (mask - values)
    out = np.empty((frames, rows, columns), dtype=np.float64)
    for f in range(frames):
        slope, intercept = frame_rescale(ds, f)
        out[f] = values[f] * slope + intercept
    out.astype("<f4").tofile(target)
    return f"OK {frames} {rows} {columns}"


def main():
    if len(sys.argv) < 3 or len(sys.argv) % 2 != 1:
        print(__doc__, file=sys.stderr)
        return 2
    warnings.simplefilter("ignore")
    for source, target in zip(sys.argv[1::2], sys.argv[2::2]):
        try:
            print(reference(source, target))
        except Exception as error:  # noqa: BLE001 - one bad file must not stop the others
            print(f"NOREF {type(error).__name__}: {error}".replace("\n", " ")[:200])
    return 0


if __name__ == "__main__":
    sys.exit(main())
