#!/usr/bin/env bash
# Quick start, command 2: install what is missing, build, and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh "$@"
# ctest runs two test programs at once on 2 cores: OpenMP threads that spin at barriers would
# fight each other, so waiting threads sleep instead (benchmarks keep the spinning default).
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
ctest --test-dir "${NASH_BUILD_DIR:-build}" --output-on-failure -j2 --timeout 900
