// sgemm throughput (counter GFLOPS = 2*M*N*K / time) of nash::gemm and, when built with
// NASH_HAVE_OPENBLAS, of OpenBLAS's cblas_sgemm on the same cases in the same binary.
// Cases: square 64..2048 and the GAN shapes (M, N, K), layouts NN / NT / TN, 1 and 2 threads.
// Names: sgemm/<lib>/<layout>/<M>x<N>x<K>/threads:<t>  (scripts/gemm_vs_openblas.sh parses them).
// Counters: GFLOPS (mean over the run) and GFLOPS_best (the fastest single call, which a
// busy shared machine disturbs far less).
// fma_peak: the core's FMA throughput (independent FMA chains on full-width vector registers,
// nothing read from memory), the ceiling the script's "% of peak" column divides by.
// guard_fired (counter on every nash case): how many times GEMM's oversubscription guard
// (tensor/gemm.cpp) put GEMM on one thread during that case; nonzero means the 2-thread
// figure measured the guard, not the split.
// All nash cases are registered before all OpenBLAS cases: each library's idle worker threads
// spin for a while after a call, so interleaving the two would make them steal each other's cores.
#include <benchmark/benchmark.h>

#include <xsimd/xsimd.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "tensor/gemm.h"
#include "tensor/parallel.h"

#ifdef NASH_HAVE_OPENBLAS
#include <cblas.h>
#endif

namespace {

struct Case {
  int64_t M, N, K;
};

const Case kCases[] = {
    {64, 64, 64},     {128, 128, 128},   {256, 256, 256},  {512, 512, 512},
    {1024, 1024, 1024}, {2048, 2048, 2048},  // square
    {64, 256, 100},   {64, 1024, 512},   {64, 784, 1024},  {64, 512, 784},  // GAN, batch 64
    {784, 1024, 64},                                                        // weight gradient
};

enum class Lib { kNash, kOpenBlas };

// kChains independent chains acc = acc * x + y on float vectors: two FMA pipes with a 4-cycle
// latency need 8 in flight; 16 leave room. The empty asm keeps the compiler from folding the
// loop; it emits no instruction.
constexpr int kChains = 16;
using FVec = xsimd::batch<float>;

__attribute__((noinline)) float fma_chains(int64_t iters) {
  FVec acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = FVec(1.f + 1e-3f * c);
  FVec x(0.9999f), y(1e-4f);
  for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 16
    for (int c = 0; c < kChains; ++c) acc[c] = xsimd::fma(acc[c], x, y);
    auto r = x.data;
    asm volatile("" : "+v"(r));
    x = FVec(r);
  }
  FVec s = acc[0];
  for (int c = 1; c < kChains; ++c) s += acc[c];
  return xsimd::hadd(s);
}

// Counter GFLOPS_best: the fastest run of 20000 iterations (~0.1 ms), which a busy machine
// rarely interrupts; GFLOPS: the mean.
void bm_fma_peak(benchmark::State& state) {
  constexpr int64_t kIters = 20000;
  double fastest = 1e30;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(fma_chains(kIters));
    fastest = std::min(
        fastest, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  const double gflop = 2.0 * kChains * FVec::size * kIters * 1e-9;
  state.counters["GFLOPS"] = benchmark::Counter(
      gflop * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["GFLOPS_best"] = gflop / fastest;
}

struct Operands {
  std::vector<float> a, b, c;
};

// Operands with values in [-1, 1); op(A) is M x K, op(B) is K x N, C is M x N, all dense.
Operands make_operands(const Case& s) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  Operands o{std::vector<float>(s.M * s.K), std::vector<float>(s.K * s.N),
             std::vector<float>(s.M * s.N, 0.f)};
  for (float& x : o.a) x = dist(rng);
  for (float& x : o.b) x = dist(rng);
  return o;
}

void run_gemm(Lib lib, bool ta, bool tb, const Case& s, Operands& o) {
  const int64_t lda = ta ? s.M : s.K, ldb = tb ? s.K : s.N;
  if (lib == Lib::kNash) {
    nash::gemm::sgemm(ta, tb, s.M, s.N, s.K, 1.f, o.a.data(), lda, o.b.data(), ldb, 0.f,
                      o.c.data(), s.N);
    return;
  }
#ifdef NASH_HAVE_OPENBLAS
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
              static_cast<int>(s.M), static_cast<int>(s.N), static_cast<int>(s.K), 1.f,
              o.a.data(), static_cast<int>(lda), o.b.data(), static_cast<int>(ldb), 0.f,
              o.c.data(), static_cast<int>(s.N));
#endif
}

void bm_sgemm(benchmark::State& state, Lib lib, bool ta, bool tb, Case s, int threads) {
  if (lib == Lib::kNash) nash::set_num_threads(threads);
#ifdef NASH_HAVE_OPENBLAS
  else openblas_set_num_threads(threads);
#endif
  Operands o = make_operands(s);
  // Firings counted from before the warm-up (one then serialises the whole case), plus a
  // guard already serialising when the case starts (it fired during the previous case).
  const nash::gemm::GuardState guard_before = nash::gemm::oversubscription_guard();
  run_gemm(lib, ta, tb, s, o);  // warm-up: page faults, packing buffers, thread pool
  double fastest = 1e30;        // seconds, the fastest single call
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    run_gemm(lib, ta, tb, s, o);
    benchmark::DoNotOptimize(o.c.data());
    benchmark::ClobberMemory();
    fastest = std::min(
        fastest, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  const double gflop = 2.0 * static_cast<double>(s.M * s.N * s.K) * 1e-9;
  state.counters["GFLOPS"] = benchmark::Counter(
      gflop * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  // On a shared machine the mean is dragged down by preemption; the fastest call is not.
  state.counters["GFLOPS_best"] = gflop / fastest;
  if (lib == Lib::kNash)
    state.counters["guard_fired"] = static_cast<double>(
        nash::gemm::oversubscription_guard().times_fired - guard_before.times_fired +
        (guard_before.serial_now ? 1 : 0));
}

void register_all(Lib lib) {
  const char* lib_name = lib == Lib::kNash ? "nash" : "openblas";
  struct Layout {
    const char* name;
    bool ta, tb;
  };
  const Layout layouts[] = {{"NN", false, false}, {"NT", false, true}, {"TN", true, false}};
  for (const Case& s : kCases)
    for (const Layout& l : layouts)
      for (int threads : {1, 2}) {
        const std::string name = std::string("sgemm/") + lib_name + "/" + l.name + "/" +
                                 std::to_string(s.M) + "x" + std::to_string(s.N) + "x" +
                                 std::to_string(s.K) + "/threads:" + std::to_string(threads);
        auto* b = benchmark::RegisterBenchmark(name.c_str(), bm_sgemm, lib, l.ta, l.tb, s,
                                               threads);
        b->UseRealTime()->Unit(benchmark::kMicrosecond);
        if (s.M * s.N * s.K >= int64_t{2048} * 2048 * 2048)
          b->Iterations(3);  // ~70 ms a call: a few are enough
        else
          b->MinTime(0.1);
      }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::RegisterBenchmark("fma_peak", bm_fma_peak)->MinTime(0.2)->UseRealTime();
  register_all(Lib::kNash);
#ifdef NASH_HAVE_OPENBLAS
  register_all(Lib::kOpenBlas);
  benchmark::AddCustomContext("openblas_core", openblas_get_corename());
  benchmark::AddCustomContext("openblas_config", openblas_get_config());
#endif
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
