#!/usr/bin/env bash
# `mpirun -np 2 nash train` and its one-process twin `nash train --shards 2` train the same run:
# after 50 steps their checkpoints are byte for byte equal, and so are their metrics. Gradients
# go in buckets while backward runs (NASH_BUCKET_MB, default 1) unless NASH_BUCKET_MB=0. STEPS
# (default 50) sets the run's length.
# Usage: mpirun_equals_shards.sh NASH MPIRUN MODEL BATCH [SHARDS [more train flags]]
#   SHARDS (default 2) shards over the 2 ranks; e.g. `dcgan 16 4 --sync-bn 1` runs two local
#   shards per rank in lock step and compares with --shards 4.
source "$(dirname "$0")/common.sh"
model=$1 batch=$2 shards=${3:-2}
shift 2
[[ $# -gt 0 ]] && shift
steps=${STEPS:-50}
flags=(--data fashion-mnist --model "$model" --steps "$steps" --batch "$batch" --seed 3 --threads 1
       --sample-every 1000 --checkpoint-every 25 "$@")
mpi_shards=()
[[ $shards -ne 2 ]] && mpi_shards=(--shards "$shards")
mpi 2 "$nash" train "${flags[@]}" "${mpi_shards[@]}" --out "$work/mpi" 2> "$work/mpi.log" || { cat "$work/mpi.log"; exit 1; }
"$nash" train "${flags[@]}" --shards "$shards" --out "$work/twin" 2> "$work/twin.log" || { cat "$work/twin.log"; exit 1; }
grep -q "in $shards shards of $((batch / shards)), 2 processes" "$work/mpi.log" || { echo "FAIL: no data-parallel banner"; cat "$work/mpi.log"; exit 1; }
if ! cmp "$work/mpi/checkpoint.safetensors" "$work/twin/checkpoint.safetensors"; then
  echo "FAIL: $model $*: mpirun -np 2 and --shards $shards checkpoints differ after $steps steps"
  exit 1
fi
if ! diff <(metrics "$work/mpi") <(metrics "$work/twin") > /dev/null; then
  echo "FAIL: $model $*: mpirun -np 2 and --shards $shards metrics differ"
  diff <(metrics "$work/mpi") <(metrics "$work/twin") | head
  exit 1
fi
[[ $(metrics "$work/mpi" | wc -l) -eq $((steps + 1)) ]] || { echo "FAIL: expected $steps metrics rows"; exit 1; }
echo "OK: $model $*: mpirun -np 2 == --shards $shards after $steps steps (checkpoint $(stat -c %s "$work/mpi/checkpoint.safetensors") bytes)"
