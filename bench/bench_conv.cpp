// conv2d forward / backward-input / backward-weight on the DCGAN shapes (batch 64, float32),
// each next to the plain sgemm calls its im2col path makes (same chunked shapes, same count),
// so conv GFLOP/s / gemm GFLOP/s reads straight off one run as the im2col/col2im overhead.
//
//   ./build/bench/bench_conv --benchmark_min_time=0.2
//   ./build/bench/bench_conv --benchmark_filter='G1'
// Counters: GFLOP/s (2*N*O*OH*OW*C*KH*KW per pass, 3 passes for "fwd+bwd"), col_MB = the
// column buffer written and read per pass, K = C*KH*KW, the GEMM depth of the forward pass.
// The conv rows carry a label with the GEMM shapes of each pass (M x N x K per chunk x chunks).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tensor/conv.h"
#include "tensor/creation.h"
#include "tensor/gemm.h"
#include "tensor/random.h"

namespace {

using nash::Conv2dArgs;
using nash::Tensor;

struct ConvCase {
  const char* name;
  int64_t N, C, H, W, O, K, stride, pad;
};

// Discriminator: 32x32 -> 16 -> 8 -> 4 -> 2, stride 2 padding 1, kernel 3 or 4 (both halve).
// Generator: 3x3 stride 1 padding 1 convs after nearest upsampling.
const std::vector<ConvCase>& cases() {
  static const std::vector<ConvCase> v = {
      {"D1_1to16_32x32_k3", 64, 1, 32, 32, 16, 3, 2, 1},
      {"D2_16to32_16x16_k3", 64, 16, 16, 16, 32, 3, 2, 1},
      {"D3_32to64_8x8_k3", 64, 32, 8, 8, 64, 3, 2, 1},
      {"D4_64to128_4x4_k3", 64, 64, 4, 4, 128, 3, 2, 1},
      {"D1_1to16_32x32_k4", 64, 1, 32, 32, 16, 4, 2, 1},
      {"D2_16to32_16x16_k4", 64, 16, 16, 16, 32, 4, 2, 1},
      {"D3_32to64_8x8_k4", 64, 32, 8, 8, 64, 4, 2, 1},
      {"D4_64to128_4x4_k4", 64, 64, 4, 4, 128, 4, 2, 1},
      {"G1_128to128_16x16_k3", 64, 128, 16, 16, 128, 3, 1, 1},
      {"G2_128to64_32x32_k3", 64, 128, 32, 32, 64, 3, 1, 1},
  };
  return v;
}

struct Setup {
  Conv2dArgs a;
  nash::detail::ConvGeom g;
  Tensor x, w, dy;
  int64_t Kdim, P, chunk, group;
  double flops;  // one pass
};

Setup make_setup(const ConvCase& c) {
  Setup s;
  s.a.stride = {c.stride, c.stride};
  s.a.padding = {c.pad, c.pad};
  const int64_t OH = (c.H + 2 * c.pad - c.K) / c.stride + 1, OW = (c.W + 2 * c.pad - c.K) / c.stride + 1;
  s.g = {c.N, c.C, c.H, c.W, c.O, c.K, c.K, OH, OW, s.a};
  nash::Generator gen(7);
  s.x = nash::normal({c.N, c.C, c.H, c.W}, 0, 1, gen);
  s.w = nash::normal({c.O, c.C, c.K, c.K}, 0, 0.05, gen);
  s.dy = nash::normal({c.N, c.O, OH, OW}, 0, 1, gen);
  s.Kdim = c.C * c.K * c.K;
  s.P = OH * OW;
  const nash::detail::ConvPlan plan = nash::detail::conv_plan(s.g, sizeof(float));
  s.chunk = plan.chunk;
  s.group = plan.group;
  s.flops = 2.0 * c.N * c.O * s.P * s.Kdim;
  return s;
}

// The (first) GEMM of each pass, "MxNxK x calls": the label says what the GEMM sees.
std::string gemm_label(const Setup& s, int what) {
  const int64_t cols = s.chunk * s.P, kg = s.group * s.g.KH * s.g.KW;
  const int64_t calls = (s.g.N + s.chunk - 1) / s.chunk * ((s.g.C + s.group - 1) / s.group);
  auto shape = [&](int64_t m, int64_t n, int64_t k) {
    return std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k) + " x" +
           std::to_string(calls);
  };
  const std::string f = shape(s.g.O, cols, kg), bi = shape(kg, cols, s.g.O),
                    bw = shape(s.g.O, kg, cols);
  switch (what) {
    case 0: return "fwd " + f;
    case 1: return "bwd_in " + bi;
    case 2: return "bwd_w " + bw;
    default: return "fwd " + f + ", bwd_in " + bi + ", bwd_w " + bw;
  }
}

void set_counters(benchmark::State& st, const Setup& s, int passes) {
  st.counters["GFLOP/s"] = benchmark::Counter(passes * s.flops / 1e9,
                                              benchmark::Counter::kIsIterationInvariantRate);
  st.counters["col_MB"] = double(s.Kdim) * s.g.N * s.P * sizeof(float) / 1e6;
  st.counters["K"] = double(s.Kdim);
}

// What=0 forward, 1 backward input, 2 backward weight, 3 all three.
void bm_conv(benchmark::State& st, ConvCase c, int what) {
  const Setup s = make_setup(c);
  for (auto _ : st) {
    if (what == 0 || what == 3) benchmark::DoNotOptimize(nash::conv2d(s.x, s.w, Tensor(), s.a));
    if (what == 1 || what == 3)
      benchmark::DoNotOptimize(nash::conv2d_backward_input(s.dy, s.w, s.x.shape(), s.a));
    if (what == 2 || what == 3)
      benchmark::DoNotOptimize(nash::conv2d_backward_weight(s.dy, s.x, s.w.shape(), s.a));
  }
  set_counters(st, s, what == 3 ? 3 : 1);
  st.SetLabel(gemm_label(s, what));
}

// The sgemm calls of the same pass, on buffers of the chunk's size (no im2col, no copies).
void bm_gemm(benchmark::State& st, ConvCase c, int what) {
  const Setup s = make_setup(c);
  const int64_t cols = s.chunk * s.P, O = c.O, K = s.Kdim, KK = c.K * c.K;
  std::vector<float> col(s.group * KK * cols, 0.5f), out(O * cols, 0.f), dw(O * K, 0.f);
  std::vector<float> w(s.w.values<float>());
  std::vector<float> dyc(O * cols, 0.25f);
  for (auto _ : st) {
    for (int64_t n0 = 0; n0 < c.N; n0 += s.chunk) {
      const int64_t n = std::min(s.chunk, c.N - n0) * s.P;
      for (int64_t c0 = 0; c0 < c.C; c0 += s.group) {
        const int64_t kg = std::min(s.group, c.C - c0) * KK;
        if (what == 0 || what == 3)
          nash::gemm::sgemm(false, false, O, n, kg, 1.f, w.data() + c0 * KK, K, col.data(), n,
                            c0 == 0 ? 0.f : 1.f, out.data(), n);
        if (what == 1 || what == 3)
          nash::gemm::sgemm(true, false, kg, n, O, 1.f, w.data() + c0 * KK, K, dyc.data(), n, 0.f,
                            col.data(), n);
        if (what == 2 || what == 3)
          nash::gemm::sgemm(false, true, O, kg, n, 1.f, dyc.data(), n, col.data(), n,
                            n0 == 0 ? 0.f : 1.f, dw.data() + c0 * KK, K);
      }
    }
    benchmark::ClobberMemory();
  }
  set_counters(st, s, what == 3 ? 3 : 1);
}

}  // namespace

int main(int argc, char** argv) {
  const char* passes[] = {"fwd", "bwd_input", "bwd_weight", "fwd+bwd"};
  for (const ConvCase& c : cases())
    for (int what = 0; what < 4; ++what) {
      const std::string tail = std::string(passes[what]) + "/" + c.name;
      benchmark::RegisterBenchmark(("conv/" + tail).c_str(), bm_conv, c, what)
          ->Unit(benchmark::kMillisecond)->UseRealTime();
      benchmark::RegisterBenchmark(("sgemm/" + tail).c_str(), bm_gemm, c, what)
          ->Unit(benchmark::kMillisecond)->UseRealTime();
    }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
