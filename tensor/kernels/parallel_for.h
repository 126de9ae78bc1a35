// parallel_for: f(i) for i in [0, n), on the configured threads when `parallel` is true, else in
// a plain loop. The plain loop matters: libgomp allocates (and frees) a team for every parallel
// region it enters, even one an if() clause serialises, so `#pragma omp parallel for if (small)`
// costs a malloc per call on one thread. Iterations are independent: results do not depend on
// which path runs.
#pragma once
#include <cstdint>

namespace nash::kernels {

template <class F>
void parallel_for(int64_t n, bool parallel, int threads, F&& f) {
  if (parallel && threads > 1) {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t i = 0; i < n; ++i) f(i);
  } else {
    for (int64_t i = 0; i < n; ++i) f(i);
  }
}

}  // namespace nash::kernels
