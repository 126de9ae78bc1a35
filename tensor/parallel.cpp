// Process-wide thread count for nash's parallel kernels.
#include "tensor/parallel.h"

#include <atomic>
#include <cstdlib>
#include <thread>

#include "tensor/error.h"
#include "tensor/thread_pool.h"

namespace nash {
namespace {
int default_threads() {
  if (const char* env = std::getenv("NASH_NUM_THREADS")) {
    int n = std::atoi(env);
    if (n >= 1) return n;
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}
std::atomic<int> g_threads{default_threads()};
}  // namespace

void set_num_threads(int n) {
  NASH_CHECK(n >= 1, "set_num_threads: expected n >= 1, got ", n);
  g_threads = n;
}
// Inside a parallel region (a kernel that already splits its work between threads) the
// kernels it calls run on their calling thread.
int get_num_threads() { return in_parallel_region() ? 1 : g_threads.load(); }
}  // namespace nash
