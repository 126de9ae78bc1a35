#!/usr/bin/env bash
# Installs the Debian 12 packages nash needs (only the missing ones), then configures and builds
# nash in ./build (Release, -j2). Idempotent: run it again after editing code.
# Usage: scripts/setup.sh [extra cmake -D options...]
set -euo pipefail
cd "$(dirname "$0")/.."

# libpng-dev, libjpeg-dev: image folders (optional in CMake); python3-numpy: the reference the
# feature-metric tests compare against (they skip without it); graphviz: nash explain's SVG;
# libopenmpi-dev + openmpi-bin: optional (data-parallel `mpirun -np N nash train`; nash builds
# without them and its mpirun tests are then skipped).
packages=(build-essential cmake libxsimd-dev xtl-dev catch2 libbenchmark-dev zlib1g-dev
          dataset-fashion-mnist libpng-dev libjpeg-dev python3-numpy graphviz
          libopenmpi-dev openmpi-bin
          libopenblas-dev)  # OpenBLAS: the reference in bench_gemm only (never linked by the library)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

build_dir=${NASH_BUILD_DIR:-build}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
# NASH_BUILD_TARGETS (e.g. nash_cli) builds only those targets; by default everything.
read -r -a targets <<< "${NASH_BUILD_TARGETS:-}"
cmake --build "$build_dir" -j2 ${targets[@]+--target "${targets[@]}"}
