#!/usr/bin/env bash
# Trains variants of the default model's recipe side by side on one GPU until a deadline, in chunks (each chunk
# resumes the run's checkpoint), so that a run cut short still leaves its last finished model. The models come
# back as $OUT/<run>.pt; judge them with `strega-cli batch` + `eval` on a tuning phantom set (MODEL_CARD.md).
# Usage: OUT=dir bench/model/gpu_sweep.sh TISSUE.u8 TISSUE.geometry [VARIANTS]
#   VARIANTS: a file with one run per line, "NAME train_raw-options..." ('#' starts a comment); without it, the
#   three runs of the 2026-11-26 sweep (A, B, D).
#   env: TRAIN_SECONDS (deadline for starting a chunk, from the start; default 400), GRACE (then a hard stop,
#   default 60), CHUNK (steps, default 1500), MAX_STEPS (a run stops there; default: at the deadline),
#   THREADS (CPU threads per run, default 5), DEVICE (default cuda)
set -u
# Several processes that each spin OpenMP threads on every core starve one another (3.6 steps/s per run on the
# H200 machine, against 55 with passive waiting and 5 threads each).
export OMP_WAIT_POLICY=PASSIVE
cd "$(dirname "$0")/../.." || exit 1
START=$(date +%s)
U8=$(realpath "$1")
GEO=$(realpath "$2")
VARIANTS=${3:-}
# Checked before the build: a missing file would otherwise leave nothing to run, and the watcher below would hold
# the device until the deadline.
if [ -n "$VARIANTS" ] && [ ! -r "$VARIANTS" ]; then
  echo "cannot read the variants file $VARIANTS" >&2
  exit 1
fi
OUT=${OUT:-/tmp/sweep-out}
LOGS=$(mktemp -d)
mkdir -p "$OUT"
DEVICE=${DEVICE:-cuda}
CHUNK=${CHUNK:-1500}
DEADLINE=$((START + ${TRAIN_SECONDS:-400}))
HARD=$((DEADLINE + ${GRACE:-60}))
nvidia-smi -L 2>/dev/null
if [ -z "${TRAIN_RAW:-}" ]; then
  # builds build/gpu-model and runs two steps: proves the build works before the sweep starts
  bash bench/model/gpu_train_default.sh "$U8" "$GEO" "$LOGS/warm" --steps 2 --device "$DEVICE" --precision fp32 \
    > "$LOGS/build.log" 2>&1 || { tail -40 "$LOGS/build.log"; exit 1; }
  TRAIN_RAW=build/gpu-model/bench/model/train_raw
fi
echo "built at +$(($(date +%s) - START)) s"

run() {
  local name=$1 s done=0
  shift
  for ((s = CHUNK; ; s += CHUNK)); do
    [ "$(date +%s)" -lt "$DEADLINE" ] || break
    if [ -n "${MAX_STEPS:-}" ] && [ "$s" -gt "$MAX_STEPS" ]; then
      [ "$done" -lt "$MAX_STEPS" ] || break
      s=$MAX_STEPS # the last chunk is shorter when MAX_STEPS is not a multiple of CHUNK
    fi
    done=$s
    "$TRAIN_RAW" "$U8" "$GEO" "$LOGS/$name" --steps "$s" --device "$DEVICE" --precision fp32 --checkpoint-every 500 \
      --threads "${THREADS:-5}" "$@" >> "$LOGS/$name.log" 2>&1 || { echo "$name failed at step $s"; break; }
    cp "$LOGS/$name/model.pt" "$OUT/.$name.tmp" && mv "$OUT/.$name.tmp" "$OUT/$name.pt"
    cp "$LOGS/$name/loss.csv" "$OUT/$name.loss.csv"
    echo "$name step $s at +$(($(date +%s) - START)) s"
  done
}

if [ -z "$VARIANTS" ]; then
  VARIANTS=$LOGS/variants
  cat > "$VARIANTS" <<'EOF2'
A --fov-mm 240 --augment-elastic-px 2 --augment-rotation-deg 5   # the 2026-11-26 CPU recipe, more steps
B --fov-mm 192 --augment-elastic-px 2 --augment-rotation-deg 5   # 1.5 mm pixels
D                                                                # the preset: 1.5 mm, elastic 1 px, 3 deg
EOF2
fi
PIDS=()
NAMES=()
while read -r line; do
  line=${line%%#*}
  read -r -a words <<< "$line"
  [ ${#words[@]} -gt 0 ] || continue
  run "${words[@]}" < /dev/null & PIDS+=($!)
  NAMES+=("${words[0]}")
done < "$VARIANTS"
if [ ${#PIDS[@]} -eq 0 ]; then
  echo "no runs in $VARIANTS" >&2
  exit 1
fi
(while [ "$(date +%s)" -lt "$HARD" ]; do sleep 2; done; pkill -f bench/model/train_raw && echo "hard stop") &
WATCH=$!
wait "${PIDS[@]}"
kill "$WATCH" 2>/dev/null
for n in "${NAMES[@]}"; do grep -h "trained steps" "$LOGS/$n.log" | tail -1 | sed "s/^/$n: /"; done
echo "done at +$(($(date +%s) - START)) s"
