#!/usr/bin/env bash
# Quick start: installs what is missing and builds the nash program only (scripts/setup.sh), then
# trains nash's default GAN on Fashion-MNIST (the Debian package dataset-fashion-mnist) for about
# two minutes, and prints where the run directory and its newest sample grid are.
#
#   scripts/quickstart.sh                                   # ~2 minutes, 2 threads, runs/quickstart-<time>
#   scripts/quickstart.sh --threads 1 --out /tmp/q          # any nash train flag passes through and
#   scripts/quickstart.sh --model dcgan --max-seconds 600   #   overrides the quick start's own
#
# Stop it any time with Ctrl-C: the run is checkpointed and `nash train --resume RUN_DIR` continues it.
set -euo pipefail
cd "$(dirname "$0")/.."
NASH_BUILD_TARGETS=nash_cli scripts/setup.sh
build="${NASH_BUILD_DIR:-build}"
# Waiting OpenMP threads sleep instead of spinning (a busy machine otherwise slows 2 threads down).
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}"

# The quick start's defaults, each left out when the command line gives that flag itself.
given() {  # given NAME: is --NAME (or --NAME=..., with _ or -) among the arguments?
  local want="${1//_/-}" a
  for a in "${args[@]}"; do
    a="${a%%=*}"
    [[ "${a//_/-}" == "--$want" ]] && return 0
  done
  return 1
}
args=("$@")
defaults=()
given data || defaults+=(--data fashion-mnist)
given threads || given n-cpu || defaults+=(--threads 2)
given max-seconds || defaults+=(--max-seconds "${NASH_QUICKSTART_SECONDS:-120}")
given sample-every || given sample-interval || defaults+=(--sample-every 100)
out="runs/quickstart-$(date +%Y%m%d-%H%M%S)"
for ((i = 0; i < ${#args[@]}; ++i)); do
  case "${args[i]}" in
    --out) out="${args[i + 1]:-$out}" ;;
    --out=*) out="${args[i]#--out=}" ;;
  esac
done
given out || defaults+=(--out "$out")

status=0
"$build/nash" train "${defaults[@]}" "${args[@]}" || status=$?
if [[ ! -f "$out/checkpoint.safetensors" ]]; then
  echo "quickstart: nash train failed (exit $status) before writing a checkpoint" >&2
  exit "$status"
fi
latest="$( (ls -1v "$out"/samples/step_*.png "$out"/samples/step_*.svg 2>/dev/null || true) | tail -n 1)"
cat <<MSG

quickstart: the run directory is $out
  sample grid   ${latest:-(none yet)}
  loss curves   $out/loss.svg
  metrics       $out/metrics.csv
  checkpoint    $out/checkpoint.safetensors
next:
  $build/nash train --resume $out                           # keep training (20000 steps in all)
  $build/nash sample --run $out --n 64 --out samples.png    # a fresh grid
  $build/nash eval --run $out                               # metrics as JSON (the first time, it trains
                                                            #   and caches a classifier of this data set)
MSG
exit "$status"
