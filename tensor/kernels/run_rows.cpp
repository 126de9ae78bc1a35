// Parallel chunking for kernels::run_rows: chunks of a fixed number of elements (a multiple of
// every SIMD width), so which elements take the vector body never depends on the thread count.
#include <algorithm>

#include "tensor/kernels/elementwise.h"
#include "tensor/kernels/parallel_for.h"
#include "tensor/parallel.h"

namespace nash::kernels {

void run_rows_parallel(int64_t rows, int64_t n, void* ctx,
                       void (*chunk)(void*, int64_t, int64_t, int64_t, int64_t)) {
  const int nt = get_num_threads();
  if (n >= kParallelGrain) {  // long rows: split each row into column chunks
    const int64_t per_row = (n + kParallelGrain - 1) / kParallelGrain;
    const int64_t total = rows * per_row;
    parallel_for(total, nt > 1, nt, [&](int64_t c) {
      const int64_t r = c / per_row, k = c % per_row;
      chunk(ctx, r, r + 1, k * kParallelGrain, std::min(n, (k + 1) * kParallelGrain));
    });
  } else {  // short rows: groups of whole rows
    const int64_t rows_per = std::max<int64_t>(1, kParallelGrain / n);
    const int64_t total = (rows + rows_per - 1) / rows_per;
    parallel_for(total, nt > 1, nt,
                 [&](int64_t c) { chunk(ctx, c * rows_per, std::min(rows, (c + 1) * rows_per), 0, n); });
  }
}

}  // namespace nash::kernels
