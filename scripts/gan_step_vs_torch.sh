#!/usr/bin/env bash
# Whole GAN training steps, nash vs PyTorch, on this machine in one run: for each case and thread
# count, bench/bench_gan_step (Google Benchmark, nash::gan::Trainer::step()) and then
# bench/torch_gan_step.py (the same networks, losses, optimizers and batch in PyTorch), one right
# after the other so both see the same machine load. Prints one line per case:
#   case threads nash_ms torch_ms speedup(torch/nash) params
# ms = median wall time of one G step with its D steps (WGAN-GP: 5 critic steps + 1 G step);
# speedup > 1 means nash is faster. params = G + D parameter counts, checked equal on both sides.
#
# Usage: scripts/gan_step_vs_torch.sh [--seconds S] [BUILD_DIR]     (default: build, S = 2)
#   Builds bench_gan_step in BUILD_DIR (Release) if it is missing.
# Environment, the same for both sides: OMP_WAIT_POLICY=passive unless already set (on a shared,
# busy machine libgomp's spinning waits make two-thread runs of either library many times slower).
# PyTorch side only: OMP_NUM_THREADS / OPENBLAS_NUM_THREADS = the thread count, and
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset so PyTorch's OpenBLAS runs its kernel for the real CPU
# (the environment here may pin it to Haswell's AVX2 kernel; see scripts/gemm_vs_openblas.sh).
set -euo pipefail
seconds=2
if [[ ${1:-} == --seconds ]]; then seconds=$2; shift 2; fi
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
py=/usr/bin/python3

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
for case in gan cgan wgan-gp dcgan; do
  for t in 1 2; do
    echo "gan_step_vs_torch: $case, $t thread(s)" >&2
    "$bin" --benchmark_filter="^gan_step/$case/threads:$t/" --benchmark_min_time="$seconds" \
      --benchmark_format=json >"$out/nash_${case}_$t.json" 2>/dev/null
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$py" "$root/bench/torch_gan_step.py" \
      --cases "$case" --threads "$t" --seconds "$seconds" >>"$out/torch.txt"
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

"$py" - "$out" "$load_before" "$load_after" "$OMP_WAIT_POLICY" <<'PY'
import glob, json, re, sys
import torch
out, load_before, load_after, wait_policy = sys.argv[1:5]
rows = {}  # (case, threads) -> {"nash": {...}, "torch": {...}}
for path in sorted(glob.glob(f"{out}/nash_*.json")):
    for b in json.load(open(path))["benchmarks"]:
        m = re.match(r"gan_step/([\w-]+)/threads:(\d+)", b["name"])
        if m:
            rows.setdefault((m[1], int(m[2])), {})["nash"] = b
for line in open(f"{out}/torch.txt"):
    name, *fields = line.split()
    m = re.match(r"gan_step/([\w-]+)/threads:(\d+)", name)
    if m:
        rows.setdefault((m[1], int(m[2])), {})["torch"] = {
            k: float(v) for k, v in (f.split("=") for f in fields)}
print(f"# one G step (with its D steps), batch 64, median ms; nash vs PyTorch {torch.__version__} "
      f"(CPU); OMP_WAIT_POLICY={wait_policy}; load average {load_before} before, {load_after} after")
print(f"{'case':<8} {'threads':>7} {'nash_ms':>9} {'torch_ms':>9} {'speedup(torch/nash)':>20} "
      f"{'params(G+D)':>13}")
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
          f"{sum(pn):>13,}")
if mismatch:
    print("gan_step_vs_torch: the two sides do not do the same work:\n  " + "\n  ".join(mismatch),
          file=sys.stderr)
    sys.exit(1)
PY
