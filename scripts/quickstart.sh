#!/usr/bin/env bash
# Quick start: installs what is missing and builds (scripts/setup.sh), then trains nash's default
# GAN on Fashion-MNIST (the Debian package dataset-fashion-mnist) for about two minutes on 2 cores,
# and prints where the run directory and its newest sample grid are.
#
#   scripts/quickstart.sh                    # ~2 minutes
#   NASH_QUICKSTART_SECONDS=600 scripts/quickstart.sh --model dcgan   # extra flags go to nash train
#
# Stop it any time with Ctrl-C: the run is checkpointed and `nash train --resume RUN_DIR` continues it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
build="${NASH_BUILD_DIR:-build}"
seconds="${NASH_QUICKSTART_SECONDS:-120}"
out="runs/quickstart-$(date +%Y%m%d-%H%M%S)"

status=0
"$build/nash" train --data fashion-mnist --threads 2 --max-seconds "$seconds" --sample-every 100 \
  --out "$out" "$@" || status=$?
if [[ ! -f "$out/checkpoint.safetensors" ]]; then
  echo "quickstart: nash train failed (exit $status) before writing a checkpoint" >&2
  exit "$status"
fi
latest="$(ls -1v "$out"/samples/step_*.png 2>/dev/null | tail -n 1)"
cat <<MSG

quickstart: the run directory is $out
  sample grid   ${latest:-(none yet)}
  loss curves   $out/loss.svg
  metrics       $out/metrics.csv
  checkpoint    $out/checkpoint.safetensors
next:
  $build/nash train --resume $out                           # keep training (20000 steps in all)
  $build/nash sample --run $out --n 64 --out samples.png    # a fresh grid
  $build/nash eval --run $out                               # metrics as JSON (needs runs/fashion_cnn.safetensors:
                                                            #   scripts/train_classifier.sh)
MSG
exit "$status"
