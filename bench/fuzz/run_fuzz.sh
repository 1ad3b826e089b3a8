#!/usr/bin/env bash
# Build the libFuzzer targets (preset 'fuzz': clang, ASan + UBSan) and run each for SECONDS (default 600), one
# after the other, single process. Each run starts from the seed corpus (bench/fuzz/corpus/<target>) copied into
# build/fuzz/corpus-work/<target>, which keeps what the run adds; crashes, timeouts and OOMs are written to
# build/fuzz/artifacts/<target>/ and the full log to build/fuzz/logs/<target>.log.
#   bench/fuzz/run_fuzz.sh [SECONDS] [TARGET...]     e.g.  bench/fuzz/run_fuzz.sh 60 fuzz_nifti
# Environment: STREGA_JOBS (build jobs, default 2), STREGA_FUZZ_NICE (default 5), STREGA_FUZZ_FRESH=1 (start
# from the seeds again instead of the kept work corpus), STREGA_FUZZ_NO_BUILD=1 (run what is built),
# STREGA_FUZZ_ARGS (more libFuzzer options, e.g. "-fork=1 -ignore_crashes=1" to go on past a known crash).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BUILD="$ROOT/build/fuzz"
SECONDS_PER_TARGET=${1:-600}
shift || true
ALL=(fuzz_dicom_file fuzz_dicom_series fuzz_nifti fuzz_config_json fuzz_checkpoint)
TARGETS=("$@")
((${#TARGETS[@]})) || TARGETS=("${ALL[@]}")

export CCACHE_BASEDIR="$ROOT" CCACHE_NOHASHDIR=1
if [[ "${STREGA_FUZZ_NO_BUILD:-0}" != 1 ]]; then
  [[ -f "$BUILD/build.ninja" ]] || cmake --preset fuzz >/dev/null
  nice -n "${STREGA_FUZZ_NICE:-5}" cmake --build "$BUILD" -j "${STREGA_JOBS:-2}" --target "${TARGETS[@]}"
fi

# UBSan reports abort (and so are kept as crashes); leaks count too; LibTorch stays on one thread.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/bench/fuzz/lsan.supp:print_suppressions=0}
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

summary=()
for target in "${TARGETS[@]}"; do
  work="$BUILD/corpus-work/$target" artifacts="$BUILD/artifacts/$target" log="$BUILD/logs/$target.log"
  [[ "${STREGA_FUZZ_FRESH:-0}" == 1 ]] && rm -rf "$work"
  mkdir -p "$work" "$artifacts" "$(dirname "$log")"
  cp -n "$ROOT/bench/fuzz/corpus/$target/"* "$work/" 2>/dev/null || true
  # DCMTK reserves the length an element claims before reading it when the dataset is deflated (it cannot
  # compare it with the bytes left, as it does for plain files): up to 4 GiB of address space that is never
  # touched. The DICOM targets allow such reservations; resident memory stays limited to 2 GiB by -rss_limit_mb.
  limits=()
  [[ "$target" == fuzz_dicom_* ]] && limits=(-malloc_limit_mb=4200)
  dict=()
  [[ -f "$ROOT/bench/fuzz/$target.dict" ]] && dict=("-dict=$ROOT/bench/fuzz/$target.dict")
  cmd=(nice -n "${STREGA_FUZZ_NICE:-5}" "$BUILD/bench/fuzz/$target" -max_total_time="$SECONDS_PER_TARGET"
       -timeout=10 -rss_limit_mb=2048 "${limits[@]}" -print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" ${STREGA_FUZZ_ARGS:-} "$work")
  stamp="$BUILD/logs/.$target.start"
  touch "$stamp"
  echo "[fuzz] ${cmd[*]}" | tee "$log"
  rc=0
  "${cmd[@]}" >>"$log" 2>&1 || rc=$?
  done_line=$(grep -a -E '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1 || true)
  runs=$(grep -a -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1 || true)
  secs=$(grep -a -oE '^Done [0-9]+ runs in [0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1 || true)
  [[ -z "$secs" ]] && secs=$(grep -a -oE 'stat::[a-z_]*time[a-z_]*: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1 || true)
  last=$(grep -a -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' <<<"$last" || true)
  crashes=$(find "$artifacts" -type f -newer "$stamp" 2>/dev/null | wc -l)
  rate=""
  [[ -n "$runs" && -n "$secs" && "$secs" -gt 0 ]] && rate=$((runs / secs))
  summary+=("$target: rc=$rc runs=${runs:-?} time=${secs:-?}s exec/s=${rate:-?} ${cov:-} new_artifacts=$crashes")
  echo "[fuzz] ${done_line:-no 'Done' line (stopped by a crash?): see $log}"
  ((crashes)) && echo "[fuzz] crash/timeout/oom inputs in $artifacts/:" && find "$artifacts" -type f -newer "$stamp"
done
echo
printf '[fuzz] %s\n' "${summary[@]}"
