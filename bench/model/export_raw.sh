#!/usr/bin/env bash
# Writes a tissue map (NIfTI labels 0-3) as the raw uint8 voxels + one-line LPS geometry that train_raw reads
# on a model-only (GPU) build: export_raw.sh TISSUE.nii.gz OUT_PREFIX  ->  OUT_PREFIX.u8, OUT_PREFIX.geometry
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CLI=${STREGA_CLI:-$ROOT/build/default/app/cli/strega-cli}
"$CLI" info --json "$1" | /usr/bin/python3 -c '
import json, sys
g = json.load(sys.stdin)[0]
values = g["size"] + g["spacing"] + g["origin"] + [x for row in g["direction"] for x in row]
print(" ".join(str(v) for v in values))' > "$2.geometry"
/usr/bin/python3 -c '
import sys, nibabel, numpy
labels = numpy.asarray(nibabel.load(sys.argv[1]).dataobj).astype(numpy.uint8)
open(sys.argv[2], "wb").write(labels.tobytes(order="F"))  # NIfTI storage order = StRegA voxel order' "$1" "$2.u8"
echo "wrote $2.u8 and $2.geometry"
