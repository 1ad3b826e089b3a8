#!/usr/bin/env bash
# Reproduces the shipped default model, resources/models/strega-compact-colin27.pt (see MODEL_CARD.md):
# the compact cceVAE on a 1.5 mm grid trained on Colin27's tissue map under augmentation sized to registered inputs
# (strega-cli train --preset default-model; about 42 min on 2 cores, minutes with DEVICE=cuda). Resumable: run it
# again after an interruption and it continues from the last checkpoint.
#
#   resources/models/train_default.sh
#
# Environment: BUILD (build folder with strega-cli and preprocess_eval; default build/release, else
# build/default), WORK (default build/default-model), TISSUE (use this tissue map instead of making one),
# DEVICE (auto), THREADS (0 = all cores), INSTALL=0 (train only, do not copy into resources/models).
#
# The tissue map is Colin27's as the pre-processing library makes it (strega::simulate::colin27Tissue: N4 on
# ch2 inside ch2bet, then the FAST-like 3-class segmentation; labels 0 background, 1 CSF, 2 GM, 3 WM, atlas
# grid 181 x 217 x 181 at 1 mm), written by `preprocess_eval colin27-tissue`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build/release}
[ -x "$BUILD/app/cli/strega-cli" ] || BUILD=$ROOT/build/default
CLI=${STREGA_CLI:-$BUILD/app/cli/strega-cli}
WORK=${WORK:-$ROOT/build/default-model}
DEVICE=${DEVICE:-auto}
THREADS=${THREADS:-0}
mkdir -p "$WORK"

if [ -z "${TISSUE:-}" ]; then
  TISSUE=$WORK/colin27_tissue.nii.gz
  if [ ! -f "$TISSUE" ]; then
    "${PREPROCESS_EVAL:-$BUILD/bench/preprocess/preprocess_eval}" colin27-tissue "$TISSUE"
  fi
fi
echo "tissue map: $TISSUE"

# Threads that spin while waiting lose badly on a busy machine; passive waiting costs nothing when idle.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
"$CLI" train --preset default-model "$TISSUE" --output "$WORK/train" --device "$DEVICE" --threads "$THREADS"

if [ "${INSTALL:-1}" = 1 ]; then
  install -m 644 "$WORK/train/model.pt" "$ROOT/resources/models/strega-compact-colin27.pt"
  install -m 644 "$WORK/train/loss.png" "$ROOT/resources/models/strega-compact-colin27-loss.png"
  install -m 644 "$WORK/train/loss.csv" "$ROOT/resources/models/strega-compact-colin27-loss.csv"
  "$CLI" model info --checkpoint "$ROOT/resources/models/strega-compact-colin27.pt" | tail -n 60
  sha256sum "$ROOT/resources/models/strega-compact-colin27.pt"
fi
