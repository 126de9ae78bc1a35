// conv2d, conv_transpose2d and their backward functions against direct loops (written here, in
// double), the adjoint identities, thread-count invariance and the shape errors.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "tensor/conv.h"
#include "tensor/creation.h"
#include "tensor/ops.h"
#include "tensor/parallel.h"

using namespace nash;

namespace {

using Vec = std::vector<double>;

// Deterministic values in [-1, 1) from a 64-bit LCG (no dependence on nash's generator).
Vec random_values(int64_t n, uint64_t seed) {
  Vec v(static_cast<size_t>(n));
  uint64_t s = seed * 6364136223846793005ULL + 1442695040888963407ULL;
  for (auto& x : v) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    x = static_cast<double>(s >> 11) / 9007199254740992.0 * 2.0 - 1.0;
  }
  return v;
}

Tensor make(const Vec& v, const Shape& shape, DType dtype) {
  return from_vector(v, shape).to(dtype);
}

struct Case {
  int64_t N, C, H, W, O, KH, KW;
  Conv2dArgs a;
};

Conv2dArgs args(int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw) {
  Conv2dArgs a;
  a.stride = {sh, sw};
  a.padding = {ph, pw};
  a.dilation = {dh, dw};
  return a;
}

// Odd sizes, strides 1-3, paddings 0-2, dilations 1-2, non-square kernels, batch > 1.
std::vector<Case> cases() {
  return {
      {2, 3, 7, 9, 4, 3, 3, args(1, 1, 0, 0, 1, 1)},
      {3, 2, 9, 7, 5, 3, 2, args(2, 1, 1, 2, 1, 1)},
      {2, 4, 11, 10, 3, 4, 4, args(2, 2, 1, 1, 1, 1)},
      {2, 3, 13, 11, 2, 3, 5, args(3, 2, 2, 1, 2, 1)},
      {1, 5, 8, 9, 6, 2, 3, args(1, 3, 0, 2, 2, 2)},
      {4, 1, 5, 5, 3, 1, 1, args(1, 1, 0, 0, 1, 1)},
      {2, 2, 6, 6, 3, 5, 5, args(1, 1, 2, 2, 1, 1)},
      {2, 2, 10, 12, 3, 3, 3, args(2, 3, 1, 1, 1, 1)},  // transposed: output_padding [1, 2]
      // Stride 1 computes dx as a forward conv of dy, except when padding > dilation*(k-1):
      {2, 2, 5, 6, 3, 2, 2, args(1, 1, 2, 2, 1, 1)},
      {2, 3, 7, 8, 2, 3, 2, args(1, 1, 2, 1, 2, 1)},
      {3, 3, 16, 17, 4, 1, 1, args(1, 1, 0, 0, 1, 1)},  // 1x1 on 272 columns: GEMMs on x itself
      // Output widths >= 16 take the row-copy im2col/col2im (narrower ones an index table).
      {2, 3, 11, 37, 2, 3, 4, args(2, 2, 1, 2, 1, 2)},
      {1, 2, 9, 52, 3, 2, 3, args(1, 3, 0, 1, 2, 1)},
  };
}

int64_t out_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d) {
  return (in + 2 * p - d * (k - 1) - 1) / s + 1;
}

// y[n,o,oh,ow] = b[o] + sum w[o,c,kh,kw] x[n,c,oh*s-p+kh*d, ow*s-p+kw*d]
Vec ref_conv2d(const Vec& x, const Vec& w, const Vec& b, const Case& t, int64_t OH, int64_t OW) {
  Vec y(static_cast<size_t>(t.N * t.O * OH * OW), 0.0);
  for (int64_t n = 0; n < t.N; ++n)
    for (int64_t o = 0; o < t.O; ++o)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          double acc = b.empty() ? 0.0 : b[o];
          for (int64_t c = 0; c < t.C; ++c)
            for (int64_t kh = 0; kh < t.KH; ++kh)
              for (int64_t kw = 0; kw < t.KW; ++kw) {
                int64_t ih = oh * t.a.stride[0] - t.a.padding[0] + kh * t.a.dilation[0];
                int64_t iw = ow * t.a.stride[1] - t.a.padding[1] + kw * t.a.dilation[1];
                if (ih < 0 || ih >= t.H || iw < 0 || iw >= t.W) continue;
                acc += w[((o * t.C + c) * t.KH + kh) * t.KW + kw] *
                       x[((n * t.C + c) * t.H + ih) * t.W + iw];
              }
          y[((n * t.O + o) * OH + oh) * OW + ow] = acc;
        }
  return y;
}

// Visits every (x index, w index, y index) product of the convolution: the three backward
// references and the transposed convolution are all this loop with a different accumulation.
template <class F>
void for_each_tap(const Case& t, int64_t OH, int64_t OW, F f) {
  for (int64_t n = 0; n < t.N; ++n)
    for (int64_t o = 0; o < t.O; ++o)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow)
          for (int64_t c = 0; c < t.C; ++c)
            for (int64_t kh = 0; kh < t.KH; ++kh)
              for (int64_t kw = 0; kw < t.KW; ++kw) {
                int64_t ih = oh * t.a.stride[0] - t.a.padding[0] + kh * t.a.dilation[0];
                int64_t iw = ow * t.a.stride[1] - t.a.padding[1] + kw * t.a.dilation[1];
                if (ih < 0 || ih >= t.H || iw < 0 || iw >= t.W) continue;
                f(((n * t.C + c) * t.H + ih) * t.W + iw, ((o * t.C + c) * t.KH + kh) * t.KW + kw,
                  ((n * t.O + o) * OH + oh) * OW + ow);
              }
}

double max_rel_err(const Vec& got, const Vec& want) {
  REQUIRE(got.size() == want.size());
  double scale = 1.0, err = 0.0;
  for (double v : want) scale = std::max(scale, std::abs(v));
  for (size_t i = 0; i < got.size(); ++i) err = std::max(err, std::abs(got[i] - want[i]));
  return err / scale;
}

double tolerance(DType dtype) { return dtype == DType::Float64 ? 1e-12 : 2e-5; }

// Sends the convolutions through the direct kernels or through im2col + GEMM while alive.
struct PathGuard {
  bool saved = detail::direct_conv_enabled();
  explicit PathGuard(bool direct) { detail::set_direct_conv_enabled(direct); }
  ~PathGuard() { detail::set_direct_conv_enabled(saved); }
};

double dot(const Vec& a, const Vec& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

}  // namespace

TEST_CASE("conv2d and its backward functions match direct loops", "[tensor][conv]") {
  for (bool direct : {true, false})
  for (DType dtype : {DType::Float32, DType::Float64}) {
    const PathGuard path(direct);
    CAPTURE(direct);
    uint64_t seed = 1;
    for (const Case& t : cases()) {
      CAPTURE(dtype_name(dtype), t.N, t.C, t.H, t.W, t.O, t.KH, t.KW, t.a.stride[0],
              t.a.stride[1], t.a.padding[0], t.a.padding[1], t.a.dilation[0], t.a.dilation[1]);
      const int64_t OH = out_size(t.H, t.KH, t.a.stride[0], t.a.padding[0], t.a.dilation[0]);
      const int64_t OW = out_size(t.W, t.KW, t.a.stride[1], t.a.padding[1], t.a.dilation[1]);
      const Shape xs{t.N, t.C, t.H, t.W}, ws{t.O, t.C, t.KH, t.KW}, ys{t.N, t.O, OH, OW};
      const Vec xv = random_values(numel_of(xs), seed++), wv = random_values(numel_of(ws), seed++);
      const Vec bv = random_values(t.O, seed++), dyv = random_values(numel_of(ys), seed++);
      const Tensor x = make(xv, xs, dtype), w = make(wv, ws, dtype), b = make(bv, {t.O}, dtype);
      const Tensor dy = make(dyv, ys, dtype);

      const Tensor y = conv2d(x, w, b, t.a);
      REQUIRE(y.shape() == ys);
      REQUIRE(y.dtype() == dtype);
      CHECK(max_rel_err(y.to_vector(), ref_conv2d(xv, wv, bv, t, OH, OW)) < tolerance(dtype));
      CHECK(max_rel_err(conv2d(x, w, Tensor(), t.a).to_vector(), ref_conv2d(xv, wv, {}, t, OH, OW)) <
            tolerance(dtype));

      Vec dx_ref(xv.size(), 0.0), dw_ref(wv.size(), 0.0);
      for_each_tap(t, OH, OW, [&](int64_t xi, int64_t wi, int64_t yi) {
        dx_ref[xi] += wv[wi] * dyv[yi];
        dw_ref[wi] += xv[xi] * dyv[yi];
      });
      const Tensor dx = conv2d_backward_input(dy, w, xs, t.a);
      const Tensor dw = conv2d_backward_weight(dy, x, ws, t.a);
      REQUIRE(dx.shape() == xs);
      REQUIRE(dw.shape() == ws);
      CHECK(max_rel_err(dx.to_vector(), dx_ref) < tolerance(dtype));
      CHECK(max_rel_err(dw.to_vector(), dw_ref) < tolerance(dtype));
    }
  }
}

TEST_CASE("conv_transpose2d and its backward functions match direct loops", "[tensor][conv]") {
  for (bool direct : {true, false})
  for (DType dtype : {DType::Float32, DType::Float64}) {
    const PathGuard path(direct);
    CAPTURE(direct);
    uint64_t seed = 100;
    for (const Case& t : cases()) {
      // conv_transpose2d maps conv2d's output shape [N, O, OH, OW] back to [N, C, H, W]; the
      // transposed weight is [O, C, KH, KW] read as [C_t, O_t, KH, KW].
      const int64_t OH = out_size(t.H, t.KH, t.a.stride[0], t.a.padding[0], t.a.dilation[0]);
      const int64_t OW = out_size(t.W, t.KW, t.a.stride[1], t.a.padding[1], t.a.dilation[1]);
      // output_padding recovers the rows the floor in conv2d's size formula dropped.
      const std::array<int64_t, 2> op{
          t.H - ((OH - 1) * t.a.stride[0] - 2 * t.a.padding[0] + t.a.dilation[0] * (t.KH - 1) + 1),
          t.W - ((OW - 1) * t.a.stride[1] - 2 * t.a.padding[1] + t.a.dilation[1] * (t.KW - 1) + 1)};
      CAPTURE(dtype_name(dtype), t.N, t.C, t.H, t.W, t.O, t.KH, t.KW, op[0], op[1]);
      const Shape xs{t.N, t.O, OH, OW}, ws{t.O, t.C, t.KH, t.KW}, ys{t.N, t.C, t.H, t.W};
      const Vec xv = random_values(numel_of(xs), seed++), wv = random_values(numel_of(ws), seed++);
      const Vec bv = random_values(t.C, seed++), dyv = random_values(numel_of(ys), seed++);
      const Tensor x = make(xv, xs, dtype), w = make(wv, ws, dtype), b = make(bv, {t.C}, dtype);
      const Tensor dy = make(dyv, ys, dtype);

      // y[n,c,h,w] = b[c] + sum over the taps that land on (h, w) of x[n,o,oh,ow] w[o,c,kh,kw]
      Vec y_ref(numel_of(ys), 0.0), dx_ref(xv.size(), 0.0), dw_ref(wv.size(), 0.0);
      for (int64_t i = 0; i < numel_of(ys); ++i) y_ref[i] = bv[(i / (t.H * t.W)) % t.C];
      for_each_tap(t, OH, OW, [&](int64_t yi, int64_t wi, int64_t xi) {
        y_ref[yi] += xv[xi] * wv[wi];
        dx_ref[xi] += dyv[yi] * wv[wi];
        dw_ref[wi] += xv[xi] * dyv[yi];
      });
      const Tensor y = conv_transpose2d(x, w, b, t.a, op);
      REQUIRE(y.shape() == ys);
      CHECK(max_rel_err(y.to_vector(), y_ref) < tolerance(dtype));
      const Tensor dx = conv_transpose2d_backward_input(dy, w, t.a);
      REQUIRE(dx.shape() == xs);
      CHECK(max_rel_err(dx.to_vector(), dx_ref) < tolerance(dtype));
      const Tensor dw = conv_transpose2d_backward_weight(dy, x, ws, t.a);
      REQUIRE(dw.shape() == ws);
      CHECK(max_rel_err(dw.to_vector(), dw_ref) < tolerance(dtype));
    }
  }
}

TEST_CASE("conv_transpose2d: DCGAN upsampling shape, stride 2 kernel 4 padding 1", "[tensor][conv]") {
  // [N, 8, 4, 4] -> [N, 3, 8, 8]; each output pixel gets exactly 4 taps (the two dims' parities).
  Conv2dArgs a = args(2, 2, 1, 1, 1, 1);
  const Tensor x = ones({2, 8, 4, 4}, DType::Float64), w = ones({8, 3, 4, 4}, DType::Float64);
  const Tensor y = conv_transpose2d(x, w, Tensor(), a);
  REQUIRE(y.shape() == Shape{2, 3, 8, 8});
  CHECK(y.at({1, 2, 3, 4}) == 8 * 4);  // interior: 2 taps per dim, 8 input channels
  CHECK(y.at({0, 0, 0, 0}) == 8 * 1);  // corner: 1 tap per dim
}

TEST_CASE("conv2d accepts strided views and gives the same values", "[tensor][conv]") {
  for (DType dtype : {DType::Float32, DType::Float64}) {
    Conv2dArgs a = args(2, 1, 1, 0, 1, 2);
    // x is a transposed view of a [2, 3, 9, 7] buffer; w a slice with step 2 over O.
    const Tensor xt = make(random_values(2 * 3 * 9 * 7, 7), {2, 3, 9, 7}, dtype).transpose(2, 3);
    const Tensor wb = make(random_values(8 * 3 * 3 * 2, 8), {8, 3, 3, 2}, dtype);
    const Tensor ws = wb.slice(0, 0, 8, 2);
    REQUIRE_FALSE(xt.is_contiguous());
    REQUIRE_FALSE(ws.is_contiguous());
    const Tensor y = conv2d(xt, ws, Tensor(), a);
    const Tensor y_ref = conv2d(xt.contiguous(), ws.contiguous(), Tensor(), a);
    CHECK(equal(y, y_ref));
    const Tensor dy = make(random_values(y.numel(), 9), y.shape(), dtype).transpose(0, 1)
                          .contiguous().transpose(0, 1);  // same values, permuted storage
    REQUIRE_FALSE(dy.is_contiguous());
    CHECK(equal(conv2d_backward_input(dy, ws, xt.shape(), a),
                conv2d_backward_input(dy.contiguous(), ws.contiguous(), xt.shape(), a)));
    CHECK(equal(conv2d_backward_weight(dy, xt, ws.shape(), a),
                conv2d_backward_weight(dy.contiguous(), xt.contiguous(), ws.shape(), a)));
    // And against the loops: the view's logical values are what the reference sees.
    Case t{2, 3, 7, 9, 4, 3, 2, a};
    CHECK(max_rel_err(y.to_vector(), ref_conv2d(xt.to_vector(), ws.to_vector(), {}, t,
                                                y.size(2), y.size(3))) < tolerance(dtype));
  }
}

TEST_CASE("conv2d adjoint identities hold in float64", "[tensor][conv]") {
  // <conv2d(x, w), dy> == <x, conv2d_backward_input(dy, w)> == <w, conv2d_backward_weight(dy, x)>
  for (const Case& t : cases()) {
    const Shape xs{t.N, t.C, t.H, t.W}, ws{t.O, t.C, t.KH, t.KW};
    const Tensor x = make(random_values(numel_of(xs), 31), xs, DType::Float64);
    const Tensor w = make(random_values(numel_of(ws), 32), ws, DType::Float64);
    const Tensor y = conv2d(x, w, Tensor(), t.a);
    const Tensor dy = make(random_values(y.numel(), 33), y.shape(), DType::Float64);
    const double lhs = dot(y.to_vector(), dy.to_vector());
    const double via_x = dot(x.to_vector(), conv2d_backward_input(dy, w, xs, t.a).to_vector());
    const double via_w = dot(w.to_vector(), conv2d_backward_weight(dy, x, ws, t.a).to_vector());
    CHECK(via_x == Approx(lhs).epsilon(1e-12));
    CHECK(via_w == Approx(lhs).epsilon(1e-12));
  }
}

TEST_CASE("conv2d work plans: chunks, channel groups, direct 1x1", "[tensor][conv]") {
  const Conv2dArgs pad1 = args(1, 1, 1, 1, 1, 1), none;
  // 460 KB of columns per sample: two samples per chunk.
  CHECK(detail::conv_plan({3, 8, 40, 40, 4, 3, 3, 40, 40, pad1}, sizeof(float)).chunk == 2);
  // 1.3 MB per sample: one sample at a time, 9 channels in groups of 5 (5 + 4).
  const detail::ConvPlan grouped = detail::conv_plan({2, 9, 64, 64, 3, 3, 3, 64, 64, pad1}, sizeof(float));
  CHECK(grouped.chunk == 1);
  CHECK(grouped.group == 5);
  // A 1x1 stride-1 conv on >= 256 columns: one sample per GEMM, straight on x.
  CHECK(detail::conv_plan({3, 3, 16, 17, 4, 1, 1, 16, 17, none}, sizeof(float)).chunk == 1);
  CHECK(detail::conv_plan({3, 3, 4, 5, 4, 1, 1, 4, 5, none}, sizeof(float)).chunk == 3);
}

TEST_CASE("conv2d chunks and channel groups: values, and identical bits for any thread count",
          "[tensor][conv]") {
  const PathGuard im2col(false);  // these shapes (depth <= 160, O <= 4) would run direct
  // Chunks of 2 + 1 samples; then one sample at a time in channel groups of 5 + 4.
  for (const Case& t : {Case{3, 8, 40, 40, 4, 3, 3, args(1, 1, 1, 1, 1, 1)},
                        Case{2, 9, 64, 64, 3, 3, 3, args(1, 1, 1, 1, 1, 1)}}) {
    for (DType dtype : {DType::Float32, DType::Float64}) {
      CAPTURE(t.N, t.C, t.H, dtype_name(dtype));
      const Shape xs{t.N, t.C, t.H, t.W}, ws{t.O, t.C, t.KH, t.KW}, ys{t.N, t.O, t.H, t.W};
      const Vec xv = random_values(numel_of(xs), 41), wv = random_values(numel_of(ws), 42);
      const Vec dyv = random_values(numel_of(ys), 43);
      const Tensor x = make(xv, xs, dtype), w = make(wv, ws, dtype), dy = make(dyv, ys, dtype);
      const int threads = get_num_threads();
      set_num_threads(1);
      const Tensor y1 = conv2d(x, w, Tensor(), t.a), dx1 = conv2d_backward_input(dy, w, xs, t.a),
                   dw1 = conv2d_backward_weight(dy, x, ws, t.a);
      set_num_threads(2);
      const Tensor y2 = conv2d(x, w, Tensor(), t.a), dx2 = conv2d_backward_input(dy, w, xs, t.a),
                   dw2 = conv2d_backward_weight(dy, x, ws, t.a);
      set_num_threads(threads);
      CHECK(equal(y1, y2));
      CHECK(equal(dx1, dx2));
      CHECK(equal(dw1, dw2));
      Vec dx_ref(xv.size(), 0.0), dw_ref(wv.size(), 0.0);
      for_each_tap(t, t.H, t.W, [&](int64_t xi, int64_t wi, int64_t yi) {
        dx_ref[xi] += wv[wi] * dyv[yi];
        dw_ref[wi] += xv[xi] * dyv[yi];
      });
      CHECK(max_rel_err(y1.to_vector(), ref_conv2d(xv, wv, {}, t, t.H, t.W)) < tolerance(dtype));
      CHECK(max_rel_err(dx1.to_vector(), dx_ref) < tolerance(dtype));
      CHECK(max_rel_err(dw1.to_vector(), dw_ref) < 4 * tolerance(dtype));  // sums of 8192 terms
    }
  }
}

TEST_CASE("im2col and col2im equal direct loops bit for bit, in every layout", "[tensor][conv]") {
  // Output widths < 8 take a table; wider ones the phase layout (strides 1-3, dilation,
  // padding past the kernel's reach); stride 1 without padding copies straight from x. Each
  // runs on a channel subset [c0, c0+cn) of several samples, on 1 and 2 threads (the last two
  // cases are large enough to split).
  struct Geo {
    int64_t N, C, H, W, KH, KW;
    Conv2dArgs a;
    int64_t c0, cn;
  };
  const std::vector<Geo> geos = {
      {3, 5, 16, 16, 3, 3, args(2, 2, 1, 1, 1, 1), 1, 3},   // OW 8: phases
      {3, 4, 8, 8, 4, 4, args(2, 2, 1, 1, 1, 1), 0, 4},     // OW 4: table
      {2, 3, 32, 32, 3, 3, args(2, 2, 1, 1, 1, 1), 1, 2},   // OW 16
      {2, 3, 13, 29, 3, 2, args(1, 3, 2, 1, 2, 1), 0, 3},   // dilation, stride 3
      {2, 2, 19, 17, 2, 3, args(1, 1, 0, 0, 1, 2), 0, 2},   // stride 1, no padding
      {2, 3, 9, 40, 3, 5, args(2, 3, 1, 2, 1, 1), 2, 1},    // stride (2, 3)
      {1, 2, 5, 6, 2, 2, args(1, 1, 2, 2, 1, 1), 0, 2},     // padding past the kernel
      {4, 16, 16, 16, 3, 3, args(2, 2, 1, 1, 1, 1), 0, 16},
      {4, 32, 8, 8, 3, 3, args(2, 2, 1, 1, 1, 1), 0, 32}};
  const int threads = get_num_threads();
  for (int nt : {1, 2}) {
    set_num_threads(nt);
    for (const Geo& t : geos) {
      CAPTURE(nt, t.N, t.C, t.H, t.W, t.KH, t.KW, t.a.stride[0], t.a.stride[1]);
      const int64_t OH = out_size(t.H, t.KH, t.a.stride[0], t.a.padding[0], t.a.dilation[0]);
      const int64_t OW = out_size(t.W, t.KW, t.a.stride[1], t.a.padding[1], t.a.dilation[1]);
      const detail::ConvGeom g{t.N, t.C, t.H, t.W, 1, t.KH, t.KW, OH, OW, t.a};
      const int64_t KK = t.KH * t.KW, P = OH * OW, ld = t.N * P, HW = t.H * t.W;
      const Vec xv = random_values(t.N * t.C * HW, 7), cv = random_values(t.cn * KK * ld, 8);
      const std::vector<float> x(xv.begin(), xv.end());
      std::vector<float> col(cv.size());
      detail::im2col(x.data(), t.N, g, t.c0, t.cn, col.data());
      // The reference: each (channel, tap, sample, output) in turn.
      std::vector<float> col_ref(col.size()), dx_ref(x.size(), 7.f);  // 7: channels left alone
      for (int64_t j = 0; j < t.N; ++j)
        for (int64_t c = t.c0; c < t.c0 + t.cn; ++c)
          std::fill_n(dx_ref.begin() + (j * t.C + c) * HW, HW, 0.f);
      bool col_ok = true;
      for (int64_t c = t.c0; c < t.c0 + t.cn; ++c)
        for (int64_t k = 0; k < KK; ++k)
          for (int64_t j = 0; j < t.N; ++j)
            for (int64_t oh = 0; oh < OH; ++oh)
              for (int64_t ow = 0; ow < OW; ++ow) {
                const int64_t ih = oh * t.a.stride[0] - t.a.padding[0] + k / t.KW * t.a.dilation[0];
                const int64_t iw = ow * t.a.stride[1] - t.a.padding[1] + k % t.KW * t.a.dilation[1];
                const bool in = ih >= 0 && ih < t.H && iw >= 0 && iw < t.W;
                const int64_t r = ((c - t.c0) * KK + k) * ld + j * P + oh * OW + ow;
                const int64_t xi = (j * t.C + c) * HW + ih * t.W + iw;
                col_ok = col_ok && col[r] == (in ? x[xi] : 0.f);
                if (in) dx_ref[xi] += static_cast<float>(cv[r]);
              }
      CHECK(col_ok);
      std::vector<float> dcol(cv.begin(), cv.end()), dx(x.size(), 7.f);
      detail::col2im(dcol.data(), t.N, g, t.c0, t.cn, dx.data());
      CHECK(dx == dx_ref);
    }
  }
  set_num_threads(threads);
}

TEST_CASE("conv2d on empty batches and all-padding inputs", "[tensor][conv]") {
  const Conv2dArgs pad1 = args(1, 1, 1, 1, 1, 1);
  // N = 0: empty outputs and gradients, a zero weight gradient.
  const Tensor w = ones({2, 3, 3, 3});
  CHECK(conv2d(zeros({0, 3, 5, 5}), w, Tensor(), pad1).shape() == Shape{0, 2, 5, 5});
  CHECK(conv2d_backward_input(zeros({0, 2, 5, 5}), w, {0, 3, 5, 5}, pad1).shape() == Shape{0, 3, 5, 5});
  const Tensor dw = conv2d_backward_weight(zeros({0, 2, 5, 5}), zeros({0, 3, 5, 5}), w.shape(), pad1);
  CHECK(equal(dw, zeros({2, 3, 3, 3})));
  // H = W = 0 with padding 1 and a 1x1 kernel: a 2x2 output that only sees padding (= bias).
  const Tensor y = conv2d(zeros({1, 1, 0, 0}), ones({2, 1, 1, 1}), from_vector(Vec{0.5, -1}, {2}).to(DType::Float32), pad1);
  CHECK(y.to_vector() == Vec{0.5, 0.5, 0.5, 0.5, -1, -1, -1, -1});
}

TEST_CASE("conv2d shape errors name the op and the shapes", "[tensor][conv]") {
  Conv2dArgs a;
  const Tensor x = zeros({2, 3, 5, 5}), w = zeros({4, 3, 3, 3});
  REQUIRE_THROWS_WITH(conv2d(x, zeros({3, 3}), Tensor(), a),
                      "conv2d: expected weight with 4 dims [O, C, KH, KW], got [3, 3]");
  REQUIRE_THROWS_WITH(conv2d(zeros({3, 5, 5}), w, Tensor(), a),
                      "conv2d: expected input with 4 dims [N, C, H, W], got [3, 5, 5]");
  REQUIRE_THROWS_WITH(conv2d(x, zeros({4, 2, 3, 3}), Tensor(), a),
                      "conv2d: channels differ: input is [2, 3, 5, 5] (C = 3), weight is "
                      "[4, 2, 3, 3] (C = 2)");
  REQUIRE_THROWS_WITH(conv2d(x, zeros({4, 3, 7, 3}), Tensor(), a),
                      "conv2d: output size must be positive, got [0, 3] for input [2, 3, 5, 5], "
                      "weight [4, 3, 7, 3], stride [1, 1], padding [0, 0], dilation [1, 1]");
  REQUIRE_THROWS_WITH(conv2d(x, w, zeros({3}), a), "conv2d: expected bias [O] = [4], got [3]");
  REQUIRE_THROWS_WITH(conv2d(x, zeros({4, 3, 3, 3}, DType::Float64), Tensor(), a),
                      "conv2d: dtypes differ: input is float32, weight is float64");
  REQUIRE_THROWS_WITH(conv2d(x, w, Tensor(), args(0, 1, 0, 0, 1, 1)),
                      "conv2d: stride must be >= 1, got [0, 1]");
  REQUIRE_THROWS_WITH(conv2d_backward_input(zeros({2, 4, 4, 3}), w, {2, 3, 5, 5}, a),
                      "conv2d_backward_input: expected dy [N, O, OH, OW] [2, 4, 3, 3], got "
                      "[2, 4, 4, 3]");
  REQUIRE_THROWS_WITH(conv2d_backward_weight(zeros({2, 4, 3, 3}), x, {4, 2, 3, 3}, a),
                      Catch::Contains("conv2d_backward_weight: channels differ"));
  REQUIRE_THROWS_WITH(conv_transpose2d(x, w, Tensor(), a),
                      "conv_transpose2d: channels differ: input is [2, 3, 5, 5] (C = 3), weight "
                      "is [4, 3, 3, 3] (C = 4)");
  REQUIRE_THROWS_WITH(conv_transpose2d(zeros({2, 4, 5, 5}), w, Tensor(), args(2, 2, 0, 0, 1, 1),
                                       {2, 0}),
                      "conv_transpose2d: output_padding must be >= 0 and < stride, got [2, 0] "
                      "with stride [2, 2]");
  REQUIRE_THROWS_WITH(conv_transpose2d_backward_weight(zeros({2, 3, 7, 7}), zeros({2, 4, 6, 6}),
                                                       {4, 3, 3, 3}, a),
                      "conv_transpose2d_backward_weight: expected input [N, C, H, W] "
                      "[2, 4, 5, 5], got [2, 4, 6, 6]");
}
