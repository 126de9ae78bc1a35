#!/usr/bin/env bash
# Whole GAN training steps, nash vs PyTorch, on this machine in one run: for each case and thread
# count, bench/bench_gan_step (Google Benchmark, nash::gan::Trainer::step()) and then
# bench/torch_gan_step.py (the same networks, losses, optimizers and batch in PyTorch), one right
# after the other so both see the same machine load. Prints one line per case:
#   case threads nash_ms torch_ms speedup(torch/nash) nash_cpu_ms torch_cpu_ms cpu(torch/nash) params
# ms = median wall time of one G step with its D steps (WGAN-GP: 5 critic steps + 1 G step);
# cpu_ms = median process CPU time of one step, all threads (on a busy machine the steadier
# measure of the work; with 2 threads it counts both). Ratios > 1 mean nash is faster.
# params = G + D parameter counts, checked equal on both sides (the script fails otherwise).
#
# Usage: scripts/gan_step_vs_torch.sh [--seconds S] [--rounds R] [--threads "1 2"] [BUILD_DIR]
#   S: timed seconds per case and side (default 2); R: repeat everything R times and keep each
#   side's fastest median (default 1; use 2-3 on a busy machine); --threads: the thread counts
#   to measure (default "1 2"). BUILD_DIR defaults to build/;
#   bench_gan_step is built there (Release) if it is missing. TORCH_PYTHON: the interpreter that
#   has torch (default /usr/bin/python3).
# Environment, the same for both sides: OMP_WAIT_POLICY=passive unless already set (on a shared,
# busy machine libgomp's spinning waits make two-thread runs of either library many times slower).
# PyTorch side only: OMP_NUM_THREADS / OPENBLAS_NUM_THREADS = the thread count, and
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset so PyTorch's OpenBLAS runs its kernel for the real CPU
# (the environment here may pin it to Haswell's AVX2 kernel; see scripts/gemm_vs_openblas.sh).
set -euo pipefail
seconds=2
rounds=1
thread_counts="1 2"
while [[ ${1:-} == --* ]]; do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --threads) thread_counts=$2; shift 2 ;;
    *) echo "gan_step_vs_torch: unknown option $1" >&2; exit 2 ;;
  esac
done
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
py=${TORCH_PYTHON:-/usr/bin/python3}  # Debian's python3-torch loads here

if ! "$py" -c 'import torch' 2>/dev/null; then
  echo "gan_step_vs_torch: $py cannot import torch; install Debian's PyTorch with:" \
       "apt-get install python3-torch" >&2
  exit 1
fi
bin=$build/bench/bench_gan_step
if [[ ! -x $bin ]]; then
  echo "gan_step_vs_torch: building bench_gan_step in $build" >&2
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" -j2 --target bench_gan_step >&2
fi

export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "# cpu: $(lscpu | sed -n 's/^Model name: *//p'), family $(lscpu | sed -n 's/^CPU family: *//p'), model $(lscpu | sed -n 's/^Model: *//p'), $(nproc) cpus"
for ((r = 1; r <= rounds; ++r)); do
  for case in gan cgan wgan-gp dcgan; do
    for t in $thread_counts; do
      echo "gan_step_vs_torch: round $r/$rounds: $case, $t thread(s)" >&2
      if ! "$bin" --benchmark_filter="^gan_step/$case/threads:$t/" --benchmark_min_time="$seconds" \
          --benchmark_format=json >"$out/nash_${case}_${t}_$r.json" 2>"$out/nash.err"; then
        cat "$out/nash.err" >&2
        echo "gan_step_vs_torch: $bin failed on $case, $t thread(s)" >&2
        exit 1
      fi
      env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$py" "$root/bench/torch_gan_step.py" \
        --cases "$case" --threads "$t" --seconds "$seconds" >>"$out/torch.txt"
    done
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

"$py" - "$out" "$load_before" "$load_after" "$OMP_WAIT_POLICY" "$rounds" <<'PY'
import glob, json, re, sys
import torch
out, load_before, load_after, wait_policy, rounds = sys.argv[1:6]
rows = {}  # (case, threads) -> {"nash": {...}, "torch": {...}}: each side's fastest round


def keep(key, side, r):
    best = rows.setdefault(key, {})
    if side in best:  # the fastest median of the rounds, wall and CPU each
        r = dict(r, ms=min(r["ms"], best[side]["ms"]), cpu_ms=min(r["cpu_ms"], best[side]["cpu_ms"]))
    best[side] = r


for path in sorted(glob.glob(f"{out}/nash_*.json")):
    for b in json.load(open(path))["benchmarks"]:
        m = re.match(r"gan_step/([\w-]+)/threads:(\d+)", b["name"])
        if m:
            keep((m[1], int(m[2])), "nash", b)
for line in open(f"{out}/torch.txt"):
    name, *fields = line.split()
    m = re.match(r"gan_step/([\w-]+)/threads:(\d+)", name)
    if m:
        keep((m[1], int(m[2])), "torch", {k: float(v) for k, v in (f.split("=") for f in fields)})
print(f"# one G step (with its D steps), batch 64, median ms (best of {rounds} round(s)); nash vs "
      f"PyTorch {torch.__version__} (CPU); OMP_WAIT_POLICY={wait_policy}; load average "
      f"{load_before} before, {load_after} after")
print(f"{'case':<8} {'threads':>7} {'nash_ms':>9} {'torch_ms':>9} {'speedup(torch/nash)':>20} "
      f"{'nash_cpu_ms':>12} {'torch_cpu_ms':>13} {'cpu(torch/nash)':>16} {'params(G+D)':>12}")
mismatch = []
order = ["gan", "cgan", "wgan-gp", "dcgan"]
for (case, t) in sorted(rows, key=lambda k: (order.index(k[0]), k[1])):
    r = rows[(case, t)]
    if "nash" not in r or "torch" not in r:
        mismatch.append(f"{case}/{t}: a side produced no result")
        continue
    n, p = r["nash"], r["torch"]
    pn = (int(n["params_g"]), int(n["params_d"]))
    pt = (int(p["params_g"]), int(p["params_d"]))
    if pn != pt:
        mismatch.append(f"{case}: nash G/D parameters {pn}, PyTorch {pt}")
    print(f"{case:<8} {t:>7} {n['ms']:>9.2f} {p['ms']:>9.2f} {p['ms'] / n['ms']:>20.2f} "
          f"{n['cpu_ms']:>12.2f} {p['cpu_ms']:>13.2f} {p['cpu_ms'] / n['cpu_ms']:>16.2f} "
          f"{sum(pn):>12,}")
if mismatch:
    print("gan_step_vs_torch: the two sides do not do the same work:\n  " + "\n  ".join(mismatch),
          file=sys.stderr)
    sys.exit(1)
PY
