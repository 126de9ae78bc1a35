#!/usr/bin/env bash
# The DCGAN step on Fashion-MNIST three ways: one process with 1 thread, one with 2 threads, and
# mpirun -np 2 with 1 thread per rank (each rank half of every batch), plus the share of the
# step spent summing the shards (gather + in-order sum, waits for the slower rank included).
# Prints seconds per G step (steps 6.., the first 5 warm up) from each run's metrics.csv.
# Usage: scripts/distributed_scaling.sh [steps=25] [batch=64]   (after scripts/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-25} batch=${2:-64}
nash=${NASH_BUILD_DIR:-build}/nash
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
flags=(--data fashion-mnist --model dcgan --steps "$steps" --batch "$batch" --seed 1
       --sample-every 100000 --checkpoint-every 100000)
per_step() {  # mean seconds per step after the 5th, from the cumulative seconds column
  awk -F, -v s="$steps" 'NR == 7 { t5 = $NF } NR == s + 1 { printf "%.3f", ($NF - t5) / (s - 5) }' "$1/metrics.csv"
}
lscpu | grep 'Model name'
echo "DCGAN, Fashion-MNIST 28x28, batch $batch, $steps steps; seconds per G step (1 D + 1 G step)"
"$nash" train "${flags[@]}" --threads 1 --out "$work/t1" 2> "$work/t1.log"
echo "  1 process, 1 thread:            $(per_step "$work/t1") s"
"$nash" train "${flags[@]}" --threads 2 --out "$work/t2" 2> "$work/t2.log"
echo "  1 process, 2 threads:           $(per_step "$work/t2") s"
"$nash" train "${flags[@]}" --threads 1 --shards 2 --out "$work/s2" 2> "$work/s2.log"
echo "  1 process, 1 thread, 2 shards:  $(per_step "$work/s2") s"
mpirun --allow-run-as-root --bind-to core -np 2 "$nash" train "${flags[@]}" --threads 1 --out "$work/m2" \
  2> "$work/m2.log"
echo "  mpirun -np 2, 1 thread each:    $(per_step "$work/m2") s"
grep "summing the shards" "$work/m2.log" | sed 's/^ */    mpirun: /'
