// One optimizer step over the parameters of the image GAN's MLP generator (gan/models.h:
// z 100 -> 128 -> 256 -> 512 -> 1024 -> 784 with BatchNorm, ~1.5M float32 parameters in 14
// tensors), every parameter with a gradient: what opt.step() costs per training iteration.
// Memory-bound: Adam reads p, g, m, v and writes p, m, v (7 x 6 MB per step).
//
//   build-NAME/bench/bench_optim [--benchmark_min_time=0.5]
#include <benchmark/benchmark.h>

#include <memory>

#include "gan/models.h"
#include "nn/optim.h"
#include "tensor/random.h"

using namespace nash;

namespace {

// The generator's parameters, each with a fixed random gradient.
std::vector<Variable> generator_params() {
  Rng rng(7);
  auto net = gan::make_mlp_generator(100, 0, {1, 28, 28}, rng);
  std::vector<Variable> params = net->parameters();
  for (auto& p : params) p.set_grad(Variable(normal(p.shape(), 0.0, 1e-3, rng)));
  return params;
}

template <class Make>
void run_steps(benchmark::State& state, Make make) {
  std::vector<Variable> params = generator_params();
  auto opt = make(params);
  int64_t n = 0;
  for (const auto& p : params) n += p.value().numel();
  for (auto _ : state) opt->step();
  state.counters["params"] = static_cast<double>(n);
  state.SetItemsProcessed(state.iterations() * n);
}

void BM_AdamStep(benchmark::State& state) {
  run_steps(state, [](std::vector<Variable> ps) {
    return std::make_unique<nn::optim::Adam>(std::move(ps), nn::optim::AdamOptions{.lr = 2e-4, .beta1 = 0.5});
  });
}
BENCHMARK(BM_AdamStep)->Unit(benchmark::kMillisecond);

void BM_AdamWAmsgradStep(benchmark::State& state) {
  run_steps(state, [](std::vector<Variable> ps) {
    return std::make_unique<nn::optim::AdamW>(std::move(ps), nn::optim::AdamWOptions{.amsgrad = true});
  });
}
BENCHMARK(BM_AdamWAmsgradStep)->Unit(benchmark::kMillisecond);

void BM_RMSpropStep(benchmark::State& state) {
  run_steps(state, [](std::vector<Variable> ps) {
    return std::make_unique<nn::optim::RMSprop>(std::move(ps), nn::optim::RMSpropOptions{.lr = 5e-5});
  });
}
BENCHMARK(BM_RMSpropStep)->Unit(benchmark::kMillisecond);

void BM_SGDMomentumStep(benchmark::State& state) {
  run_steps(state, [](std::vector<Variable> ps) {
    return std::make_unique<nn::optim::SGD>(std::move(ps),
                                        nn::optim::SGDOptions{.lr = 1e-2, .momentum = 0.9});
  });
}
BENCHMARK(BM_SGDMomentumStep)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
