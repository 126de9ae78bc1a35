// nash's worker threads: every parallel kernel (GEMM, convolutions, elementwise passes) runs its
// threads here instead of in OpenMP teams.
//
// Why not OpenMP: a training step runs hundreds of short parallel regions, milliseconds apart
// at most. With OMP_WAIT_POLICY=passive (what a shared machine needs, see scripts/) libgomp puts
// its helpers to sleep at the end of every region and wakes them with a futex at the next: tens
// of microseconds each, which ate the second thread's gain on an MLP GAN step (10.6 ms on two
// threads against 11.0 on one, Zen 5). Active waiting spins without bound and starves other
// processes. These workers spin for a bounded time after each region (NASH_SPIN_US, default
// 200 microseconds: the gaps inside a step), then sleep on a condition variable.
//
//   parallel_region(n, f): f(t, n) for t in [0, n), the caller running t = 0; returns when all
//   have returned, rethrowing the first exception. Regions do not nest: inside one (and on a
//   thread that finds the pool busy with another caller's region) every t runs on the calling
//   thread, in order, and get_num_threads() is 1 there. Kernels split work so that results do
//   not depend on which thread runs what.
#pragma once
#include <cstdint>
#include <type_traits>
#include <utility>

namespace nash {

namespace detail {
using RegionFn = void (*)(void* ctx, int t, int n);
void run_region(int n, RegionFn fn, void* ctx);
}  // namespace detail

template <class F>
void parallel_region(int n, F&& f) {
  using Fn = std::remove_reference_t<F>;
  detail::run_region(
      n, [](void* ctx, int t, int nt) { (*static_cast<Fn*>(ctx))(t, nt); },
      const_cast<void*>(static_cast<const void*>(&f)));
}

// [begin, end) of thread t of n over count items: contiguous, as equal as can be.
inline std::pair<int64_t, int64_t> static_range(int64_t count, int t, int n) {
  return {count * t / n, count * (t + 1) / n};
}

// Whether the calling thread is inside a parallel region (nash's or OpenMP's).
bool in_parallel_region();

}  // namespace nash
