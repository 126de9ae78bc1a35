// Linear + activation fused (one GEMM whose epilogue adds the bias and applies the activation,
// one autograd node) against the unfused chain (linear, then the activation op), side by side:
//   linear_act/<fused|unfused>/<act>/<N>x<D_in>x<D_out>/threads:<t>   one layer, forward +
//       backward (dx, dw, db), the MLP GAN's layers at batch 64
//   gan_step/gan/<fused|unfused>/threads:<t>   one whole gan.py training step (D step, G step),
//       fusion switched on every Sequential of both networks (nn::set_linear_activation_fusion)
// Counters: ms = median wall time of one iteration, cpu_ms = median process CPU time (all
// threads; on a busy shared machine the steadier figure).
//   OMP_WAIT_POLICY=passive ./build/bench/bench_linear_act --benchmark_min_time=0.5
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "autograd/ops.h"
#include "gan/run.h"
#include "nn/layers/sequential.h"
#include "tensor/creation.h"
#include "tensor/parallel.h"
#include "tensor/random.h"

namespace {

using namespace nash;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Times f once per benchmark iteration (manual time) and reports median wall / CPU ms.
template <class F>
void time_loop(benchmark::State& state, F&& f) {
  for (int i = 0; i < 3; ++i) f();  // warm-up: buffers, pools, thread team
  std::vector<double> ms, cpu_ms;
  for (auto _ : state) {
    const std::clock_t c0 = std::clock();
    const auto t0 = std::chrono::steady_clock::now();
    f();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    cpu_ms.push_back(1e3 * static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC);
    state.SetIterationTime(s);
    ms.push_back(1e3 * s);
  }
  state.counters["ms"] = median(ms);
  state.counters["cpu_ms"] = median(cpu_ms);
}

struct Layer {
  int64_t n, in, out;
  LinearActivation act;
};
const Layer kLayers[] = {
    {64, 784, 512, LinearActivation::kLeakyReLU},  // D layer 1
    {64, 512, 256, LinearActivation::kLeakyReLU},  // D layer 2
    {64, 100, 128, LinearActivation::kLeakyReLU},  // G layer 1
    {64, 1024, 784, LinearActivation::kTanh},      // G output layer
};

Variable unfused(const Variable& x, const Variable& w, const Variable& b, LinearActivation act) {
  Variable z = linear(x, w, b);
  switch (act) {
    case LinearActivation::kReLU: return relu(z);
    case LinearActivation::kLeakyReLU: return leaky_relu(z, 0.2);
    case LinearActivation::kTanh: return tanh(z);
    case LinearActivation::kSigmoid: return sigmoid(z);
    default: return z;
  }
}

void bm_layer(benchmark::State& state, Layer l, bool fused, int threads) {
  const int saved = get_num_threads();
  set_num_threads(threads);
  Rng rng(1);
  Variable x(uniform({l.n, l.in}, -1, 1, rng), true);
  Variable w(uniform({l.out, l.in}, -0.05, 0.05, rng), true);
  Variable b(uniform({l.out}, -0.05, 0.05, rng), true);
  const Tensor dy = uniform({l.n, l.out}, -1, 1, rng);
  time_loop(state, [&] {
    x.zero_grad();
    w.zero_grad();
    b.zero_grad();
    Variable y = fused ? linear_act(x, w, b, l.act, 0.2) : unfused(x, w, b, l.act);
    y.backward(dy);
    benchmark::DoNotOptimize(w.grad().value().data<float>());
  });
  set_num_threads(saved);
}

std::unique_ptr<gan::Run> make_gan_run() {
  gan::RunConfig c = gan::default_config("fashion-mnist", "gan");
  c.seed = 1;
  c.batch = 64;
  c.image_size = 28;
  c.channels = 1;
  c.num_classes = 10;
  c.decay_start = 1.0;
  c.ema = 0.0;
  Rng rng(1);
  Tensor x = uniform({6400, 1, 28, 28}, -1.0, 1.0, rng);
  return std::make_unique<gan::Run>(c, gan::image_source(x, Tensor(), 64, 1));
}

void bm_gan_step(benchmark::State& state, bool fused, int threads) {
  const int saved = get_num_threads();
  set_num_threads(threads);
  std::unique_ptr<gan::Run> run = make_gan_run();
  nn::set_linear_activation_fusion(run->generator(), fused);
  nn::set_linear_activation_fusion(run->discriminator(), fused);
  time_loop(state, [&] { benchmark::DoNotOptimize(run->step()); });
  set_num_threads(saved);
}

const bool kRegistered = [] {
  for (int threads : {1, 2}) {
    for (const Layer& l : kLayers)
      for (bool fused : {true, false}) {
        const std::string name = std::string("linear_act/") + (fused ? "fused/" : "unfused/") +
                                 activation_name(l.act) + "/" + std::to_string(l.n) + "x" +
                                 std::to_string(l.in) + "x" + std::to_string(l.out) +
                                 "/threads:" + std::to_string(threads);
        benchmark::RegisterBenchmark(name.c_str(), bm_layer, l, fused, threads)
            ->UseManualTime()
            ->Unit(benchmark::kMicrosecond);
      }
    for (bool fused : {true, false})
      benchmark::RegisterBenchmark(
          (std::string("gan_step/gan/") + (fused ? "fused" : "unfused") + "/threads:" +
           std::to_string(threads)).c_str(),
          bm_gan_step, fused, threads)
          ->UseManualTime()
          ->Unit(benchmark::kMillisecond);
  }
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
