// Tensor core throughput at 1M float32 elements, in bytes/s (bytes read + written), against a
// plain memcpy into a preallocated buffer as the bandwidth reference. The ops are called as a
// user calls them: each iteration allocates its output (Storage's block cache makes that cheap).
// scripts/bench_tensor_ratios.sh prints each case's ratio to the copy.
// Every case here runs on one thread (1M elements is below kernels::kParallelMin), so rates use
// Google Benchmark's default CPU time of that thread, which stays meaningful on a busy machine.
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "tensor/ops.h"
#include "tensor/random.h"

namespace {
constexpr int64_t kN = int64_t{1} << 20;  // elements per operand
constexpr int64_t kBytes = kN * 4;

nash::Tensor input(uint64_t seed, nash::Shape shape = {kN}) {
  nash::Rng rng(seed);
  return nash::uniform(shape, -2.0, 2.0, rng);
}

void BM_copy(benchmark::State& state) {  // the reference: read 4 MB, write 4 MB
  std::vector<float> src(kN, 1.0f), dst(kN);
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), kBytes);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * 2 * kBytes);
}

void BM_add(benchmark::State& state) {
  const nash::Tensor a = input(1), b = input(2);
  for (auto _ : state) benchmark::DoNotOptimize(nash::add(a, b));
  state.SetBytesProcessed(state.iterations() * 3 * kBytes);
}

void BM_mul(benchmark::State& state) {
  const nash::Tensor a = input(1), b = input(2);
  for (auto _ : state) benchmark::DoNotOptimize(nash::mul(a, b));
  state.SetBytesProcessed(state.iterations() * 3 * kBytes);
}

void BM_exp(benchmark::State& state) {
  const nash::Tensor a = input(1);
  for (auto _ : state) benchmark::DoNotOptimize(nash::exp(a));
  state.SetBytesProcessed(state.iterations() * 2 * kBytes);
}

void BM_tanh(benchmark::State& state) {
  const nash::Tensor a = input(1);
  for (auto _ : state) benchmark::DoNotOptimize(nash::tanh(a));
  state.SetBytesProcessed(state.iterations() * 2 * kBytes);
}

void BM_broadcast_add(benchmark::State& state) {  // [N, D] + [D], N = D = 1024
  const nash::Tensor a = input(1, {1024, 1024}), b = input(2, {1024});
  for (auto _ : state) benchmark::DoNotOptimize(nash::add(a, b));
  state.SetBytesProcessed(state.iterations() * (2 * kBytes + 1024 * 4));
}

void BM_sum(benchmark::State& state) {  // full reduction: read 4 MB
  const nash::Tensor a = input(1);
  for (auto _ : state) benchmark::DoNotOptimize(nash::sum(a));
  state.SetBytesProcessed(state.iterations() * kBytes);
}
}  // namespace

BENCHMARK(BM_copy)->MinTime(0.5);
BENCHMARK(BM_add)->MinTime(0.5);
BENCHMARK(BM_mul)->MinTime(0.5);
BENCHMARK(BM_exp)->MinTime(0.5);
BENCHMARK(BM_tanh)->MinTime(0.5);
BENCHMARK(BM_broadcast_add)->MinTime(0.5);
BENCHMARK(BM_sum)->MinTime(0.5);
BENCHMARK_MAIN();
