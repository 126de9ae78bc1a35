#!/usr/bin/env bash
# Runs the already-built bench_gemm once (JSON) and prints one line per case:
#   M N K layout threads nash_gflops openblas_gflops ratio      (ratio = nash / openblas)
# Usage: scripts/gemm_vs_openblas.sh [--best] [build-dir] [extra benchmark flags...]
#   --best: compare the fastest single call of each case (counter GFLOPS_best) instead of the
#           mean rate (GFLOPS); use it on a busy shared machine.
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are unset for this run only, so OpenBLAS picks its
# kernel for the real CPU; the kernel it used is printed first.
set -euo pipefail
counter=GFLOPS
if [[ ${1:-} == --best ]]; then counter=GFLOPS_best; shift; fi
build=${1:-build}
shift || true
bin="$build/bench/bench_gemm"
[[ -x $bin ]] || { echo "gemm_vs_openblas: $bin not found (build target bench_gemm first)" >&2; exit 1; }
json=$(mktemp)
trap 'rm -f "$json"' EXIT
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$bin" --benchmark_format=json "$@" >"$json"
python3 - "$json" "$counter" <<'PY'
import json, re, sys
data = json.load(open(sys.argv[1]))
counter = sys.argv[2]
ctx = data.get("context", {})
print(f"# host: {ctx.get('num_cpus')} cpus, {ctx.get('mhz_per_cpu')} MHz; "
      f"openblas kernel: {ctx.get('openblas_core', 'n/a (not linked)')}; counter: {counter}")
rates = {}
order = []
for b in data["benchmarks"]:
    m = re.match(r"sgemm/(\w+)/(\w+)/(\d+)x(\d+)x(\d+)/threads:(\d+)", b["name"])
    if not m or counter not in b:
        continue
    lib, layout, M, N, K, t = m.groups()
    key = (int(M), int(N), int(K), layout, int(t))
    if key not in rates:
        order.append(key)
    rates.setdefault(key, {})[lib] = b[counter]
print(f"{'M':>5} {'N':>5} {'K':>5} layout threads nash_gflops openblas_gflops ratio")
for key in order:
    nash, ob = rates[key].get("nash"), rates[key].get("openblas")
    ratio = f"{nash / ob:.2f}" if nash and ob else "-"
    fmt = lambda v: f"{v:.1f}" if v else "-"
    print(f"{key[0]:>5} {key[1]:>5} {key[2]:>5} {key[3]:>6} {key[4]:>7} {fmt(nash):>11} "
          f"{fmt(ob):>15} {ratio:>5}")
PY
