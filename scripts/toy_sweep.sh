#!/usr/bin/env bash
# The toy-data figures: trains each toy preset (gan/presets.cpp) on its seeds with
# examples/toy_2d and prints one row per seed plus the bar's verdict:
#   gaussian1d  10 seeds, pass: |mean - 4| < 0.25 and |std - 1.25| < 0.25 (10,000 samples); bar 9/10
#   ring        5 seeds,  pass: 8/8 modes and >= 90% high-quality samples (2,500 samples);  bar 4/5
#   grid        5 seeds,  pass: >= 24/25 modes and >= 80% high-quality samples;            bar 4/5
# Usage: scripts/toy_sweep.sh [data ...]          (default: gaussian1d ring grid)
# Env:   BUILD (default build-release next to this script's repo), JOBS (parallel runs, default 2;
#        each run uses one thread), SEEDS (override the seed list), EXTRA ("key=value ..." passed
#        to every run, e.g. EXTRA="steps=5000"), LOG (directory keeping each run's output).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD:-$root/build-release}"
jobs="${JOBS:-2}"
log="${LOG:-$(mktemp -d)}"
mkdir -p "$log"
exe="$build/examples/toy_2d"
if [[ ! -x "$exe" ]]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" -j2 --target toy_2d >/dev/null
fi
[[ $# -gt 0 ]] || set -- gaussian1d ring grid
read -r -a extra <<< "${EXTRA:-}"

for data in "$@"; do
  case "$data" in
    gaussian1d) seeds="${SEEDS:-0 1 2 3 4 5 6 7 8 9}"; need=9 ;;
    ring|grid)  seeds="${SEEDS:-0 1 2 3 4}"; need=4 ;;
    *) echo "toy_sweep: unknown data set '$data'" >&2; exit 2 ;;
  esac
  # One process per seed, at most $jobs at once, one thread each.
  printf '%s\n' $seeds | NASH_NUM_THREADS=1 xargs -P "$jobs" -I{} \
    sh -c 'exe=$0 data=$1 seed=$2 dir=$3; shift 3; "$exe" "$data" "$seed" 0 "$@" > "$dir/$data.$seed.txt"' \
      "$exe" "$data" {} "$log" ${extra[@]+"${extra[@]}"} ||
    { echo "toy_sweep: a $data run failed (outputs in $log)" >&2; exit 1; }
  head -1 "$log/$data.$(echo $seeds | cut -d' ' -f1).txt"
  passed=0; total=0
  for s in $seeds; do
    line="$(grep '^final' "$log/$data.$s.txt")"
    get() { sed -E "s/.* $1=([^ %s\/]+).*/\1/" <<< "$line"; }
    total=$((total + 1))
    if [[ "$data" == gaussian1d ]]; then
      mean="$(get mean)"; std="$(get std)"
      ok="$(awk -v m="$mean" -v s="$std" 'BEGIN { d = m - 4; e = s - 1.25;
            print (d < 0.25 && d > -0.25 && e < 0.25 && e > -0.25) ? "pass" : "FAIL" }')"
      printf '%-10s seed %-3s mean %6s  std %6s  ks %6s  %6ss  %s\n' "$data" "$s" "$mean" "$std" "$(get ks)" "$(get time)" "$ok"
    else
      modes="$(sed -E 's/.* modes=([0-9]+)\/([0-9]+).*/\1/' <<< "$line")"
      of="$(sed -E 's/.* modes=([0-9]+)\/([0-9]+).*/\2/' <<< "$line")"
      hq="$(get hq)"
      ok="$(awk -v d="$data" -v m="$modes" -v h="$hq" 'BEGIN {
            p = (d == "ring") ? (m >= 8 && h >= 90) : (m >= 24 && h >= 80); print p ? "pass" : "FAIL" }')"
      printf '%-10s seed %-3s modes %2s/%-2s  high-quality %5s%%  reverse KL %6s  %7ss  %s\n' "$data" "$s" "$modes" "$of" "$hq" "$(get rkl)" "$(get time)" "$ok"
    fi
    [[ "$ok" == pass ]] && passed=$((passed + 1))
  done
  verdict=$([[ $passed -ge $need ]] && echo "meets the bar" || echo "BELOW the bar")
  echo "$data: $passed/$total seeds pass (bar: $need) -> $verdict"
  echo
done
