#!/usr/bin/env bash
# Runs bench_tensor once (JSON) and prints each case's bytes/s and its ratio to the memcpy
# reference, with the project's targets. Usage: scripts/bench_tensor_ratios.sh [build-dir] [extra args]
set -euo pipefail
build=${1:-build}
shift || true
bin="$build/bench/bench_tensor"
[[ -x "$bin" ]] || { echo "no $bin; build the bench_tensor target first" >&2; exit 1; }
"$bin" --benchmark_format=json "$@" | python3 -c '
import json, sys
targets = {"add": 0.70, "mul": 0.70, "exp": 0.40, "tanh": 0.40, "broadcast_add": 0.60, "sum": 0.70}
runs = {b["name"].split("/")[0].removeprefix("BM_"): b for b in json.load(sys.stdin)["benchmarks"]}
copy = runs["copy"]["bytes_per_second"]
print("%-15s%9s%9s%8s" % ("case", "GB/s", "vs copy", "target"))
for name, b in runs.items():
    bps = b["bytes_per_second"]
    t = targets.get(name)
    mark = "" if t is None else ("  ok" if bps / copy >= t else "  BELOW")
    tgt = "" if t is None else f"{t:.0%}"
    print(f"{name:<15}{bps / 1e9:>9.2f}{bps / copy:>9.0%}{tgt:>8}{mark}")
'
