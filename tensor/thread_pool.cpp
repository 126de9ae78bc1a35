// The worker pool behind parallel_region (see tensor/thread_pool.h).
//
// One region at a time: the caller publishes the job (fn, ctx, n), then writes the region's
// epoch into the slot of each worker it needs (workers 0 .. n-2 run t = 1 .. n-1); each of them
// runs fn(ctx, t, n) and decrements `pending_`; the caller runs t = 0 and waits for `pending_`
// to reach 0. A worker whose slot stays unchanged for NASH_SPIN_US microseconds sleeps on
// `wake_`; the caller takes the mutex and notifies only when one is asleep (`sleepers_`). Slot
// store / sleepers load on one side and sleepers increment / slot load on the other are
// sequentially consistent, so a worker going to sleep either sees its new slot or is woken.
#include "tensor/thread_pool.h"

#include <omp.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace nash {
namespace {

thread_local bool t_in_region = false;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

std::chrono::microseconds spin_time() {
  if (const char* env = std::getenv("NASH_SPIN_US")) {
    char* end = nullptr;
    const long us = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && us >= 0) return std::chrono::microseconds(us);
  }
  return std::chrono::microseconds(200);
}

// f(t, n) for every t on the calling thread, in order, marked as inside a region.
void run_here(int n, detail::RegionFn fn, void* ctx) {
  struct Restore {
    bool outer;
    ~Restore() { t_in_region = outer; }
  } restore{t_in_region};
  t_in_region = true;
  for (int t = 0; t < n; ++t) fn(ctx, t, n);
}

class Pool {
 public:
  static constexpr int kMaxWorkers = 255;

  static Pool& instance() {
    // Never destroyed: workers may still be parked on its members while the process exits.
    static Pool* pool = new Pool;
    return *pool;
  }

  void run(int n, detail::RegionFn fn, void* ctx) {
    std::unique_lock<std::mutex> busy(run_mutex_, std::try_to_lock);
    if (!busy.owns_lock()) return run_here(n, fn, ctx);  // another thread's region is on
    const int workers = std::min(n - 1, kMaxWorkers);
    grow(workers);
    fn_ = fn;
    ctx_ = ctx;
    n_ = n;
    error_ = nullptr;
    pending_.store(workers, std::memory_order_relaxed);
    ++epoch_;
    for (int w = 0; w < workers; ++w) slots_[w].go.store(epoch_, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) > 0) {
      std::lock_guard<std::mutex> lock(sleep_mutex_);
      wake_.notify_all();
    }
    {
      struct Restore {
        ~Restore() { t_in_region = false; }
      } restore;
      t_in_region = true;
      try {
        fn(ctx, 0, n);
        for (int t = workers + 1; t < n; ++t) fn(ctx, t, n);  // more threads than workers
      } catch (...) {
        record(std::current_exception());
      }
    }
    for (int spins = 0; pending_.load(std::memory_order_acquire) != 0; ++spins) {
      if (spins < 4096)
        cpu_relax();
      else
        std::this_thread::yield();  // a worker was descheduled: let it run
    }
    if (error_) std::rethrow_exception(error_);
  }

 private:
  struct alignas(64) Slot {
    std::atomic<uint64_t> go{0};  // the epoch of the last region this worker was given
  };

  Pool() : spin_(spin_time()) {
    pthread_atfork(nullptr, nullptr, [] { instance().after_fork(); });
  }

  // A forked child has none of the parent's threads: it starts its own when it needs them.
  void after_fork() {
    started_ = 0;
    sleepers_.store(0);
    pending_.store(0);
    new (&run_mutex_) std::mutex;
    new (&sleep_mutex_) std::mutex;
    new (&error_mutex_) std::mutex;
    new (&wake_) std::condition_variable;
    for (Slot& s : slots_) s.go.store(epoch_);
  }

  void grow(int workers) {
    for (; started_ < workers; ++started_) {
      Slot& slot = slots_[started_];
      slot.go.store(epoch_, std::memory_order_relaxed);
      std::thread([this, w = started_, seen = epoch_] { work(w, seen); }).detach();
    }
  }

  void record(std::exception_ptr e) {
    std::lock_guard<std::mutex> lock(error_mutex_);
    if (!error_) error_ = e;
  }

  // Worker w runs thread index w + 1 of each region it is given.
  void work(int w, uint64_t seen) {
    t_in_region = true;  // kernels called from a worker run on it alone
    Slot& slot = slots_[w];
    for (;;) {
      seen = wait_for_work(slot, seen);
      try {
        fn_(ctx_, w + 1, n_);
      } catch (...) {
        record(std::current_exception());
      }
      pending_.fetch_sub(1, std::memory_order_acq_rel);
    }
  }

  uint64_t wait_for_work(Slot& slot, uint64_t seen) {
    using Clock = std::chrono::steady_clock;
    const Clock::time_point until = Clock::now() + spin_;
    for (int spins = 0;; ++spins) {
      const uint64_t e = slot.go.load(std::memory_order_acquire);
      if (e != seen) return e;
      if ((spins & 63) == 63 && Clock::now() >= until) break;
      cpu_relax();
    }
    std::unique_lock<std::mutex> lock(sleep_mutex_);
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    uint64_t e = seen;
    wake_.wait(lock, [&] { return (e = slot.go.load(std::memory_order_seq_cst)) != seen; });
    sleepers_.fetch_sub(1, std::memory_order_relaxed);
    return e;
  }

  const std::chrono::microseconds spin_;
  std::mutex run_mutex_, sleep_mutex_, error_mutex_;
  std::condition_variable wake_;
  Slot slots_[kMaxWorkers];
  std::atomic<int> pending_{0}, sleepers_{0};
  // Guarded by run_mutex_: the region count and the workers started.
  uint64_t epoch_ = 0;
  int started_ = 0;
  // The current job, written by the caller before the slots are set (seq_cst stores) and read
  // by the workers after they see their slot change.
  detail::RegionFn fn_ = nullptr;
  void* ctx_ = nullptr;
  int n_ = 0;
  std::exception_ptr error_;
};

}  // namespace

namespace detail {
void run_region(int n, RegionFn fn, void* ctx) {
  if (n <= 1 || t_in_region || omp_in_parallel()) return run_here(n, fn, ctx);
  Pool::instance().run(n, fn, ctx);
}
}  // namespace detail

bool in_parallel_region() { return t_in_region || omp_in_parallel(); }

}  // namespace nash
