#!/usr/bin/env bash
# A rank killed mid-run ends the whole mpirun job within seconds, with a message; the last
# checkpoint (written by rank 0, atomically) is whole and resumes under mpirun -np 2; resuming it
# in one process says that the shards changed.
# Usage: mpirun_rank_killed.sh NASH MPIRUN
source "$(dirname "$0")/common.sh"
run=$work/run
mpi 2 "$nash" train --data fashion-mnist --model gan --steps 1000000 --batch 32 --threads 1 \
  --checkpoint-every 10 --sample-every 1000000 --log-every 10 --out "$run" 2> "$work/job.log" &
job=$!
for _ in $(seq 600); do [[ -e $run/checkpoint.safetensors ]] && break; sleep 0.1; done
[[ -e $run/checkpoint.safetensors ]] || { echo "FAIL: no checkpoint within 60 s"; cat "$work/job.log"; exit 1; }
sleep 1
victim=
for pid in $(pgrep -P "$job" || true) $(pgrep -f "$run" || true); do
  if tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1'; then victim=$pid; break; fi
done
[[ -n $victim ]] || { echo "FAIL: rank 1 not found"; kill "$job"; exit 1; }
start=$(date +%s%N)
kill -9 "$victim"
status=0
for _ in $(seq 300); do kill -0 "$job" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$job" 2>/dev/null; then echo "FAIL: the job still runs 30 s after rank 1 was killed"; kill -9 "$job"; exit 1; fi
wait "$job" || status=$?
took=$(( ($(date +%s%N) - start) / 1000000 ))
echo "the job ended ${took} ms after rank 1 was killed, exit status $status"
[[ $status -ne 0 ]] || { echo "FAIL: the job exited 0"; exit 1; }
grep -qi "rank 1\|signal 9\|killed" "$work/job.log" || { echo "FAIL: no message naming the lost rank"; cat "$work/job.log"; exit 1; }
grep -i "signal 9\|killed" "$work/job.log" | head -3
(( took < 10000 )) || { echo "FAIL: took more than 10 s"; exit 1; }

# The checkpoint is whole: it resumes under the same mpirun and trains 10 more steps.
step=$(grep -ao '"step":"[0-9]*"' "$run/checkpoint.safetensors" | head -1 | tr -dc 0-9)
[[ -n $step ]] || { echo "FAIL: no step in the checkpoint's metadata"; exit 1; }
mpi 2 "$nash" train --resume "$run" --steps $((step + 10)) 2> "$work/resume.log" || { cat "$work/resume.log"; exit 1; }
grep -q "finished at step $((step + 10))" "$work/resume.log" || { echo "FAIL: resume did not finish"; cat "$work/resume.log"; exit 1; }
echo "resumed at step $step and finished at step $((step + 10))"

# One process cannot continue a 2-shard run exactly, and says so.
if "$nash" train --resume "$run" --steps $((step + 20)) 2> "$work/one.log"; then
  echo "FAIL: a 2-shard run resumed in 1 shard"; exit 1
fi
grep -q "trained in 2 shards and this one has 1" "$work/one.log" || { echo "FAIL: unclear message"; cat "$work/one.log"; exit 1; }
cat "$work/one.log"

# A rank that fails ends the job with its message: rank 0 alone refuses to create a run in a
# directory that holds one, while rank 1 would wait for it in the first step.
start=$(date +%s%N)
if timeout 60 "$mpirun_bin" --allow-run-as-root --oversubscribe --bind-to none -np 2 "$nash" train \
     --data ring --steps 5 --out "$run" 2> "$work/fail.log"; then
  echo "FAIL: training into an existing run succeeded"; exit 1
fi
took=$(( ($(date +%s%N) - start) / 1000000 ))
grep "nash train: rank 0 of 2:" "$work/fail.log" || { echo "FAIL: no message from rank 0"; cat "$work/fail.log"; exit 1; }
(( took < 30000 )) || { echo "FAIL: the job took ${took} ms to end"; exit 1; }
echo "rank 0's error ended the job in ${took} ms"
