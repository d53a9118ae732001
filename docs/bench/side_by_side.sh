#!/usr/bin/env bash
# Issue #19's table: each row timed by `retune bench train` (through the launcher, with its environment) and by
# pytorch_baseline.py --text-encoder twice, with the launcher's environment and as issue #19 first ran it
# (OPENBLAS_NUM_THREADS=1), one after the other. Prints one line per row: ms per step of the three.
#   docs/bench/side_by_side.sh [REPEATS] [ROW...]     ROW: preset:precision:batch:seconds:steps
# Default: 3 repeats of tiny fp32 and bf16, then one of small fp32. Needs Debian's python3-torch and libopenblas0-pthread.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
repeats="${1:-3}"
shift || true
rows=("$@")
if [ ${#rows[@]} -eq 0 ]; then
  rows=(tiny:fp32:4:3:60 tiny:bf16:4:3:30)
fi
unset OPENBLAS_NUM_THREADS OMP_WAIT_POLICY
launcher_env=(MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=268435456 MALLOC_TOP_PAD_=67108864 OMP_WAIT_POLICY=PASSIVE)
issue_env=(MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=268435456 OPENBLAS_NUM_THREADS=1)

row() {
  IFS=: read -r preset precision batch seconds steps <<<"$1"
  local bf16=()
  [ "$precision" = bf16 ] && bf16=(--bf16)
  local args=(--preset "$preset" --batch "$batch" --seconds "$seconds" --steps "$steps")
  retune=$(./retune bench train "${args[@]}" --precision "$precision" 2>/dev/null | awk -F'|' '/^\|/ {gsub(/ /, "", $8); print $8}')
  same=$(env "${launcher_env[@]}" /usr/bin/python3 docs/bench/pytorch_baseline.py "${args[@]}" --threads 2 --text-encoder "${bf16[@]}" | awk -F'|' '{gsub(/ /, "", $6); print $6}')
  issue=$(env "${issue_env[@]}" /usr/bin/python3 docs/bench/pytorch_baseline.py "${args[@]}" --threads 2 --text-encoder "${bf16[@]}" | awk -F'|' '{gsub(/ /, "", $6); print $6}')
  echo "$preset $precision: retune $retune ms, pytorch (launcher's env) $same ms, pytorch (OPENBLAS_NUM_THREADS=1) $issue ms"
}

date -u
for ((r = 0; r < repeats; r++)); do
  for spec in "${rows[@]}"; do row "$spec"; done
done
if [ $# -eq 0 ]; then row small:fp32:1:5:3; fi
date -u
