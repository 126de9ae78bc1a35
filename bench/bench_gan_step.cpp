// Whole GAN training steps: one nash::gan::Run::step() (its D step(s), then one G step) of the
// model's default configuration (constant rates, no weight average), on synthetic real data
// (uniform [-1, 1] images [6400, 1, 28, 28] and uniform labels, drawn through a DataLoader as
// Fashion-MNIST is), batch 64, on 1 and 2 threads. bench/torch_gan_step.py times the same steps in
// PyTorch; scripts/gan_step_vs_torch.sh runs both and prints them side by side.
//   gan      gan.py MLPs (G 100 -> 128 -> 256 -> 512 -> 1024 -> 784, D 784 -> 512 -> 256 -> 1)
//   cgan     cgan.py MLPs, 10 classes (label embeddings, D with Dropout 0.4)
//   wgan-gp  gan.py MLPs, n_critic 5 (one step = 5 critic steps with the gradient penalty + 1 G step)
//   dcgan    dcgan.py convnets at 28x28 (D with BatchNorm)
//
//   OMP_WAIT_POLICY=passive ./build/bench/bench_gan_step --benchmark_min_time=1
//   ./build/bench/bench_gan_step --benchmark_filter='dcgan/threads:1'
// Counters (per G step, warm-up steps excluded): ms = median wall time of one step, ms_mean,
// steps/s = 1000 / ms, cpu_ms = median process CPU time of one step (all threads: on a busy
// machine the steadier measure of the work done), params_g / params_d = parameter counts (the
// PyTorch side prints the same, so the script checks both build the same networks). Benchmark
// time is manual: the steps' own wall time, so a busy machine's stalls are not hidden.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "gan/run.h"
#include "tensor/conv.h"
#include "tensor/creation.h"
#include "tensor/parallel.h"
#include "tensor/random.h"

namespace {

using namespace nash;
using namespace nash::gan;

constexpr int64_t kBatch = 64;
constexpr int64_t kPool = 100 * kBatch;  // synthetic "data set": 100 batches per epoch
constexpr int kWarmupSteps = 3;          // optimizer state allocated, caches and pools warm

const char* const kCases[] = {"gan", "cgan", "wgan-gp", "dcgan"};

// The model's configuration on synthetic Fashion-MNIST-shaped data: uniform [-1, 1] images and
// uniform labels in [0, 10), served by a shuffling DataLoader.
std::unique_ptr<Run> make_run(const std::string& model, uint64_t seed) {
  RunConfig c = default_config("fashion-mnist", model);
  c.seed = seed;
  c.batch = kBatch;
  c.image_size = 28;
  c.channels = 1;
  c.num_classes = 10;
  c.decay_start = 1.0;  // constant rates and no weight average, as the PyTorch side trains
  c.ema = 0.0;
  Rng rng(seed);
  Tensor x = uniform({kPool, 1, 28, 28}, -1.0, 1.0, rng);
  Tensor labels = randint({kPool}, 0, 10, rng);
  return std::make_unique<Run>(c, image_source(x, c.conditional() ? labels : Tensor(), kBatch, seed));
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int64_t count_parameters(nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

void BM_gan_step(benchmark::State& state, const std::string& model, bool direct_conv) {
  const int threads = static_cast<int>(state.range(0));
  const int saved_threads = get_num_threads();
  set_num_threads(threads);
  detail::set_direct_conv_enabled(direct_conv);
  std::unique_ptr<Run> run = make_run(model, 1);
  Run& t = *run;
  for (int i = 0; i < kWarmupSteps; ++i) benchmark::DoNotOptimize(t.step());

  std::vector<double> ms, cpu_ms;
  for (auto _ : state) {
    const std::clock_t c0 = std::clock();  // process CPU time, every thread
    const auto t0 = std::chrono::steady_clock::now();
    StepStats s = t.step();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    cpu_ms.push_back(1e3 * static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC);
    benchmark::DoNotOptimize(s);
    state.SetIterationTime(seconds);
    ms.push_back(seconds * 1e3);
  }
  set_num_threads(saved_threads);
  detail::set_direct_conv_enabled(true);

  double mean = 0;
  for (double v : ms) mean += v;
  mean /= static_cast<double>(ms.size());
  const double ms_median = median(ms);
  state.counters["ms"] = ms_median;
  state.counters["ms_mean"] = mean;
  state.counters["steps/s"] = 1e3 / ms_median;
  state.counters["cpu_ms"] = median(cpu_ms);
  state.counters["params_g"] = static_cast<double>(count_parameters(t.generator()));
  state.counters["params_d"] = static_cast<double>(count_parameters(t.discriminator()));
}

// Names: gan_step/<case>/threads:<n>, the names bench/torch_gan_step.py prints;
// gan_step_im2col/dcgan/threads:<n> is the DCGAN step with every convolution on im2col + GEMM
// (the direct kernels of tensor/conv_direct.cpp switched off), to compare the two.
const bool kRegistered = [] {
  auto add = [](const std::string& name, const std::string& model, bool direct) {
    benchmark::RegisterBenchmark(name.c_str(), BM_gan_step, model, direct)
        ->ArgName("threads")
        ->Arg(1)
        ->Arg(2)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
  };
  for (const char* model : kCases) add(std::string("gan_step/") + model, model, true);
  add("gan_step_im2col/dcgan", "dcgan", false);
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
