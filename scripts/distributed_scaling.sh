#!/usr/bin/env bash
# The DCGAN step on Fashion-MNIST: one process with 1 thread, one with 2 threads, and mpirun -np 2
# with 1 thread per rank (each rank half of every batch) — gradients summed after backward
# (NASH_BUCKET_MB=0), in buckets while backward runs (the default, 1 MB), and with synchronised
# BatchNorm. Prints seconds per G step (one D and one G step; the mean of steps 6.., the first 5
# warm up) and the share of the step spent in the shards' sums (rank 0's time in them, waits
# for the other rank included, over its wall time). Run it on a quiet machine.
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
share() {  # "summing the shards ...: 1.23 s of 4.5 s, 27.3%" -> 27.3%
  grep -o 'summing the shards.*' "$1" | grep -o '[0-9.]*%$' || echo "-"
}
row() { printf '%-44s %10s %12s\n' "$1" "$2" "$3"; }
cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
family=$(lscpu | sed -n 's/^CPU family: *//p' | head -1)
model=$(lscpu | sed -n 's/^Model: *//p' | head -1)
echo "CPU: $cpu (family $family, model $model), $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "DCGAN, Fashion-MNIST 28x28, batch $batch, $steps steps"
row "configuration" "s / step" "in the sums"
"$nash" train "${flags[@]}" --threads 1 --out "$work/t1" 2> "$work/t1.log"
row "1 process, 1 thread" "$(per_step "$work/t1")" "-"
"$nash" train "${flags[@]}" --threads 2 --out "$work/t2" 2> "$work/t2.log"
row "1 process, 2 threads" "$(per_step "$work/t2")" "-"
"$nash" train "${flags[@]}" --threads 1 --shards 2 --out "$work/s2" 2> "$work/s2.log"
row "1 process, 1 thread, --shards 2" "$(per_step "$work/s2")" "$(share "$work/s2.log")"
mpi=(mpirun --allow-run-as-root --bind-to core -np 2)
NASH_BUCKET_MB=0 "${mpi[@]}" "$nash" train "${flags[@]}" --threads 1 --out "$work/m0" 2> "$work/m0.log"
row "mpirun -np 2, 1 thread each, sum after bw" "$(per_step "$work/m0")" "$(share "$work/m0.log")"
"${mpi[@]}" "$nash" train "${flags[@]}" --threads 1 --out "$work/m1" 2> "$work/m1.log"
row "mpirun -np 2, 1 thread each, 1 MB buckets" "$(per_step "$work/m1")" "$(share "$work/m1.log")"
"${mpi[@]}" "$nash" train "${flags[@]}" --threads 1 --sync-bn 1 --out "$work/ms" 2> "$work/ms.log"
row "mpirun -np 2, 1 thread each, --sync-bn 1" "$(per_step "$work/ms")" "$(share "$work/ms.log")"
