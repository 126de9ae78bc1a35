#!/usr/bin/env bash
# `mpirun -np 2 nash train` and its one-process twin `nash train --shards 2` train the same run:
# after 50 steps their checkpoints are byte for byte equal, and so are their metrics.
# Usage: mpirun_equals_shards.sh NASH MPIRUN MODEL BATCH
source "$(dirname "$0")/common.sh"
model=$1 batch=$2
flags=(--data fashion-mnist --model "$model" --steps 50 --batch "$batch" --seed 3 --threads 1
       --sample-every 1000 --checkpoint-every 25)
mpi 2 "$nash" train "${flags[@]}" --out "$work/mpi" 2> "$work/mpi.log" || { cat "$work/mpi.log"; exit 1; }
"$nash" train "${flags[@]}" --shards 2 --out "$work/twin" 2> "$work/twin.log" || { cat "$work/twin.log"; exit 1; }
grep -q "in 2 shards of $((batch / 2)), 2 processes" "$work/mpi.log" || { echo "FAIL: no data-parallel banner"; cat "$work/mpi.log"; exit 1; }
if ! cmp "$work/mpi/checkpoint.safetensors" "$work/twin/checkpoint.safetensors"; then
  echo "FAIL: $model: mpirun -np 2 and --shards 2 checkpoints differ after 50 steps"
  exit 1
fi
if ! diff <(metrics "$work/mpi") <(metrics "$work/twin") > /dev/null; then
  echo "FAIL: $model: mpirun -np 2 and --shards 2 metrics differ"
  diff <(metrics "$work/mpi") <(metrics "$work/twin") | head
  exit 1
fi
[[ $(metrics "$work/mpi" | wc -l) -eq 51 ]] || { echo "FAIL: expected 50 metrics rows"; exit 1; }
echo "OK: $model: mpirun -np 2 == --shards 2 after 50 steps (checkpoint $(stat -c %s "$work/mpi/checkpoint.safetensors") bytes)"
