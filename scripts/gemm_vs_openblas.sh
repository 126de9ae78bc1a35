#!/usr/bin/env bash
# Runs the already-built bench_gemm and prints the core's measured FMA peak, then one line per
# case:
#   M N K layout threads nash_gflops openblas_gflops ratio nash_%peak guard
# ratio = nash / openblas; nash_%peak = nash / the FMA peak measured in the same run (per
# thread: a 2-thread rate is divided by 2 x peak); guard = how many times GEMM's
# oversubscription guard put nash on one thread during the case (0 on a quiet machine; when it
# is not 0 the 2-thread figure measured the guard, not the split).
# Usage: scripts/gemm_vs_openblas.sh [--best] [build-dir] [extra benchmark flags...]
#   --best: compare the fastest single call of each case (counter GFLOPS_best) instead of the
#           mean rate (GFLOPS); use it on a busy shared machine.
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are unset for this run only, so OpenBLAS picks its
# kernel for the real CPU; the kernel it used is printed first. The FMA peak is measured
# before and after the cases and the higher figure kept (it is always best-of).
set -euo pipefail
counter=GFLOPS
if [[ ${1:-} == --best ]]; then counter=GFLOPS_best; shift; fi
build=${1:-build}
shift || true
bin="$build/bench/bench_gemm"
[[ -x $bin ]] || { echo "gemm_vs_openblas: $bin not found (build target bench_gemm first)" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
run() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$bin" --benchmark_format=json "$@"; }
run --benchmark_filter='^fma_peak' >"$dir/peak1.json"
run "$@" >"$dir/cases.json"
run --benchmark_filter='^fma_peak' >"$dir/peak2.json"
python3 - "$dir" "$counter" <<'PY'
import json, re, sys
d, counter = sys.argv[1], sys.argv[2]
data = json.load(open(f"{d}/cases.json"))
peak = max(b["GFLOPS_best"] for f in ("peak1", "peak2")
           for b in json.load(open(f"{d}/{f}.json"))["benchmarks"] if b["name"].startswith("fma_peak"))
ctx = data.get("context", {})
print(f"# host: {ctx.get('num_cpus')} cpus, {ctx.get('mhz_per_cpu')} MHz; "
      f"openblas kernel: {ctx.get('openblas_core', 'n/a (not linked)')}; counter: {counter}")
print(f"# fma peak (one core, best of runs): {peak:.1f} GFLOP/s")
rates, guard, order = {}, {}, []
for b in data["benchmarks"]:
    m = re.match(r"sgemm/(\w+)/(\w+)/(\d+)x(\d+)x(\d+)/threads:(\d+)", b["name"])
    if not m or counter not in b:
        continue
    lib, layout, M, N, K, t = m.groups()
    key = (int(M), int(N), int(K), layout, int(t))
    if key not in rates:
        order.append(key)
    rates.setdefault(key, {})[lib] = b[counter]
    if lib == "nash":
        guard[key] = int(b.get("guard_fired", 0))
print(f"{'M':>5} {'N':>5} {'K':>5} layout threads nash_gflops openblas_gflops ratio "
      f"nash_%peak guard")
fired = 0
for key in order:
    nash, ob = rates[key].get("nash"), rates[key].get("openblas")
    ratio = f"{nash / ob:.2f}" if nash and ob else "-"
    pct = f"{100 * nash / (peak * key[4]):.0f}%" if nash else "-"
    fmt = lambda v: f"{v:.1f}" if v else "-"
    g = guard.get(key, 0)
    fired += g
    print(f"{key[0]:>5} {key[1]:>5} {key[2]:>5} {key[3]:>6} {key[4]:>7} {fmt(nash):>11} "
          f"{fmt(ob):>15} {ratio:>5} {pct:>10} {g:>5}")
print(f"# oversubscription guard fired {fired} time(s) during the nash cases")
PY
