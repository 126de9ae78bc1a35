// The feature-set metrics at evaluation sizes: N = M real and fake features of D = 128 (the
// Fashion-MNIST classifier's width). KID with torch-fidelity's defaults (100 subsets of 1000).
//   build/bench/bench_feature_metrics --benchmark_min_time=0.01   (one iteration each)
#include <benchmark/benchmark.h>

#include "gan/metrics/feature_metrics.h"
#include "gan/metrics/frechet.h"
#include "tensor/ops.h"

using namespace nash;

namespace {
struct Sets {
  Tensor real, fake;
  explicit Sets(int64_t n) {
    Rng rng(1);
    real = normal({n, 128}, 0, 1, rng);
    fake = add(normal({n, 128}, 0, 1.1, rng), 0.1);
  }
};
}  // namespace

static void BM_precision_recall(benchmark::State& state) {
  Sets s(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(gan::precision_recall(s.real, s.fake));
}
BENCHMARK(BM_precision_recall)->Arg(2000)->Arg(10000)->Unit(benchmark::kMillisecond);

static void BM_density_coverage(benchmark::State& state) {
  Sets s(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(gan::density_coverage(s.real, s.fake));
}
BENCHMARK(BM_density_coverage)->Arg(2000)->Arg(10000)->Unit(benchmark::kMillisecond);

static void BM_kid(benchmark::State& state) {
  Sets s(state.range(0));
  Rng rng(2);
  for (auto _ : state) benchmark::DoNotOptimize(gan::kernel_inception_distance(s.real, s.fake, rng));
}
BENCHMARK(BM_kid)->Arg(10000)->Unit(benchmark::kMillisecond);

static void BM_frechet(benchmark::State& state) {
  Sets s(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(gan::frechet_distance(s.real, s.fake));
}
BENCHMARK(BM_frechet)->Arg(10000)->Unit(benchmark::kMillisecond);

static void BM_feature_metrics(benchmark::State& state) {
  Sets s(state.range(0));
  Rng rng(3);
  for (auto _ : state) benchmark::DoNotOptimize(gan::feature_metrics(s.real, s.fake, rng));
}
BENCHMARK(BM_feature_metrics)->Arg(10000)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
