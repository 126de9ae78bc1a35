#!/usr/bin/env bash
# AddressSanitizer + LeakSanitizer + UndefinedBehaviorSanitizer run of a part of the test suite
# (default: the autograd tests: graphs must be freed, no cycles of shared ownership).
# Builds the library and the chosen tests with -fsanitize=address,undefined in ./build-asan and
# fails on any report (a leak, a bad access or undefined behaviour) or failing test.
#
#   scripts/sanitize.sh               # tests/autograd
#   scripts/sanitize.sh autograd nn   # more subdirectories of tests/
#
# -O1 -g1 with assertions on: xsimd's AVX-512 code does not build at -O0 with GCC 12, and at -O2
# GCC 12 takes over ten minutes to instrument the GEMM's unrolled kernels (14 s at -O1); -O1 also
# makes libstdc++'s std::regex raise false -Wmaybe-uninitialized warnings, silenced.
# detect_stack_use_after_return stays off (GCC's default): with it, GCC 12's fake stack frames
# crash a plain test function (a SEGV in its own initializer_list, no ASan report) that runs
# clean without it.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${NASH_ASAN_BUILD_DIR:-build-asan}"
dirs="${*:-autograd}"
jobs="${NASH_JOBS:-$(nproc)}"

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -Wno-maybe-uninitialized" \
  -DNASH_SANITIZE=ON \
  -DNASH_BUILD_BENCH=OFF -DNASH_BUILD_EXAMPLES=OFF "-DNASH_TEST_DIRS=${dirs// /;}" >/dev/null
cmake --build "$build" -j "$jobs" --target nash_tests

export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export OMP_WAIT_POLICY=passive
echo "sanitize.sh: running tests/{${dirs// /,}} under ASan+LSan+UBSan"
"$build/tests/nash_tests" --use-colour no
