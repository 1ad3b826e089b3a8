#!/usr/bin/env python3
"""Peak memory of `strega-cli run` per case, for heads of different resolutions (issue: resource limits).

Usage: memory_bench.py [--cli PATH] [--runs N] [INPUT ...]

Default inputs: Colin27 at 1 mm (ch2.nii.gz, 181x217x181) and at 0.5 mm (ch2better.nii.gz, 301x370x316), both
from mricron-data. Each input is screened N times (default 1) in a fresh process; the peak resident memory of
that process (wait4's ru_maxrss, the whole process tree of one `run`) and the wall time are printed per run, then
the median per input, and the ratio of the peaks against the voxel ratio (memory should grow no faster than the
voxel count). Also prints the estimate that `run` checks before it starts (report.json: memory_estimate_bytes).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CLI = os.path.join(HERE, "..", "..", "build", "default", "app", "cli", "strega-cli")
INPUTS = ["/usr/share/mricron/templates/ch2.nii.gz", "/usr/share/mricron/templates/ch2better.nii.gz"]


def run_once(cli, path, out):
    started = time.monotonic()
    proc = subprocess.Popen([cli, "-q", "run", path, "-o", out], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    err = proc.stderr.read().decode()
    proc.stderr.close()
    seconds = time.monotonic() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{path}: strega-cli run failed: {err.strip()}")
    with open(os.path.join(out, "report.json")) as f:
        report = json.load(f)
    return usage.ru_maxrss * 1024, seconds, report


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cli", default=DEFAULT_CLI)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("inputs", nargs="*", default=INPUTS)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in args.inputs:
            peaks, times = [], []
            for r in range(args.runs):
                peak, seconds, report = run_once(args.cli, path, os.path.join(tmp, f"{len(rows)}-{r}"))
                peaks.append(peak)
                times.append(seconds)
                size = report["input"]["geometry"]["size"]
                print(f"{os.path.basename(path)} run {r + 1}: peak {peak / 2**20:.0f} MiB, {seconds:.1f} s "
                      f"(estimate {report.get('memory_estimate_bytes', 0) / 2**20:.0f} MiB)", flush=True)
            voxels = size[0] * size[1] * size[2]
            rows.append((os.path.basename(path), size, voxels, statistics.median(peaks), statistics.median(times),
                         report.get("memory_estimate_bytes", 0)))
    print("\n| input | size | voxels | peak memory (median) | estimate | time (median) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, size, voxels, peak, seconds, estimate in rows:
        print(f"| {name} | {'x'.join(map(str, size))} | {voxels / 1e6:.1f} M | {peak / 2**20:.0f} MiB | "
              f"{estimate / 2**20:.0f} MiB | {seconds:.1f} s |")
    if len(rows) >= 2:
        base = rows[0]
        for row in rows[1:]:
            print(f"{row[0]} / {base[0]}: voxels x{row[2] / base[2]:.2f}, peak memory x{row[3] / base[3]:.2f}")


if __name__ == "__main__":
    main()
