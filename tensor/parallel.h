// The thread count every parallel kernel uses (GEMM, convolutions). Results never depend on it:
// kernels split work so that each output element is reduced in a fixed order.
#pragma once

namespace nash {
void set_num_threads(int n);  // n >= 1; default: hardware concurrency (or NASH_NUM_THREADS)
int get_num_threads();  // 1 when called inside a parallel region (tensor/thread_pool.h)
}  // namespace nash
