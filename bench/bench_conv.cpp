// conv2d forward / backward-input / backward-weight on the DCGAN shapes (batch 64, float32),
// each next to the plain sgemm calls its im2col path makes (same chunked shapes, same count),
// so conv GFLOP/s / gemm GFLOP/s reads straight off one run as the im2col/col2im overhead.
//
//   ./build/bench/bench_conv --benchmark_min_time=0.2
//   ./build/bench/bench_conv --benchmark_filter='G1'
//   NASH_NUM_THREADS=1 ./build/bench/bench_conv    (on a busy shared machine: spinning OpenMP
//   barriers of oversubscribed threads make 2-thread timings meaningless; or OMP_WAIT_POLICY=passive)
// conv/ rows take the direct kernels where they fit (tensor/conv_direct.cpp, label "direct");
// conv_im2col/ rows run the same passes with them switched off (im2col + GEMM), side by side.
// Counters: GFLOP/s (2*N*O*OH*OW*C*KH*KW per pass, 3 passes for "fwd+bwd"), col_MB = the
// column buffer written and read per pass, K = C*KH*KW, the GEMM depth of the forward pass.
// The conv rows carry a label with the GEMM shapes of each pass (M x N x K per chunk x chunks).
// upsample_conv/ rows: the generator's nearest x2 upsample + 3x3 conv at MNIST sizes, as the two
// ops ("unfolded") and as the folded upsample_conv2d, forward and both backward passes; GFLOP/s
// counts the unfolded conv's 2*N*O*(2H)*(2W)*C*9 per pass for both, so the ratio is the speedup.
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
// Rng: 3x3 stride 1 padding 1 convs after nearest upsampling.
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
      // The DCGAN of gan/models.cpp at MNIST size: D's four stride-2 layers, G's last layer.
      {"mnistD1_1to16_28x28", 64, 1, 28, 28, 16, 3, 2, 1},
      {"mnistD2_16to32_14x14", 64, 16, 14, 14, 32, 3, 2, 1},
      {"mnistD3_32to64_7x7", 64, 32, 7, 7, 64, 3, 2, 1},
      {"mnistD4_64to128_4x4", 64, 64, 4, 4, 128, 3, 2, 1},
      {"mnistG3_64to1_28x28", 64, 64, 28, 28, 1, 3, 1, 1},
  };
  return v;
}

using nash::detail::ConvGeom;
using nash::detail::ConvPlan;

struct Setup {
  Conv2dArgs a;
  ConvGeom g;
  Tensor x, w, dy;
  double flops;  // one pass: 2*N*O*OH*OW*C*KH*KW
};

ConvGeom geom_of(const ConvCase& c) {
  Conv2dArgs a;
  a.stride = {c.stride, c.stride};
  a.padding = {c.pad, c.pad};
  const int64_t OH = (c.H + 2 * c.pad - c.K) / c.stride + 1, OW = (c.W + 2 * c.pad - c.K) / c.stride + 1;
  return {c.N, c.C, c.H, c.W, c.O, c.K, c.K, OH, OW, a};
}

Setup make_setup(const ConvCase& c) {
  Setup s;
  s.a.stride = {c.stride, c.stride};
  s.a.padding = {c.pad, c.pad};
  const int64_t OH = (c.H + 2 * c.pad - c.K) / c.stride + 1, OW = (c.W + 2 * c.pad - c.K) / c.stride + 1;
  s.g = {c.N, c.C, c.H, c.W, c.O, c.K, c.K, OH, OW, s.a};
  nash::Rng rng(7);
  s.x = nash::normal({c.N, c.C, c.H, c.W}, 0, 1, rng);
  s.w = nash::normal({c.O, c.C, c.K, c.K}, 0, 0.05, rng);
  s.dy = nash::normal({c.N, c.O, OH, OW}, 0, 1, rng);
  s.flops = 2.0 * c.N * c.O * OH * OW * c.C * c.K * c.K;
  return s;
}

// The GEMM sequence of one pass as conv_driver.cpp runs it, on buffers of the chunk's size.
// kind 0: y (+)= w_group @ col_group (forward); 1: dcol_group = w_group^T @ dy (backward input
// through col2im); 2: dw_group (+)= dy @ col_group^T (backward weight).
struct GemmPass {
  int kind;
  ConvGeom g;
  ConvPlan plan;
  std::vector<float> col, w, dy, dw;
};

GemmPass make_pass(const Setup& s, int what) {
  GemmPass p{what, s.g, {}, {}, {}, {}, {}};
  const ConvGeom& g = s.g;
  if (what == 1 && g.a.stride[0] == 1 && g.a.stride[1] == 1 && g.a.padding[0] <= g.KH - 1 &&
      g.a.padding[1] <= g.KW - 1) {
    // Stride 1: the input gradient runs as a forward conv of dy with the flipped weight.
    Conv2dArgs t = g.a;
    t.padding = {g.KH - 1 - g.a.padding[0], g.KW - 1 - g.a.padding[1]};
    p.kind = 0;
    p.g = ConvGeom{g.N, g.O, g.OH, g.OW, g.C, g.KH, g.KW, g.H, g.W, t};
  }
  p.plan = nash::detail::conv_plan(p.g, sizeof(float));
  const int64_t KK = p.g.KH * p.g.KW, cols = p.plan.chunk * p.g.OH * p.g.OW;
  p.col.assign(p.plan.group * KK * cols, 0.5f);
  p.w.assign(p.g.O * p.g.C * KK, 0.01f);
  p.dy.assign(p.g.O * cols, 0.25f);
  p.dw.assign(p.g.O * p.g.C * KK, 0.f);
  return p;
}

void run_pass(GemmPass& p) {
  const ConvGeom& g = p.g;
  const int64_t KK = g.KH * g.KW, K = g.C * KK, P = g.OH * g.OW;
  for (int64_t n0 = 0; n0 < g.N; n0 += p.plan.chunk) {
    const int64_t n = std::min(p.plan.chunk, g.N - n0) * P;
    for (int64_t c0 = 0; c0 < g.C; c0 += p.plan.group) {
      const int64_t kg = std::min(p.plan.group, g.C - c0) * KK;
      if (p.kind == 0)
        nash::gemm::sgemm(false, false, g.O, n, kg, 1.f, p.w.data() + c0 * KK, K, p.col.data(), n,
                          c0 == 0 ? 0.f : 1.f, p.dy.data(), n);
      else if (p.kind == 1)
        nash::gemm::sgemm(true, false, kg, n, g.O, 1.f, p.w.data() + c0 * KK, K, p.dy.data(), n,
                          0.f, p.col.data(), n);
      else
        nash::gemm::sgemm(false, true, g.O, kg, n, 1.f, p.dy.data(), n, p.col.data(), n,
                          n0 == 0 ? 0.f : 1.f, p.dw.data() + c0 * KK, K);
    }
  }
}

// "MxNxK x calls": the GEMM shape of one chunk and channel group, and how many run per pass.
std::string pass_label(const GemmPass& p) {
  const ConvGeom& g = p.g;
  const int64_t cols = p.plan.chunk * g.OH * g.OW, kg = p.plan.group * g.KH * g.KW;
  const int64_t calls = (g.N + p.plan.chunk - 1) / p.plan.chunk * ((g.C + p.plan.group - 1) / p.plan.group);
  const int64_t m = p.kind == 1 ? kg : g.O, n = p.kind == 2 ? kg : cols, k = p.kind == 0 ? kg : p.kind == 1 ? g.O : cols;
  return std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k) + " x" +
         std::to_string(calls);
}

std::string label(const Setup& s, int what) {
  const char* names[] = {"fwd ", "bwd_in ", "bwd_w "};
  std::string out;
  for (int i = 0; i < 3; ++i)
    if (what == i || what == 3) {
      GemmPass p = make_pass(s, i);
      out += (out.empty() ? "" : ", ") + std::string(names[i]) +
             (i == 1 && p.kind == 0 ? "as fwd of dy " : "") + pass_label(p);
    }
  return out;
}

void set_counters(benchmark::State& st, const Setup& s, int passes) {
  st.counters["GFLOP/s"] = benchmark::Counter(passes * s.flops / 1e9,
                                              benchmark::Counter::kIsIterationInvariantRate);
  const double K = double(s.g.C * s.g.KH * s.g.KW);
  st.counters["col_MB"] = K * s.g.N * s.g.OH * s.g.OW * sizeof(float) / 1e6;
  st.counters["K"] = K;
}

// what = 0 forward, 1 backward input, 2 backward weight, 3 all three. direct = false: every pass
// through im2col + GEMM (the direct kernels switched off).
void bm_conv(benchmark::State& st, ConvCase c, int what, bool direct) {
  const Setup s = make_setup(c);
  nash::detail::set_direct_conv_enabled(direct);
  for (auto _ : st) {
    if (what == 0 || what == 3) benchmark::DoNotOptimize(nash::conv2d(s.x, s.w, Tensor(), s.a));
    if (what == 1 || what == 3)
      benchmark::DoNotOptimize(nash::conv2d_backward_input(s.dy, s.w, s.x.shape(), s.a));
    if (what == 2 || what == 3)
      benchmark::DoNotOptimize(nash::conv2d_backward_weight(s.dy, s.x, s.w.shape(), s.a));
  }
  nash::detail::set_direct_conv_enabled(true);
  set_counters(st, s, what == 3 ? 3 : 1);
  st.SetLabel(direct && nash::detail::direct_conv_fits(s.g) ? "direct" : label(s, what));
}

// The same pass's sgemm calls alone: no im2col, col2im, copies or allocation.
void bm_gemm(benchmark::State& st, ConvCase c, int what) {
  const Setup s = make_setup(c);
  std::vector<GemmPass> passes;
  for (int i = 0; i < 3; ++i)
    if (what == i || what == 3) passes.push_back(make_pass(s, i));
  for (auto _ : st) {
    for (GemmPass& p : passes) run_pass(p);
    benchmark::ClobberMemory();
  }
  set_counters(st, s, what == 3 ? 3 : 1);
}

// Generator: [64, C, H, W] -> nearest x2 -> 3x3 conv, padding 1 -> [64, O, 2H, 2W].
struct UpCase {
  const char* name;
  int64_t N, C, H, W, O;
};
const UpCase kUpCases[] = {{"128to128_7x7", 64, 128, 7, 7, 128}, {"128to64_14x14", 64, 128, 14, 14, 64}};

// what = 0 forward, 1 backward input, 2 backward weight, 3 all three (as bm_conv).
void bm_upsample_conv(benchmark::State& st, UpCase c, bool folded, int what) {
  nash::Rng rng(7);
  const Tensor x = nash::normal({c.N, c.C, c.H, c.W}, 0, 1, rng);
  const Tensor w = nash::normal({c.O, c.C, 3, 3}, 0, 0.05, rng), b = nash::zeros({c.O});
  const Tensor dy = nash::normal({c.N, c.O, 2 * c.H, 2 * c.W}, 0, 1, rng);
  Conv2dArgs a;
  a.padding = {1, 1};
  const bool fwd = what == 0 || what == 3, bwd_in = what == 1 || what == 3,
             bwd_w = what == 2 || what == 3;
  for (auto _ : st) {
    if (folded) {
      if (fwd) benchmark::DoNotOptimize(nash::upsample_conv2d(x, w, b));
      if (bwd_in) benchmark::DoNotOptimize(nash::upsample_conv2d_backward_input(dy, w));
      if (bwd_w) benchmark::DoNotOptimize(nash::upsample_conv2d_backward_weight(dy, x));
    } else {  // the upsampled tensor is made once per step, as the forward makes it
      const Tensor up = nash::upsample_nearest2d(x, 2);
      if (fwd) benchmark::DoNotOptimize(nash::conv2d(up, w, b, a));
      if (bwd_in)
        benchmark::DoNotOptimize(nash::upsample_nearest2d_backward(
            nash::conv2d_backward_input(dy, w, up.shape(), a), 2));
      if (bwd_w) benchmark::DoNotOptimize(nash::conv2d_backward_weight(dy, up, w.shape(), a));
    }
  }
  const double flops = 2.0 * c.N * c.O * 4 * c.H * c.W * c.C * 9;
  st.counters["GFLOP/s"] = benchmark::Counter((what == 3 ? 3 : 1) * flops / 1e9,
                                              benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

int main(int argc, char** argv) {
  const char* passes[] = {"fwd", "bwd_input", "bwd_weight", "fwd+bwd"};
  for (const ConvCase& c : cases())
    for (int what = 0; what < 4; ++what) {
      const std::string tail = std::string(passes[what]) + "/" + c.name;
      benchmark::RegisterBenchmark(("conv/" + tail).c_str(), bm_conv, c, what, true)
          ->Unit(benchmark::kMillisecond)->UseRealTime();
      if (nash::detail::direct_conv_fits(geom_of(c)))  // the same passes on the old path
        benchmark::RegisterBenchmark(("conv_im2col/" + tail).c_str(), bm_conv, c, what, false)
            ->Unit(benchmark::kMillisecond)->UseRealTime();
      benchmark::RegisterBenchmark(("sgemm/" + tail).c_str(), bm_gemm, c, what)
          ->Unit(benchmark::kMillisecond)->UseRealTime();
    }
  for (const UpCase& c : kUpCases)
    for (int what = 0; what < 4; ++what)
      for (bool folded : {false, true})
        benchmark::RegisterBenchmark((std::string("upsample_conv/") + passes[what] + "/" +
                                      (folded ? "folded/" : "unfolded/") + c.name).c_str(),
                                     bm_upsample_conv, c, folded, what)
            ->Unit(benchmark::kMillisecond)->UseRealTime();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
