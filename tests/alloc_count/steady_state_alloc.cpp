// Counts every heap allocation a steady-state training step makes: this program replaces the C
// allocator (malloc, calloc, realloc, aligned_alloc, posix_memalign, memalign), which operator
// new, std::vector, std::shared_ptr, std::function and Storage all end in, and mmap (Storage maps
// large blocks directly), and counts calls made while a step runs. It is its own executable because replacing the allocator is process-wide.
//
//   steady_state_alloc gan            # exit 0 when 3 steps after warm-up allocate nothing
//   steady_state_alloc gan --ema      # the same with G's weight average and the rate decay on
//   steady_state_alloc --self-check   # exit 0 when the hook counts an allocation it is shown
//   NASH_ALLOC_TRACE=1 steady_state_alloc dcgan   # prints a backtrace of each allocation
//
// The run is the model's configuration as bench/bench_gan_step.cpp times it (constant rates, no
// weight average; --ema keeps the model's defaults) on synthetic Fashion-MNIST-shaped data held
// as bytes (as the real data set is), batch 64, one thread; warm-up covers optimiser state, the
// storage cache and the graph pools.
#include <execinfo.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "gan/run.h"
#include "tensor/parallel.h"
#include "tensor/random.h"

extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
void __libc_free(void*);
}

namespace {
std::atomic<bool> g_armed{false};
std::atomic<long> g_count{0};
bool g_trace = false;
thread_local bool t_in_trace = false;

void note() {
  if (!g_armed.load(std::memory_order_relaxed)) return;
  g_count.fetch_add(1, std::memory_order_relaxed);
  if (g_trace && !t_in_trace) {
    t_in_trace = true;
    void* frames[32];
    int n = backtrace(frames, 32);
    const char sep[] = "---- allocation\n";
    if (write(2, sep, sizeof sep - 1) < 0) {}
    backtrace_symbols_fd(frames, n, 2);
    t_in_trace = false;
  }
}
}  // namespace

extern "C" {
void* malloc(size_t n) {
  note();
  return __libc_malloc(n);
}
void* calloc(size_t k, size_t n) {
  note();
  return __libc_calloc(k, n);
}
void* realloc(void* p, size_t n) {
  note();
  return __libc_realloc(p, n);
}
void* aligned_alloc(size_t a, size_t n) {
  note();
  return __libc_memalign(a, n);
}
void* memalign(size_t a, size_t n) {
  note();
  return __libc_memalign(a, n);
}
int posix_memalign(void** out, size_t a, size_t n) {
  note();
  void* p = __libc_memalign(a, n);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}
void free(void* p) { __libc_free(p); }
void* mmap(void* addr, size_t n, int prot, int flags, int fd, off_t off) noexcept {
  note();
  return reinterpret_cast<void*>(syscall(SYS_mmap, addr, n, prot, flags, fd, off));
}
}

namespace {
using namespace nash;
using namespace nash::gan;

constexpr int64_t kBatch = 64;
constexpr int64_t kPool = 64 * kBatch;  // 64 batches an epoch: the measured steps stay inside one
constexpr int kWarmupSteps = 3;
constexpr int kMeasuredSteps = 3;

std::unique_ptr<Run> make_run(const std::string& model, bool defaults) {
  RunConfig c = default_config("fashion-mnist", model);
  if (!defaults) {
    c.decay_start = 1.0;
    c.ema = 0.0;
  }
  c.seed = 1;
  c.batch = kBatch;
  c.image_size = 28;
  c.channels = 1;
  c.num_classes = 10;
  Rng rng(1);
  ByteImages bytes;
  bytes.shape = {kPool, 1, 28, 28};
  bytes.pixels.resize(static_cast<size_t>(kPool * 28 * 28));
  for (auto& b : bytes.pixels) b = static_cast<uint8_t>(rng.next_u32() & 0xff);
  Tensor labels = randint({kPool}, 0, 10, rng);
  return std::make_unique<Run>(c, image_source(std::move(bytes), c.conditional() ? labels : Tensor(),
                                               kBatch, 1));
}

// The hook must see what it is meant to catch, or a 0 below proves nothing.
int self_check() {
  g_count = 0;
  g_armed = true;
  static int* volatile kept;  // stored, so the compiler cannot elide the new/delete pair
  kept = new int[100];        // operator new: one allocation
  void* volatile p = std::aligned_alloc(64, 4096);
  void* m = mmap(nullptr, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  g_armed = false;
  delete[] kept;
  std::free(p);
  munmap(m, 1 << 20);
  const long seen = g_count.load();
  std::printf("self-check: %ld allocations counted (expected 3)\n", seen);
  return seen == 3 ? 0 : 1;
}
}  // namespace

int main(int argc, char** argv) {
  try {
    const bool defaults = argc == 3 && std::string(argv[2]) == "--ema";
    if (argc != 2 && !defaults) {
      std::fprintf(stderr, "usage: steady_state_alloc <gan|cgan|wgan-gp|dcgan> [--ema] | --self-check\n");
      return 2;
    }
    const std::string model = argv[1];
    if (model == "--self-check") return self_check();
    g_trace = std::getenv("NASH_ALLOC_TRACE") != nullptr;
    set_num_threads(1);
    std::unique_ptr<Run> run = make_run(model, defaults);
    for (int i = 0; i < kWarmupSteps; ++i) run->step();
    g_count = 0;
    g_armed = true;
    for (int i = 0; i < kMeasuredSteps; ++i) run->step();
    g_armed = false;
    const long count = g_count.load();
    std::printf("%s%s: %ld heap allocations in %d steady-state steps (%.1f per step)\n", model.c_str(),
                defaults ? " (EMA, rate decay)" : "", count, kMeasuredSteps,
                static_cast<double>(count) / kMeasuredSteps);
    return count == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    g_armed = false;
    std::fprintf(stderr, "steady_state_alloc: %s\n", e.what());
    return 1;
  }
}
