#!/usr/bin/env bash
# Fashion-MNIST results: trains each GAN family (gan, cgan, wgan, wgan-gp, dcgan) for a budget
# with examples/fashion_eval and prints one table: G steps, wall time, FD of 10,000 generated
# images vs the real test set (FashionCnn features), the real-vs-real FD of the test set's two
# halves, CGAN's label accuracy and the unconditional families' class histogram.
# Builds nothing: needs build/examples/fashion_eval and the classifier from
# scripts/train_classifier.sh.
#
#   scripts/fashion_results.sh                                   # default budgets below
#   STEPS="gan=2000 cgan=3000" MAX_SECONDS=600 scripts/fashion_results.sh
#   NASH_BUILD_DIR=build-release CLASSIFIER=/tmp/cnn.safetensors scripts/fashion_results.sh
#
# Families run one after the other with THREADS threads each (PARALLEL=1 runs them all at once,
# one thread each). Logs and sample grids go to OUT/<family>/ (default runs/fashion_results).
set -euo pipefail
cd "$(dirname "$0")/.."
build="${NASH_BUILD_DIR:-build}"
exe="${FASHION_EVAL:-$build/examples/fashion_eval}"
classifier="${CLASSIFIER:-runs/fashion_cnn.safetensors}"
out="${OUT:-runs/fashion_results}"
threads="${THREADS:-2}"
max_seconds="${MAX_SECONDS:-0}"
declare -A steps=([gan]=20000 [cgan]=20000 [wgan]=10000 [wgan-gp]=10000 [dcgan]=2000)
for kv in ${STEPS:-}; do steps[${kv%%=*}]=${kv##*=}; done
# Each family's own defaults beyond its paper optimiser, as `nash train --model <family>` uses them
# (gan/run_config.cpp): CGAN decays its rates over the second half and samples G's weight average.
declare -A extra=([cgan]="--decay-start 0.5 --ema 0.999")
families=(${FAMILIES:-gan cgan wgan wgan-gp dcgan})

[[ -x "$exe" ]] || { echo "fashion_results.sh: $exe not found; build it (cmake --build $build --target fashion_eval)" >&2; exit 1; }
[[ -f "$classifier" ]] || { echo "fashion_results.sh: $classifier not found; run scripts/train_classifier.sh" >&2; exit 1; }
mkdir -p "$out"

run() {
  local fam=$1 t=$2
  # shellcheck disable=SC2086
  "$exe" --family "$fam" --steps "${steps[$fam]}" --max-seconds "$max_seconds" --threads "$t" \
    --classifier "$classifier" --out "$out/$fam" ${extra[$fam]:-} > "$out/$fam.log" 2>&1
}
if [[ "${PARALLEL:-0}" == 1 ]]; then
  for fam in "${families[@]}"; do run "$fam" 1 & done
  wait
else
  for fam in "${families[@]}"; do run "$fam" "$threads"; done
fi

echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
printf '%-8s %6s %9s %9s %13s %10s  %s\n' family steps train_s FD FD_real_real label_acc "class histogram (classifier argmax)"
for fam in "${families[@]}"; do
  line=$(grep '^RESULT' "$out/$fam.log" || true)
  if [[ -z "$line" ]]; then printf '%-8s  (failed: see %s)\n' "$fam" "$out/$fam.log"; continue; fi
  get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<< "$line"; }
  printf '%-8s %6s %9s %9s %13s %10s  %s\n' "$fam" "$(get steps)" "$(get train_s)" "$(get fd)" \
    "$(get fd_real)" "$(get label_acc)" "$(get hist)"
done
echo "final sample grids: $out/<family>/samples/step_<steps>.png"
