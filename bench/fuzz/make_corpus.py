#!/usr/bin/python3
"""Make the seed corpus of the fuzz targets (bench/fuzz/corpus/<target>/) from real files on a Debian system:
pydicom's and nibabel's test files (python3-pydicom, python3-nibabel), tiny NIfTI and DICOM series cut from them,
the run-options JSON, and tiny model files (python3-torch; the StRegA checkpoint through strega-cli train).

  bench/fuzz/make_corpus.py [--strega-cli build/default/app/cli/strega-cli] [--tissue colin27_tissue.nii.gz]

Every seed is small (< 50 kB) so that the fuzzer mutates headers, not pixels. The output is checked in; rerun
only to change it.
"""
import argparse
import copy
import gzip
import json
import pathlib
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PYDICOM = pathlib.Path("/usr/lib/python3/dist-packages/pydicom/data/test_files")
NIBABEL = pathlib.Path("/usr/lib/python3/dist-packages/nibabel/tests/data")
SEPARATOR = b"=STREGA-FILE="  # fuzz_dicom_series.cpp's kSeparator


def dicom_file(out):
    for name in ["MR_small.dcm", "MR_small_implicit.dcm", "MR_small_bigendian.dcm", "MR_small_RLE.dcm",
                 "MR_small_expb.dcm", "MR_truncated.dcm", "MR_small_jpeg_ls_lossless.dcm", "JPEG2000.dcm",
                 "image_dfl.dcm", "rtdose.dcm", "rtdose_1frame.dcm", "SC_rgb_rle_2frame.dcm", "SC_rgb_small_odd.dcm",
                 "ExplVR_LitEndNoMeta.dcm", "ExplVR_BigEndNoMeta.dcm", "no_meta_group_length.dcm",
                 "meta_missing_tsyntax.dcm", "emri_small.dcm", "emri_small_RLE.dcm"]:
        if (PYDICOM / name).exists():
            shutil.copy(PYDICOM / name, out / name)


def small_slice(src, rows, z, instance, series_uid, orientation=None):
    import pydicom
    from pydicom.uid import generate_uid
    d = copy.deepcopy(src)
    pixels = d.pixel_array[:rows, :rows].copy()
    d.Rows = d.Columns = rows
    d.PixelData = pixels.astype(pixels.dtype.newbyteorder("<") if d.is_little_endian else pixels.dtype).tobytes()
    d.SeriesInstanceUID = series_uid
    d.SOPInstanceUID = generate_uid(entropy_srcs=[series_uid, str(instance)])
    d.file_meta.MediaStorageSOPInstanceUID = d.SOPInstanceUID
    d.InstanceNumber = instance
    if orientation is not None:
        d.ImageOrientationPatient = orientation
    d.ImagePositionPatient = [-83.9063, -91.2, z]
    d.SliceLocation = z
    return d


def encode(ds):
    import io
    buffer = io.BytesIO()
    ds.save_as(buffer, write_like_original=False)
    return buffer.getvalue()


def dicom_series(out):
    import pydicom
    from pydicom.uid import generate_uid
    mr = pydicom.dcmread(PYDICOM / "MR_small.dcm")
    implicit = pydicom.dcmread(PYDICOM / "MR_small_implicit.dcm")
    uid = lambda tag: generate_uid(entropy_srcs=["strega-fuzz", tag])
    series = {
        "regular_3": [small_slice(mr, 8, 0.8 * k, k + 1, uid("regular")) for k in range(3)],
        "missing_slice": [small_slice(mr, 8, z, k + 1, uid("gap")) for k, z in enumerate([0.0, 0.8, 2.4])],
        "uneven": [small_slice(mr, 8, z, k + 1, uid("uneven")) for k, z in enumerate([0.0, 0.8, 2.0, 2.5])],
        "two_series": [small_slice(mr, 8, 0.8 * k, k + 1, uid("a")) for k in range(2)] +
                      [small_slice(mr, 8, 0.8 * k, k + 1, uid("b"), [1, 0, 0, 0, 0, -1]) for k in range(2)],
        "implicit_2": [small_slice(implicit, 8, 0.8 * k, k + 1, uid("implicit")) for k in range(2)],
        "timepoints": [small_slice(mr, 8, 0.8 * (k % 2), k + 1, uid("4d")) for k in range(4)],
    }
    for k, d in enumerate(series["timepoints"]):
        d.TemporalPositionIdentifier = k // 2 + 1
        d.AcquisitionNumber = k // 2 + 1
    for name, slices in series.items():
        (out / name).write_bytes(SEPARATOR.join(encode(d) for d in slices))


def nifti(out):
    import nibabel as nib
    rng = np.random.default_rng(7)
    affine = np.array([[0.9, 0.1, 0, -10], [-0.1, 0.9, 0, 20], [0, 0, 2.5, -5], [0, 0, 0, 1]])

    def save(img, name):
        nib.save(img, str(out / name))

    img = nib.Nifti1Image(rng.integers(-100, 1000, (4, 3, 2)).astype(np.int16), affine)
    img.set_qform(affine, 1)
    img.set_sform(affine, 2)
    save(img, "int16_sform_qform.nii")
    save(nib.Nifti1Image(rng.random((4, 3, 2), dtype=np.float32), np.diag([1.5, 1.5, 3, 1])), "float32.nii.gz")
    img = nib.Nifti1Image(rng.integers(0, 255, (3, 2, 2, 3)).astype(np.uint8), np.diag([2, 2, 2, 1]))
    img.header.set_slope_inter(2.0, 1.0)
    save(img, "uint8_4d_scaled.nii")
    save(nib.Nifti2Image(rng.random((3, 3, 2)), affine), "nifti2_float64.nii")
    img = nib.Nifti1Image(rng.integers(0, 60000, (3, 2, 2)).astype(np.uint16), None)
    img.set_qform(affine, 1)
    img.set_sform(None, 0)
    save(img, "uint16_qform_only.nii")
    header = nib.Nifti1Header(endianness=">")
    save(nib.Nifti1Image(rng.integers(-5, 5, (2, 2, 3)).astype(np.int32), affine, header), "int32_bigendian.nii")
    save(nib.Nifti1Image(rng.random((2, 2, 2, 1, 2), dtype=np.float32), affine), "float32_5d.nii")
    shutil.copy(NIBABEL / "standard.nii.gz", out / "nibabel_standard.nii.gz")


def config_json(out):
    full = {
        "series_uid": "", "modality": "", "model": "strega-compact-colin27.pt",
        "preprocess": {"registration": "auto", "deformable": True, "refine_brain_mask": True, "n4": True,
                       "n4_shrink": 6, "contrast": "auto", "mrf_beta": 0.3, "partial_volume": True},
        "inference": {"device": "auto", "batch_size": 16, "samples": 0, "seed": 0, "threads": 0,
                      "precision": "fp32"},
        "residual": {"positive_only": True, "saturate_above": 0.2},
        "postprocess": {"threshold": None, "otsu_inside_brain": False, "otsu_bins": 256, "smoothing_mm": 0.0,
                        "min_area_mm2": 256.0},
        "outputs": {"html_report": True, "dicom_seg": True},
    }
    (out / "full.json").write_text(json.dumps(full, indent=2) + "\n")
    (out / "threshold.json").write_text('{"postprocess": {"threshold": 0.15, "otsu_bins": 128}}\n')
    (out / "registration.json").write_text('{"preprocess": {"registration": "skip", "contrast": "t1"}, '
                                           '"inference": {"precision": "bf16", "samples": 4}}\n')


def checkpoint(out, strega_cli, tissue):
    reference = ROOT / "tests/model/python/ccevae_reference.py"
    tiny = ["--features", "2,2,2,2", "--latent", "2", "--size", "32", "--seed", "3"]
    subprocess.run([sys.executable, str(reference), "torchsave", *tiny, "--out", str(out / "torchsave.pt")], check=True)
    subprocess.run([sys.executable, str(reference), "torchsave", *tiny, "--wrap", "--prefix", "model.", "--half",
                    "--out", str(out / "torchsave_wrapped_half.pt")], check=True)
    subprocess.run([sys.executable, str(reference), "torchscript", *tiny, "--out", str(out / "torchscript.pt")],
                   check=True)
    import torch
    state = torch.load(out / "torchsave.pt")
    header, blobs, offset = {"__metadata__": {"strega.name": "custom"}}, [], 0
    for name, tensor in state.items():
        data = tensor.float().contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    (out / "weights.safetensors").write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))
    if strega_cli:
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([strega_cli, "-q", "train", tissue, "-o", tmp, "--latent", "2", "--feature-maps", "2", "2",
                            "2", "2", "--fov-mm", "32", "--steps", "1", "--batch-size", "2", "--threads", "1"],
                           check=True)
            shutil.copy(pathlib.Path(tmp) / "model.pt", out / "strega_checkpoint.pt")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--strega-cli", help="strega-cli to train the tiny StRegA checkpoint with (skipped without)")
    ap.add_argument("--tissue", default=str(ROOT / "build/default/colin27_tissue.nii.gz"),
                    help="a tissue map for strega-cli train")
    args = ap.parse_args()
    makers = {"fuzz_dicom_file": dicom_file, "fuzz_dicom_series": dicom_series, "fuzz_nifti": nifti,
              "fuzz_config_json": config_json,
              "fuzz_checkpoint": lambda out: checkpoint(out, args.strega_cli, args.tissue)}
    for target, make in makers.items():
        out = HERE / "corpus" / target
        out.mkdir(parents=True, exist_ok=True)
        make(out)
        files = sorted(p for p in out.iterdir() if p.is_file())
        print(f"{target}: {len(files)} files, {sum(p.stat().st_size for p in files)} bytes")


if __name__ == "__main__":
    main()
