// The direct convolution (tensor/conv_direct.cpp) against the im2col + GEMM path on many shapes
// (both strategies: vector over the outputs and dot products for few outputs), the DCGAN layers,
// conv_transpose2d through it, which shapes take it, and identical bits for any thread count.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "tensor/conv.h"
#include "tensor/creation.h"
#include "tensor/ops.h"
#include "tensor/parallel.h"
#include "tensor/random.h"

using namespace nash;
using detail::ConvGeom;

namespace {

// Runs f with the direct path switched on or off, restoring the setting after.
template <class F>
auto with_direct(bool on, F f) {
  const bool saved = detail::direct_conv_enabled();
  detail::set_direct_conv_enabled(on);
  struct Restore {
    bool v;
    ~Restore() { detail::set_direct_conv_enabled(v); }
  } restore{saved};
  return f();
}

struct Passes {
  Tensor y, dx, dw;
};

Passes run(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& dy,
           const Conv2dArgs& a) {
  return {conv2d(x, w, b, a), conv2d_backward_input(dy, w, x.shape(), a),
          conv2d_backward_weight(dy, x, w.shape(), a)};
}

// max |got - want| / max(1, max |want|)
double rel_err(const Tensor& got, const Tensor& want) {
  REQUIRE(got.shape() == want.shape());
  const std::vector<double> g = got.to(DType::Float64).to_vector();
  const std::vector<double> v = want.to(DType::Float64).to_vector();
  double scale = 1.0, err = 0.0;
  for (double e : v) scale = std::max(scale, std::abs(e));
  for (size_t i = 0; i < g.size(); ++i) err = std::max(err, std::abs(g[i] - v[i]));
  return err / scale;
}

Conv2dArgs args(int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw) {
  Conv2dArgs a;
  a.stride = {sh, sw};
  a.padding = {ph, pw};
  a.dilation = {dh, dw};
  return a;
}

int64_t out_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d) {
  const int64_t span = in + 2 * p - d * (k - 1) - 1;
  return span < 0 ? 0 : span / s + 1;
}

struct Shape7 {
  int64_t N, C, H, W, O, KH, KW;
  Conv2dArgs a;
};

// Compares the three passes of both paths on one shape, in float32 and float64.
void compare_paths(const Shape7& s, uint64_t seed) {
  const int64_t OH = out_size(s.H, s.KH, s.a.stride[0], s.a.padding[0], s.a.dilation[0]);
  const int64_t OW = out_size(s.W, s.KW, s.a.stride[1], s.a.padding[1], s.a.dilation[1]);
  if (OH <= 0 || OW <= 0) return;
  const ConvGeom g{s.N, s.C, s.H, s.W, s.O, s.KH, s.KW, OH, OW, s.a};
  CAPTURE(s.N, s.C, s.H, s.W, s.O, s.KH, s.KW, s.a.stride[0], s.a.stride[1], s.a.padding[0],
          s.a.padding[1], s.a.dilation[0], s.a.dilation[1]);
  REQUIRE(detail::direct_conv_fits(g));
  for (DType dtype : {DType::Float32, DType::Float64}) {
    CAPTURE(dtype_name(dtype));
    Rng rng(seed);
    const Tensor x = uniform({s.N, s.C, s.H, s.W}, -1, 1, rng).to(dtype);
    const Tensor w = uniform({s.O, s.C, s.KH, s.KW}, -1, 1, rng).to(dtype);
    const Tensor b = uniform({s.O}, -1, 1, rng).to(dtype);
    const Tensor dy = uniform({s.N, s.O, OH, OW}, -1, 1, rng).to(dtype);
    const Passes direct = with_direct(true, [&] { return run(x, w, b, dy, s.a); });
    const Passes gemm = with_direct(false, [&] { return run(x, w, b, dy, s.a); });
    const double tol = dtype == DType::Float64 ? 1e-12 : 2e-5;
    CHECK(rel_err(direct.y, gemm.y) < tol);
    CHECK(rel_err(direct.dx, gemm.dx) < tol);
    CHECK(rel_err(direct.dw, gemm.dw) < tol);
  }
}

}  // namespace

TEST_CASE("direct conv equals im2col + GEMM on a sweep of shapes", "[tensor][conv]") {
  // Deterministic sweep: channel counts below, at and above the vector widths (8 doubles, 16
  // floats), 1 and few outputs (dot products), strides 1-3, padding 0-2 (also past the kernel's
  // reach), dilation 1-2, non-square kernels and planes, batch 1-3.
  uint64_t seed = 1;
  int tested = 0;
  for (int64_t C : {1, 2, 3, 7, 8, 9, 16, 17})
    for (int64_t O : {1, 2, 3, 5, 8, 16, 17, 33}) {
      const int64_t k = 1 + static_cast<int64_t>(seed % 4), kw = 1 + static_cast<int64_t>(seed * 7 % 3);
      const int64_t st = 1 + static_cast<int64_t>(seed % 3), pad = static_cast<int64_t>(seed * 5 % 3);
      const int64_t dil = 1 + static_cast<int64_t>(seed / 3 % 2);
      const Shape7 s{1 + static_cast<int64_t>(seed % 3), C, 5 + static_cast<int64_t>(seed % 7),
                     4 + static_cast<int64_t>(seed * 3 % 9), O, k, kw,
                     args(st, 1 + static_cast<int64_t>(seed / 2 % 3), pad, 2 - pad, dil, 1)};
      ++seed;
      if (C * s.KH * s.KW > 160 && O > 4) continue;
      compare_paths(s, seed);
      ++tested;
    }
  CHECK(tested > 50);
  // Few outputs with deep inputs (the image-producing last layer): dot products over channels.
  compare_paths({2, 64, 9, 11, 1, 3, 3, args(1, 1, 1, 1, 1, 1)}, 101);
  compare_paths({2, 37, 6, 7, 3, 3, 2, args(2, 1, 0, 1, 1, 2)}, 102);
  // Padding wider than the kernel's reach: cells of the grid no output reads.
  compare_paths({2, 3, 5, 5, 4, 2, 2, args(1, 1, 3, 2, 1, 1)}, 103);
}

TEST_CASE("direct conv on the DCGAN layers it takes, and not on the deep ones", "[tensor][conv]") {
  const Conv2dArgs s2 = args(2, 2, 1, 1, 1, 1), s1 = args(1, 1, 1, 1, 1, 1);
  // D's first two stride-2 layers at 28x28 and G's last layer (64 -> 1 channel), batch 3.
  compare_paths({3, 1, 28, 28, 16, 3, 3, s2}, 201);
  compare_paths({3, 16, 14, 14, 32, 3, 3, s2}, 202);
  compare_paths({3, 64, 28, 28, 1, 3, 3, s1}, 203);
  // Depth 288 and 576 with 64 and 128 outputs stay on im2col + GEMM.
  CHECK_FALSE(detail::direct_conv_fits({64, 32, 7, 7, 64, 3, 3, 4, 4, s2}));
  CHECK_FALSE(detail::direct_conv_fits({64, 64, 4, 4, 128, 3, 3, 2, 2, s2}));
  // A 1x1 stride-1 convolution is a plain GEMM on x.
  CHECK_FALSE(detail::direct_conv_fits({2, 3, 8, 8, 4, 1, 1, 8, 8, args(1, 1, 0, 0, 1, 1)}));
}

TEST_CASE("conv_transpose2d through the direct path equals im2col + GEMM", "[tensor][conv]") {
  Rng rng(7);
  const Conv2dArgs a = args(2, 2, 1, 1, 1, 1);
  for (DType dtype : {DType::Float32, DType::Float64}) {
    const Tensor x = uniform({2, 5, 4, 3}, -1, 1, rng).to(dtype);
    const Tensor w = uniform({5, 3, 3, 3}, -1, 1, rng).to(dtype), b = uniform({3}, -1, 1, rng).to(dtype);
    const Tensor dy = uniform({2, 3, 8, 6}, -1, 1, rng).to(dtype);
    auto all = [&] {
      return std::vector<Tensor>{conv_transpose2d(x, w, b, a, {1, 1}),
                                 conv_transpose2d_backward_input(dy, w, a),
                                 conv_transpose2d_backward_weight(dy, x, w.shape(), a)};
    };
    const std::vector<Tensor> direct = with_direct(true, all), gemm = with_direct(false, all);
    const double tol = dtype == DType::Float64 ? 1e-12 : 2e-5;
    for (size_t i = 0; i < direct.size(); ++i) CHECK(rel_err(direct[i], gemm[i]) < tol);
  }
}

TEST_CASE("direct conv gives identical bits for 1, 2 and 3 threads", "[tensor][conv]") {
  Rng rng(11);
  const int saved = get_num_threads();
  for (const Shape7& s : {Shape7{13, 16, 14, 14, 32, 3, 3, args(2, 2, 1, 1, 1, 1)},
                          Shape7{9, 64, 12, 12, 1, 3, 3, args(1, 1, 1, 1, 1, 1)},
                          Shape7{7, 1, 28, 28, 16, 3, 3, args(2, 2, 1, 1, 1, 1)}}) {
    CAPTURE(s.N, s.C, s.O);
    const int64_t OH = out_size(s.H, s.KH, s.a.stride[0], s.a.padding[0], 1);
    const int64_t OW = out_size(s.W, s.KW, s.a.stride[1], s.a.padding[1], 1);
    const Tensor x = uniform({s.N, s.C, s.H, s.W}, -1, 1, rng);
    const Tensor w = uniform({s.O, s.C, s.KH, s.KW}, -1, 1, rng), b = uniform({s.O}, -1, 1, rng);
    const Tensor dy = uniform({s.N, s.O, OH, OW}, -1, 1, rng);
    std::vector<Passes> out;
    for (int t : {1, 2, 3}) {
      set_num_threads(t);
      out.push_back(with_direct(true, [&] { return run(x, w, b, dy, s.a); }));
    }
    set_num_threads(saved);
    for (size_t i = 1; i < out.size(); ++i) {
      CHECK(equal(out[0].y, out[i].y));
      CHECK(equal(out[0].dx, out[i].dx));
      CHECK(equal(out[0].dw, out[i].dw));
    }
  }
}
