// parallel_for: f(i) for i in [0, n), split into contiguous ranges over the configured threads
// (tensor/thread_pool.h) when `parallel` is true, else in a plain loop. Iterations are
// independent: results do not depend on which path runs.
#pragma once
#include <cstdint>

#include "tensor/thread_pool.h"

namespace nash::kernels {

template <class F>
void parallel_for(int64_t n, bool parallel, int threads, F&& f) {
  if (parallel && threads > 1 && n > 1) {
    parallel_region(static_cast<int>(threads < n ? threads : n), [&](int t, int nt) {
      const auto [i0, i1] = static_range(n, t, nt);
      for (int64_t i = i0; i < i1; ++i) f(i);
    });
  } else {
    for (int64_t i = 0; i < n; ++i) f(i);
  }
}

}  // namespace nash::kernels
