#!/usr/bin/env bash
# Reproduces the shipped default model, resources/models/strega-compact-colin27.pt (see MODEL_CARD.md):
# the compact cceVAE trained on Colin27's tissue map under strong augmentation (strega-cli train --preset
# default-model). Resumable: run it again after an interruption and it continues from the last checkpoint.
#
#   resources/models/train_default.sh            # env: STREGA_CLI, WORK, TISSUE, COLIN27, DEVICE, THREADS
#
# TISSUE: a Colin27 tissue label map (0 background, 1 CSF, 2 GM, 3 WM) on the atlas grid. When it is not given
# the script makes it with `strega-cli preprocess` from Colin27's T1 head (mricron-data), so that the model is
# trained on exactly what the pipeline produces at inference time.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CLI=${STREGA_CLI:-$ROOT/build/release/app/cli/strega-cli}
[ -x "$CLI" ] || CLI=$ROOT/build/default/app/cli/strega-cli
WORK=${WORK:-$ROOT/build/default-model}
COLIN27=${COLIN27:-/usr/share/mricron/templates/ch2.nii.gz}
DEVICE=${DEVICE:-auto}
THREADS=${THREADS:-0}
mkdir -p "$WORK"

if [ -z "${TISSUE:-}" ]; then
  TISSUE=$(find "$WORK/colin27" -name '*tissue*.nii*' 2>/dev/null | sort | head -n 1 || true)
  if [ -z "$TISSUE" ]; then
    if ! "$CLI" preprocess --help > /dev/null 2>&1; then
      echo "train_default.sh: this strega-cli has no 'preprocess' command; set TISSUE=<Colin27 tissue map>" >&2
      exit 2
    fi
    "$CLI" preprocess "$COLIN27" --output "$WORK/colin27"
    TISSUE=$(find "$WORK/colin27" -name '*tissue*.nii*' | sort | head -n 1)
  fi
fi
echo "tissue map: $TISSUE"

# Several threads that spin while waiting lose badly on a busy machine; passive waiting costs nothing when idle.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
"$CLI" train --preset default-model "$TISSUE" --output "$WORK/train" --device "$DEVICE" --threads "$THREADS"

install -m 644 "$WORK/train/model.pt" "$ROOT/resources/models/strega-compact-colin27.pt"
install -m 644 "$WORK/train/loss.png" "$ROOT/resources/models/strega-compact-colin27-loss.png"
install -m 644 "$WORK/train/loss.csv" "$ROOT/resources/models/strega-compact-colin27-loss.csv"
"$CLI" model info --checkpoint "$ROOT/resources/models/strega-compact-colin27.pt" | tail -n 60
sha256sum "$ROOT/resources/models/strega-compact-colin27.pt"
