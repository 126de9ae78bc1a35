#!/usr/bin/env bash
# Trains the Fashion-MNIST CNN whose 128 penultimate activations the GAN metrics use for the
# Fréchet distance, and writes it to runs/fashion_cnn.safetensors (override with --out PATH).
# Builds nothing: it runs the already-built examples/fashion_cnn (scripts/setup.sh builds it).
#
#   scripts/train_classifier.sh                       # 5 epochs, seed 0 -> runs/fashion_cnn.safetensors
#   scripts/train_classifier.sh --epochs 3 --threads 2
#   NASH_BUILD_DIR=build-release scripts/train_classifier.sh --out /tmp/cnn.safetensors
#
# The file holds the model under "model." (load with nn::FashionCnn cnn;
# nn::load_checkpoint(path, cnn)) and metadata: model, input_range ([-1, 1]), feature_dim, epochs,
# test_accuracy, seed. Needs Fashion-MNIST (Debian package dataset-fashion-mnist) in
# /usr/share/datasets/fashion-mnist, or pass --data DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
# libgomp's default wait policy spins idle threads; on a busy machine every GEMM/conv parallel
# region then waits for a descheduled spinner. Measured on the shared 2-core box (load ~15):
# 3200 CNN training images took 286 s wall / 62 s CPU with the default, 1.6 s / ~3 s passive.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}"
build="${NASH_BUILD_DIR:-build}"
exe="$build/examples/fashion_cnn"
if [[ ! -x "$exe" ]]; then
  echo "train_classifier.sh: $exe not found; build it first (scripts/setup.sh, or" \
       "cmake --build $build --target fashion_cnn)" >&2
  exit 1
fi
out="runs/fashion_cnn.safetensors"
args=("$@")
if [[ " ${args[*]-} " == *" --help "* || " ${args[*]-} " == *" -h "* ]]; then exec "$exe" --help; fi
for ((i = 0; i < ${#args[@]}; ++i)); do
  if [[ "${args[i]}" == "--out" && $((i + 1)) -lt ${#args[@]} ]]; then out="${args[i + 1]}"; fi
done
if [[ " ${args[*]-} " != *" --out "* ]]; then args+=(--out "$out"); fi
"$exe" "${args[@]}"
echo "train_classifier.sh: classifier for the GAN metrics is $out"
