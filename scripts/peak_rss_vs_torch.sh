#!/usr/bin/env bash
# Peak resident memory of a whole training run, nash vs PyTorch, on Fashion-MNIST: for each case
# `nash train --data fashion-mnist --model M --steps S --threads 1 --out <temp>` and the same
# training in PyTorch (scripts/peak_rss_vs_torch.py: the same networks, losses, optimisers and
# batch 64, the data held as PyTorch-GAN holds it), each under /usr/bin/time -v, one right after
# the other. Prints one line per case:
#   model steps nash_MiB torch_MiB ratio(nash/torch)
# Peak RSS is the kernel's high-water mark of the process's resident set (ru_maxrss): the
# program, its libraries, the data set, the networks and every buffer, at their largest.
#
# Usage: scripts/peak_rss_vs_torch.sh [BUILD_DIR]      (cases: gan 300 steps, dcgan 20 steps)
#   BUILD_DIR defaults to build/ (nash is built there if missing). TORCH_PYTHON: the interpreter
#   with torch (default /usr/bin/python3, Debian's python3-torch). FASHION_DIR: the IDX files
#   (default /usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
py=${TORCH_PYTHON:-/usr/bin/python3}
data=${FASHION_DIR:-/usr/share/datasets/fashion-mnist}

if ! "$py" -c 'import torch, numpy' 2>/dev/null; then
  echo "peak_rss_vs_torch: $py cannot import torch and numpy; install them with:" \
       "apt-get install python3-torch python3-numpy" >&2
  exit 1
fi
if [[ ! -x /usr/bin/time ]]; then
  echo "peak_rss_vs_torch: /usr/bin/time is missing (apt-get install time)" >&2
  exit 1
fi
bin=$build/nash
if [[ ! -x $bin ]]; then
  echo "peak_rss_vs_torch: building nash in $build" >&2
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" -j2 --target nash_cli >&2
fi

export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive} OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Peak RSS in KiB of a command (its output kept in $tmp/log).
peak_kib() {
  if ! /usr/bin/time -v -o "$tmp/time.txt" "$@" >"$tmp/log" 2>&1; then
    cat "$tmp/log" >&2
    echo "peak_rss_vs_torch: failed: $*" >&2
    exit 1
  fi
  awk -F': ' '/Maximum resident set size/ {print $2}' "$tmp/time.txt"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
rows=()
for case in "gan 300" "dcgan 20"; do
  read -r model steps <<<"$case"
  echo "peak_rss_vs_torch: $model, $steps steps: nash" >&2
  nash_kib=$(peak_kib "$bin" train --data "$data" --model "$model" --steps "$steps" --threads 1 \
             --out "$tmp/nash-$model")
  echo "peak_rss_vs_torch: $model, $steps steps: PyTorch" >&2
  torch_kib=$(peak_kib "$py" "$root/scripts/peak_rss_vs_torch.py" --model "$model" \
              --steps "$steps" --data "$data" --threads 1 --out "$tmp/torch-$model")
  rows+=("$model $steps $nash_kib $torch_kib")
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

torch_version=$("$py" -c 'import torch; print(torch.__version__)')
echo "# peak RSS of a whole run, 1 thread, batch 64, Fashion-MNIST; nash vs PyTorch $torch_version" \
     "(CPU); load average $load_before before, $load_after after"
printf '%-6s %6s %10s %10s %18s\n' model steps nash_MiB torch_MiB 'ratio(nash/torch)'
for row in "${rows[@]}"; do
  read -r model steps n t <<<"$row"
  awk -v m="$model" -v s="$steps" -v n="$n" -v t="$t" \
    'BEGIN { printf "%-6s %6d %10.1f %10.1f %18.2f\n", m, s, n / 1024, t / 1024, n / t }'
done
