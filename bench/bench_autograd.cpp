// What autograd's bookkeeping costs. One MLP step, batch 64, 784-512-256-1 with
// LeakyReLU(0.2) between layers and mean(output) as the loss, float32, computed three ways:
//   (a) Autograd  — nash::linear / leaky_relu / mean on Variables, then loss.backward()
//   (b) Manual    — the same kernels called by hand on Tensors (matmul_out, leaky_relu, where,
//                   mul, sum, matmul on transposed views): no Variables, no graph
//   (c) Fused     — a lower bound: nash::gemm::sgemm into preallocated buffers, bias and
//                   LeakyReLU (forward and backward) fused into single loops, no allocation
// plus a chain of tiny ops that isolates the per-op cost of recording and backpropagating.
// After the Google Benchmark runs, main() times (a), (b), (c) interleaved (load changes hit all
// alike) and prints the bar: overhead = (a)/(b) - 1, which should stay under 10%, as median wall,
// median CPU and minimum CPU time (the minimum is the steadiest figure on a busy machine).
//
//   build-NAME/bench/bench_autograd [--benchmark_min_time=0.5]
//   NASH_NUM_THREADS=1 build-NAME/bench/bench_autograd --benchmark_filter=NONE   # summary only
#include <benchmark/benchmark.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "autograd/ops.h"
#include "tensor/gemm.h"
#include "tensor/ops.h"
#include "tensor/parallel.h"
#include "tensor/random.h"

using namespace nash;

namespace {

constexpr int64_t kN = 64, kD0 = 784, kD1 = 512, kD2 = 256, kD3 = 1;
constexpr double kSlope = 0.2;

struct Mlp {
  Tensor x;                         // [N, D0]
  Variable w1, b1, w2, b2, w3, b3;  // w [D_out, D_in], b [D_out]
};

Mlp& mlp() {
  static Mlp m = [] {
    Rng rng(1);
    auto param = [&](Shape s) { return Variable(normal(s, 0.0, 0.05, rng), true); };
    Mlp m;
    m.x = normal({kN, kD0}, 0.0, 1.0, rng);
    m.w1 = param({kD1, kD0}), m.b1 = param({kD1});
    m.w2 = param({kD2, kD1}), m.b2 = param({kD2});
    m.w3 = param({kD3, kD2}), m.b3 = param({kD3});
    return m;
  }();
  return m;
}

// ---- (a) through autograd ------------------------------------------------------------------
Variable autograd_forward(Mlp& m) {
  Variable h1 = leaky_relu(linear(m.x, m.w1, m.b1), kSlope);  // [N, D1]
  Variable h2 = leaky_relu(linear(h1, m.w2, m.b2), kSlope);   // [N, D2]
  return mean(linear(h2, m.w3, m.b3));                         // []
}
void autograd_step(Mlp& m) {
  for (Variable* p : {&m.w1, &m.b1, &m.w2, &m.b2, &m.w3, &m.b3}) p->zero_grad();
  autograd_forward(m).backward();
}

// ---- (b) the same kernels by hand ----------------------------------------------------------
struct Grads {
  Tensor dw1, db1, dw2, db2, dw3, db3;
};
// z = x w^T + b: the bias copied into the output, then one GEMM accumulating onto it.
Tensor affine(const Tensor& x, const Tensor& w, const Tensor& b) {
  Tensor z = empty({x.size(0), w.size(0)});
  copy_(z, b);
  matmul_out(z, x, w.t(), 1.0, 1.0);
  return z;
}
Tensor manual_step(const Mlp& m, Grads& g) {
  const Tensor &w1 = m.w1.value(), &w2 = m.w2.value(), &w3 = m.w3.value();
  Tensor z1 = affine(m.x, w1, m.b1.value());  // [N, D1]
  Tensor h1 = leaky_relu(z1, kSlope);
  Tensor z2 = affine(h1, w2, m.b2.value());   // [N, D2]
  Tensor h2 = leaky_relu(z2, kSlope);
  Tensor z3 = affine(h2, w3, m.b3.value());   // [N, 1]
  Tensor loss = mean(z3);
  // dloss/dz3 = 1/N everywhere; then for each layer dW = dz^T h, db = sum_N dz, dh = dz W,
  // and through LeakyReLU dz = dh * (z > 0 ? 1 : slope).
  Tensor dz3 = full({kN, kD3}, 1.0 / kN);
  g.dw3 = matmul(dz3.t(), h2), g.db3 = sum(dz3, {0});
  Tensor dz2 = mul(matmul(dz3, w3), where(gt(z2, 0.0), 1.0, kSlope));
  g.dw2 = matmul(dz2.t(), h1), g.db2 = sum(dz2, {0});
  Tensor dz1 = mul(matmul(dz2, w2), where(gt(z1, 0.0), 1.0, kSlope));
  g.dw1 = matmul(dz1.t(), m.x), g.db1 = sum(dz1, {0});
  return loss;
}

// ---- (c) fused, preallocated ---------------------------------------------------------------
struct Fused {
  std::vector<float> z1, h1, z2, h2, z3, dz1, dz2, dz3, dh;
  std::vector<float> dw1, db1, dw2, db2, dw3, db3;
  Fused()
      : z1(kN * kD1), h1(kN * kD1), z2(kN * kD2), h2(kN * kD2), z3(kN * kD3), dz1(kN * kD1),
        dz2(kN * kD2), dz3(kN * kD3), dh(kN * kD1), dw1(kD1 * kD0), db1(kD1), dw2(kD2 * kD1),
        db2(kD2), dw3(kD3 * kD2), db3(kD3) {}
};
// y[N, Do] = leaky(x[N, Di] w[Do, Di]^T + b) written into z (pre-activation) and h.
void fused_layer(const float* x, const float* w, const float* b, int64_t di, int64_t d_out,
                 float* z, float* h) {
  for (int64_t n = 0; n < kN; ++n) std::copy(b, b + d_out, z + n * d_out);
  gemm::sgemm(false, true, kN, d_out, di, 1.f, x, di, w, di, 1.f, z, d_out);
  if (h)
    for (int64_t i = 0; i < kN * d_out; ++i) h[i] = z[i] > 0.f ? z[i] : float(kSlope) * z[i];
}
// Given dz [N, Do]: dw = dz^T x, db = sum_N dz, and (if dx) dx = dz w through LeakyReLU of zin.
void fused_layer_backward(const float* dz, const float* x, const float* w, int64_t di,
                          int64_t d_out, float* dw, float* db, float* dh, const float* zin,
                          float* dzin) {
  gemm::sgemm(true, false, d_out, di, kN, 1.f, dz, d_out, x, di, 0.f, dw, di);
  std::fill(db, db + d_out, 0.f);
  for (int64_t n = 0; n < kN; ++n)
    for (int64_t j = 0; j < d_out; ++j) db[j] += dz[n * d_out + j];
  if (!dzin) return;
  gemm::sgemm(false, false, kN, di, d_out, 1.f, dz, d_out, w, di, 0.f, dh, di);
  for (int64_t i = 0; i < kN * di; ++i) dzin[i] = zin[i] > 0.f ? dh[i] : float(kSlope) * dh[i];
}
float fused_step(const Mlp& m, Fused& f) {
  const float* x = m.x.data<float>();
  const float *w1 = m.w1.value().data<float>(), *w2 = m.w2.value().data<float>(),
              *w3 = m.w3.value().data<float>();
  fused_layer(x, w1, m.b1.value().data<float>(), kD0, kD1, f.z1.data(), f.h1.data());
  fused_layer(f.h1.data(), w2, m.b2.value().data<float>(), kD1, kD2, f.z2.data(), f.h2.data());
  fused_layer(f.h2.data(), w3, m.b3.value().data<float>(), kD2, kD3, f.z3.data(), nullptr);
  float loss = 0.f;
  for (float v : f.z3) loss += v;
  std::fill(f.dz3.begin(), f.dz3.end(), 1.f / kN);
  fused_layer_backward(f.dz3.data(), f.h2.data(), w3, kD2, kD3, f.dw3.data(), f.db3.data(),
                       f.dh.data(), f.z2.data(), f.dz2.data());
  fused_layer_backward(f.dz2.data(), f.h1.data(), w2, kD1, kD2, f.dw2.data(), f.db2.data(),
                       f.dh.data(), f.z1.data(), f.dz1.data());
  fused_layer_backward(f.dz1.data(), x, w1, kD0, kD1, f.dw1.data(), f.db1.data(), nullptr,
                       nullptr, nullptr);
  return loss / kN;
}

// ---- Google Benchmark cases ------------------------------------------------------------------
void BM_MlpAutograd(benchmark::State& state) {
  Mlp& m = mlp();
  for (auto _ : state) {
    autograd_step(m);
    benchmark::DoNotOptimize(m.w1.grad().value().raw_data());
  }
}
BENCHMARK(BM_MlpAutograd)->Unit(benchmark::kMicrosecond);

void BM_MlpManual(benchmark::State& state) {
  Mlp& m = mlp();
  Grads g;
  for (auto _ : state) {
    Tensor loss = manual_step(m, g);
    benchmark::DoNotOptimize(loss.raw_data());
  }
}
BENCHMARK(BM_MlpManual)->Unit(benchmark::kMicrosecond);

void BM_MlpFused(benchmark::State& state) {
  Mlp& m = mlp();
  Fused f;
  for (auto _ : state) benchmark::DoNotOptimize(fused_step(m, f));
}
BENCHMARK(BM_MlpFused)->Unit(benchmark::kMicrosecond);

void BM_MlpAutogradForwardOnly(benchmark::State& state) {  // records the graph, no backward
  Mlp& m = mlp();
  for (auto _ : state) benchmark::DoNotOptimize(autograd_forward(m).impl().get());
}
BENCHMARK(BM_MlpAutogradForwardOnly)->Unit(benchmark::kMicrosecond);

// Per-op bookkeeping: `range(0)` ops y = y * 1 on a one-element tensor, forward + backward.
// Time per iteration / range(0) = the cost of one recorded op and its backward step.
void BM_TinyOpChain(benchmark::State& state) {
  Variable x(full({1}, 1.0), true);
  for (auto _ : state) {
    x.zero_grad();
    Variable y = x;
    for (int64_t i = 0; i < state.range(0); ++i) y = y * 1.0;
    y.backward();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_TinyOpChain)->Arg(1000)->Unit(benchmark::kMicrosecond);

void BM_TinyOpChainNoGrad(benchmark::State& state) {  // the same forward with nothing recorded
  Variable x(full({1}, 1.0), true);
  for (auto _ : state) {
    NoGradGuard no_grad;
    Variable y = x;
    for (int64_t i = 0; i < state.range(0); ++i) y = y * 1.0;
    benchmark::DoNotOptimize(y.impl().get());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_TinyOpChainNoGrad)->Arg(1000)->Unit(benchmark::kMicrosecond);

// ---- the bar: (a) vs (b), interleaved ----------------------------------------------------------
// Wall time and process CPU time of one call. On a loaded machine the wall time includes waiting
// for a core; the CPU time does not (but counts OpenMP workers spinning when threads > 1).
struct Times {
  double wall, cpu;
};
double cpu_now() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}
template <class F>
Times measure(F&& f) {
  auto w0 = std::chrono::steady_clock::now();
  double c0 = cpu_now();
  f();
  double c1 = cpu_now();
  return {std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count(), c1 - c0};
}
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
double minimum(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

void print_overhead() {
  Mlp& m = mlp();
  Grads g;
  Fused f;
  constexpr int kRounds = 500;
  std::vector<double> wall[3], cpu[3];
  for (int warm = 0; warm < 10; ++warm) autograd_step(m), manual_step(m, g), fused_step(m, f);
  for (int round = 0; round < kRounds; ++round) {  // alternate so load changes hit all three alike
    Times t[3] = {measure([&] { autograd_step(m); }), measure([&] { manual_step(m, g); }),
                  measure([&] { fused_step(m, f); })};
    for (int i = 0; i < 3; ++i) wall[i].push_back(t[i].wall), cpu[i].push_back(t[i].cpu);
  }
  double w[3], c[3], lo[3];
  for (int i = 0; i < 3; ++i)
    w[i] = median(wall[i]) * 1e6, c[i] = median(cpu[i]) * 1e6, lo[i] = minimum(cpu[i]) * 1e6;
  std::printf("\nMLP 64x784-512-256-1 float32, forward+backward, %d interleaved steps, %d threads\n",
              kRounds, get_num_threads());
  std::printf("               median wall us  median cpu us  min cpu us\n");
  const char* names[3] = {"(a) autograd", "(b) manual  ", "(c) fused   "};
  for (int i = 0; i < 3; ++i) std::printf("  %s %14.1f %14.1f %11.1f\n", names[i], w[i], c[i], lo[i]);
  std::printf("  overhead (a)/(b) - 1 = %+.1f%% median wall, %+.1f%% median cpu, %+.1f%% min cpu"
              "   (bar: < 10%%)\n",
              (w[0] / w[1] - 1.0) * 100.0, (c[0] / c[1] - 1.0) * 100.0, (lo[0] / lo[1] - 1.0) * 100.0);
  std::printf("  for reference (b)/(c) - 1 = %+.1f%% wall, %+.1f%% cpu\n", (w[1] / w[2] - 1.0) * 100.0,
              (c[1] / c[2] - 1.0) * 100.0);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  try {
    benchmark::RunSpecifiedBenchmarks();
    print_overhead();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_autograd: %s\n", e.what());
    return 1;
  }
  benchmark::Shutdown();
  return 0;
}
