#!/usr/bin/env bash
# What recording frames for nash report costs a toy run: `nash train` (one thread) with frames
# off (--viz-every 0), every 100 steps (the toy default) and every step (which isolates the cost
# of one frame), runs interleaved so a busy machine slows all three alike. Prints wall time and
# CPU time (user + sys: on a shared machine the steadier of the two), medians over the repeats.
# Usage: scripts/viz_overhead.sh [data=ring] [steps=3000] [repeats=3] [more train flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-ring}
steps=${2:-3000}
repeats=${3:-3}
shift $(( $# < 3 ? $# : 3 ))
nash=${NASH:-build/nash}
[[ -x $nash ]] || { echo "viz_overhead: $nash not built (scripts/setup.sh)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One training run: prints "wall cpu" in seconds.
measure() {
  local every=$1 t
  shift
  rm -rf "$tmp/run"
  t=$( { TIMEFORMAT='%R %U %S'; time "$nash" train --data "$data" --steps "$steps" --threads 1 \
           --viz-every "$every" --out "$tmp/run" "$@" >/dev/null 2>&1; } 2>&1 )
  awk '{ print $1, $2 + $3 }' <<<"$t"
}

declare -A wall cpu
for ((r = 0; r < repeats; r++)); do
  for every in 0 100 1; do
    read -r w c < <(measure "$every" "$@")
    wall[$every]+="$w "
    cpu[$every]+="$c "
    printf "run %d  viz-every %-4s wall %7.2f s  cpu %7.2f s\n" "$r" "$every" "$w" "$c"
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
calc() { awk "BEGIN { print $1 }"; }
frames=$((steps / 100 + 1))
printf "\n%s, %d steps, medians of %d runs, CPU: %s\n" "$data" "$steps" "$repeats" \
  "$(lscpu | sed -n 's/^Model name: *//p')"
for kind in wall cpu; do
  declare -n t=$kind
  off=$(echo "${t[0]}" | median)
  e100=$(echo "${t[100]}" | median)
  e1=$(echo "${t[1]}" | median)
  per_frame=$(calc "($e1 - $off) / ($steps + 1)")
  printf "  %-4s  off %7.2f s   every 100 %7.2f s (%+.1f%%)   every step %7.2f s: one frame %.2f ms," \
    "$kind" "$off" "$e100" "$(calc "100 * ($e100 - $off) / $off")" "$e1" "$(calc "1000 * $per_frame")"
  printf " so %d frames are %.1f%% of the run\n" "$frames" "$(calc "100 * $frames * $per_frame / $off")"
done
