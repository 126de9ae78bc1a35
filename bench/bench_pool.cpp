// max_pool2d / avg_pool2d forward and backward on the Fashion-MNIST CNN's shapes (batch 64,
// float32), next to a plain 2x2 max loop (values only, no indices) as the floor to read against.
//
//   NASH_NUM_THREADS=1 ./build/bench/bench_pool --benchmark_min_time=0.2
// Counter: in_GB/s = the input plane bytes (x for forwards, dx for backwards) per second.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tensor/creation.h"
#include "tensor/ops.h"
#include "tensor/pool.h"
#include "tensor/random.h"

namespace {

using nash::Tensor;
using A2 = std::array<int64_t, 2>;

struct PoolCase {
  const char* name;
  int64_t N, C, H, W, k, s, p;
};

// pool1/pool2: the classifier's two 2x2 pools after ReLU; k3s2p1: an overlapping padded pool.
const std::vector<PoolCase>& cases() {
  static const std::vector<PoolCase> v = {
      {"pool1_32x28x28_k2s2", 64, 32, 28, 28, 2, 2, 0},
      {"pool2_64x14x14_k2s2", 64, 64, 14, 14, 2, 2, 0},
      {"32x28x28_k3s2p1", 64, 32, 28, 28, 3, 2, 1},
      {"32x27x27_k3s1p1", 64, 32, 27, 27, 3, 1, 1},
  };
  return v;
}

int64_t out_size(int64_t in, const PoolCase& c) { return (in + 2 * c.p - c.k) / c.s + 1; }

// ReLU-like input: half the values 0, as after the classifier's activations.
Tensor input(const PoolCase& c) {
  nash::Rng rng(3);
  return nash::relu(nash::normal({c.N, c.C, c.H, c.W}, 0, 1, rng));
}

void set_rate(benchmark::State& st, const PoolCase& c) {
  st.counters["in_GB/s"] = benchmark::Counter(double(c.N * c.C * c.H * c.W * 4) / 1e9,
                                              benchmark::Counter::kIsIterationInvariantRate);
}

// what: 0 max forward, 1 max backward, 2 avg forward, 3 avg backward.
void bm_pool(benchmark::State& st, PoolCase c, int what) {
  const Tensor x = input(c);
  const A2 k{c.k, c.k}, s{c.s, c.s}, p{c.p, c.p};
  const nash::MaxPoolResult m = nash::max_pool2d(x, k, s, p);
  const Tensor dy = nash::ones_like(m.values);
  for (auto _ : st) {
    if (what == 0) benchmark::DoNotOptimize(nash::max_pool2d(x, k, s, p));
    if (what == 1) benchmark::DoNotOptimize(nash::max_pool2d_backward(dy, m.indices, x.shape()));
    if (what == 2) benchmark::DoNotOptimize(nash::avg_pool2d(x, k, s, p));
    if (what == 3) benchmark::DoNotOptimize(nash::avg_pool2d_backward(dy, x.shape(), k, s, p));
  }
  set_rate(st, c);
}

// The floor: y = max of each 2x2 block, values only, one plain loop over contiguous planes.
void bm_plain_max2x2(benchmark::State& st, PoolCase c) {
  const Tensor x = input(c);
  const int64_t OH = out_size(c.H, c), OW = out_size(c.W, c), planes = c.N * c.C;
  std::vector<float> y(planes * OH * OW);
  const float* xp = x.data<float>();
  for (auto _ : st) {
    for (int64_t pl = 0; pl < planes; ++pl)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          const float* r = xp + (pl * c.H + 2 * oh) * c.W + 2 * ow;
          y[(pl * OH + oh) * OW + ow] = std::max(std::max(r[0], r[1]), std::max(r[c.W], r[c.W + 1]));
        }
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  set_rate(st, c);
}

}  // namespace

int main(int argc, char** argv) {
  const char* names[] = {"max_fwd", "max_bwd", "avg_fwd", "avg_bwd"};
  for (const PoolCase& c : cases()) {
    for (int what = 0; what < 4; ++what)
      benchmark::RegisterBenchmark((std::string(names[what]) + "/" + c.name).c_str(), bm_pool, c, what)
          ->Unit(benchmark::kMicrosecond)->UseRealTime();
    if (c.k == 2 && c.s == 2 && c.p == 0)
      benchmark::RegisterBenchmark((std::string("plain_max2x2/") + c.name).c_str(), bm_plain_max2x2, c)
          ->Unit(benchmark::kMicrosecond)->UseRealTime();
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
