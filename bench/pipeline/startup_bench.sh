#!/usr/bin/env bash
# Start-up cost of strega-cli: median wall time of `--version` (nothing but loading and static initialisation),
# the shared libraries it loads and the dynamic loader's share, against a reference process start in the same run
# (`python3 -S -c pass`), because absolute times on a shared machine mean little.
# Usage: bench/pipeline/startup_bench.sh [CLI] [RUNS]   (default build/default/app/cli/strega-cli, 15 runs)
set -euo pipefail
CLI=${1:-build/default/app/cli/strega-cli}
RUNS=${2:-15}
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
wall() { # prints the median wall time of "$@" in ms over RUNS runs
  for ((i = 0; i < RUNS; ++i)); do
    local t0 t1
    t0=$(date +%s%N)
    "$@" > /dev/null 2>&1
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000000))
  done | median
}
"$CLI" --version > /dev/null # warm the page cache
cli_ms=$(wall "$CLI" --version)
ref_ms=$(wall python3 -S -c pass)
libs=$(LD_DEBUG=libs "$CLI" --version 2>&1 | grep -c "calling init" || true)
loader=$(LD_DEBUG=statistics "$CLI" --version 2>&1 | awk '/total startup time in dynamic loader/ {print $(NF - 1)}' | head -1)
echo "strega-cli --version: ${cli_ms} ms median of ${RUNS} ($(awk -v a="$cli_ms" -v b="$ref_ms" 'BEGIN {printf "%.1f", a / b}') x python3 -S -c pass, ${ref_ms} ms)"
echo "shared libraries initialised: ${libs}; dynamic loader before main: ${loader} cycles"
