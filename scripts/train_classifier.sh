#!/usr/bin/env bash
# Trains ahead of time the classifier `nash eval` judges a data set's images with, so the first
# eval on that data does not pause to train it. nash eval keeps one classifier per data set,
# keyed by the data's fingerprint (a content hash of its images and labels), in its cache
# ($NASH_CACHE_DIR, else $XDG_CACHE_HOME/nash, else ~/.cache/nash) as
# classifier-<fingerprint>.safetensors, and never applies one to another data set.
# This script runs the already-built examples/eval_classifier, which fills that cache entry (or
# finds it there) and, for Fashion-MNIST by default, writes a copy to runs/fashion_cnn.safetensors
# for examples/fashion_eval and `nash eval --classifier FILE`.
#
#   scripts/train_classifier.sh                          # Fashion-MNIST -> cache + runs/fashion_cnn.safetensors
#   scripts/train_classifier.sh --data data/digits       # another data set -> cache only
#   scripts/train_classifier.sh --data flowers --image-size 64 --channels 3 --threads 2
#   NASH_BUILD_DIR=build-release scripts/train_classifier.sh --out /tmp/cnn.safetensors
#
# The recipe is examples/fashion_cnn's (nn::ImageCnn, FashionCnn at 28x28x1: 5 epochs of Adam
# 1e-3 on a cosine, batches of 64, seed 0; held out: the IDX test split, else 10% of the images).
# The file holds the model under "model." (FashionCnn-compatible at 28x28x1) and metadata: the
# fingerprint, the data, image shape, classes, architecture, epochs and held-out accuracy.
set -euo pipefail
cd "$(dirname "$0")/.."
# libgomp's default wait policy spins idle threads; on a busy machine every GEMM/conv parallel
# region then waits for a descheduled spinner. Measured on the shared 2-core box (load ~15):
# 3200 CNN training images took 286 s wall / 62 s CPU with the default, 1.6 s / ~3 s passive.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}"
build="${NASH_BUILD_DIR:-build}"
exe="$build/examples/eval_classifier"
if [[ ! -x "$exe" ]]; then
  echo "train_classifier.sh: $exe not found; build it first (scripts/setup.sh, or" \
       "cmake --build $build --target eval_classifier)" >&2
  exit 1
fi
args=("$@")
if [[ " ${args[*]-} " == *" --help "* || " ${args[*]-} " == *" -h "* ]]; then exec "$exe" --help; fi
# Fashion-MNIST (no --data, or --data fashion-mnist) also gets the copy in runs/ unless --out is given.
if [[ " ${args[*]-} " != *" --out "* && ( " ${args[*]-} " != *" --data "* || " ${args[*]-} " == *" --data fashion-mnist "* ) ]]; then
  args+=(--out runs/fashion_cnn.safetensors)
fi
"$exe" "${args[@]}"
