// max_pool2d, avg_pool2d and upsample_nearest2d (and their backwards) against direct loops,
// hand-worked values, ties/NaN rules, views, thread-count invariance and shape errors.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "tensor/creation.h"
#include "tensor/ops.h"
#include "tensor/parallel.h"
#include "tensor/pool.h"

using namespace nash;

namespace {

using Vec = std::vector<double>;
using A2 = std::array<int64_t, 2>;

Vec random_values(int64_t n, uint64_t seed) {
  Vec v(static_cast<size_t>(n));
  uint64_t s = seed * 6364136223846793005ULL + 1442695040888963407ULL;
  for (auto& x : v) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    x = static_cast<double>(s >> 11) / 9007199254740992.0 * 2.0 - 1.0;
  }
  return v;
}

struct PoolCase {
  Shape xs;
  A2 k, s, p;
};

std::vector<PoolCase> pool_cases() {
  return {{{2, 3, 7, 9}, {2, 2}, {2, 2}, {0, 0}},
          {{1, 2, 8, 7}, {3, 3}, {2, 2}, {1, 1}},
          {{2, 2, 9, 6}, {3, 2}, {1, 3}, {1, 0}},
          {{3, 1, 5, 11}, {4, 5}, {3, 2}, {2, 2}},
          {{1, 4, 6, 6}, {1, 1}, {1, 1}, {0, 0}}};
}

int64_t pool_out(int64_t in, int64_t k, int64_t s, int64_t p) { return (in + 2 * p - k) / s + 1; }

// Calls f(oh, ow, ih, iw) for each in-bounds tap of each window of one plane.
template <class F>
void for_each_window_tap(const PoolCase& c, F f) {
  const int64_t OH = pool_out(c.xs[2], c.k[0], c.s[0], c.p[0]);
  const int64_t OW = pool_out(c.xs[3], c.k[1], c.s[1], c.p[1]);
  for (int64_t oh = 0; oh < OH; ++oh)
    for (int64_t ow = 0; ow < OW; ++ow)
      for (int64_t i = 0; i < c.k[0]; ++i)
        for (int64_t j = 0; j < c.k[1]; ++j) {
          const int64_t ih = oh * c.s[0] - c.p[0] + i, iw = ow * c.s[1] - c.p[1] + j;
          if (ih >= 0 && ih < c.xs[2] && iw >= 0 && iw < c.xs[3]) f(oh, ow, ih, iw);
        }
}

double max_abs_diff(const Vec& a, const Vec& b) {
  REQUIRE(a.size() == b.size());
  double e = 0;
  for (size_t i = 0; i < a.size(); ++i) e = std::max(e, std::abs(a[i] - b[i]));
  return e;
}

double tolerance(DType dtype) { return dtype == DType::Float64 ? 1e-13 : 1e-5; }

}  // namespace

TEST_CASE("max_pool2d and its backward match direct loops", "[tensor][pool]") {
  for (DType dtype : {DType::Float32, DType::Float64}) {
    uint64_t seed = 1;
    for (const PoolCase& c : pool_cases()) {
      CAPTURE(dtype_name(dtype), c.xs, c.k[0], c.k[1], c.s[0], c.s[1], c.p[0], c.p[1]);
      const int64_t N = c.xs[0], C = c.xs[1], H = c.xs[2], W = c.xs[3];
      const int64_t OH = pool_out(H, c.k[0], c.s[0], c.p[0]), OW = pool_out(W, c.k[1], c.s[1], c.p[1]);
      const Vec xv = random_values(numel_of(c.xs), seed++);
      const Vec dyv = random_values(N * C * OH * OW, seed++);
      const Tensor x = from_vector(xv, c.xs).to(dtype);
      const MaxPoolResult r = max_pool2d(x, c.k, c.s, c.p);
      REQUIRE(r.values.shape() == Shape{N, C, OH, OW});
      REQUIRE(r.indices.dtype() == DType::Int64);
      Vec y_ref(N * C * OH * OW, -std::numeric_limits<double>::infinity());
      Vec i_ref(y_ref.size(), -1), dx_ref(xv.size(), 0.0);
      for (int64_t pl = 0; pl < N * C; ++pl)
        for_each_window_tap(c, [&](int64_t oh, int64_t ow, int64_t ih, int64_t iw) {
          const double v = xv[pl * H * W + ih * W + iw];
          const size_t o = pl * OH * OW + oh * OW + ow;
          if (v > y_ref[o]) y_ref[o] = v, i_ref[o] = static_cast<double>(ih * W + iw);
        });
      for (size_t o = 0; o < y_ref.size(); ++o)
        dx_ref[(o / (OH * OW)) * H * W + static_cast<int64_t>(i_ref[o])] += dyv[o];
      // float32 rounding can only merge ties, never reorder: compare values to the rounded ref.
      CHECK(max_abs_diff(r.values.to_vector(), y_ref) < tolerance(dtype));
      if (dtype == DType::Float64) CHECK(r.indices.to_vector() == i_ref);
      const Tensor dy = from_vector(dyv, {N, C, OH, OW}).to(dtype);
      const Tensor dx = max_pool2d_backward(dy, r.indices, c.xs);
      REQUIRE(dx.shape() == c.xs);
      if (dtype == DType::Float64) CHECK(max_abs_diff(dx.to_vector(), dx_ref) < 1e-13);
    }
  }
}

TEST_CASE("max_pool2d: worked example, first maximum wins ties, NaN propagates", "[tensor][pool]") {
  // [[1, 5, 5, 0],
  //  [2, 3, 0, 5],
  //  [9, 9, 1, 1],
  //  [0, 9, nan, 2]]  with 2x2 windows, stride 2
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Tensor x = from_vector(Vec{1, 5, 5, 0, 2, 3, 0, 5, 9, 9, 1, 1, 0, 9, nan, 2}, {1, 1, 4, 4});
  const MaxPoolResult r = max_pool2d(x.to(DType::Float64), {2, 2}, {2, 2}, {0, 0});
  const Vec v = r.values.to_vector();
  CHECK(v[0] == 5);
  CHECK(v[1] == 5);
  CHECK(v[2] == 9);
  CHECK(std::isnan(v[3]));
  CHECK(r.indices.to_vector() == Vec{1, 2, 8, 14});
  // The gradient goes to the chosen index only.
  const Tensor dx = max_pool2d_backward(ones({1, 1, 2, 2}, DType::Float64), r.indices, {1, 1, 4, 4});
  CHECK(dx.to_vector() == Vec{0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0});
}

TEST_CASE("avg_pool2d and its backward match direct loops", "[tensor][pool]") {
  for (DType dtype : {DType::Float32, DType::Float64})
    for (bool include_pad : {true, false}) {
      uint64_t seed = 50;
      for (const PoolCase& c : pool_cases()) {
        CAPTURE(dtype_name(dtype), include_pad, c.xs, c.k[0], c.k[1], c.s[0], c.s[1]);
        const int64_t N = c.xs[0], C = c.xs[1], H = c.xs[2], W = c.xs[3];
        const int64_t OH = pool_out(H, c.k[0], c.s[0], c.p[0]), OW = pool_out(W, c.k[1], c.s[1], c.p[1]);
        const Vec xv = random_values(numel_of(c.xs), seed++);
        const Vec dyv = random_values(N * C * OH * OW, seed++);
        // Divisor: the window inside the padded input (pads included), else the in-bounds count.
        Vec count(OH * OW, 0.0), divisor(OH * OW, 0.0);
        for_each_window_tap(c, [&](int64_t oh, int64_t ow, int64_t, int64_t) { count[oh * OW + ow] += 1; });
        for (int64_t oh = 0; oh < OH; ++oh)
          for (int64_t ow = 0; ow < OW; ++ow) {
            const int64_t h0 = oh * c.s[0] - c.p[0], w0 = ow * c.s[1] - c.p[1];
            const int64_t h1 = std::min(h0 + c.k[0], H + c.p[0]), w1 = std::min(w0 + c.k[1], W + c.p[1]);
            divisor[oh * OW + ow] = include_pad ? double((h1 - h0) * (w1 - w0)) : count[oh * OW + ow];
          }
        Vec y_ref(N * C * OH * OW, 0.0), dx_ref(xv.size(), 0.0);
        for (int64_t pl = 0; pl < N * C; ++pl)
          for_each_window_tap(c, [&](int64_t oh, int64_t ow, int64_t ih, int64_t iw) {
            const int64_t o = pl * OH * OW + oh * OW + ow, i = pl * H * W + ih * W + iw;
            y_ref[o] += xv[i] / divisor[oh * OW + ow];
            dx_ref[i] += dyv[o] / divisor[oh * OW + ow];
          });
        const Tensor x = from_vector(xv, c.xs).to(dtype);
        const Tensor y = avg_pool2d(x, c.k, c.s, c.p, include_pad);
        REQUIRE(y.shape() == Shape{N, C, OH, OW});
        CHECK(max_abs_diff(y.to_vector(), y_ref) < tolerance(dtype));
        const Tensor dy = from_vector(dyv, {N, C, OH, OW}).to(dtype);
        const Tensor dx = avg_pool2d_backward(dy, c.xs, c.k, c.s, c.p, include_pad);
        REQUIRE(dx.shape() == c.xs);
        CHECK(max_abs_diff(dx.to_vector(), dx_ref) < tolerance(dtype));
      }
    }
}

TEST_CASE("avg_pool2d: worked example with padding", "[tensor][pool]") {
  // x = [[1, 2], [3, 4]], 2x2 windows, stride 1, padding 1 -> 3x3 outputs; the corner window
  // holds one value: 1/4 with pads counted, 1/1 without.
  const Tensor x = from_vector(Vec{1, 2, 3, 4}, {1, 1, 2, 2});
  CHECK(avg_pool2d(x, {2, 2}, {1, 1}, {1, 1}, true).to_vector() ==
        Vec{0.25, 0.75, 0.5, 1.0, 2.5, 1.5, 0.75, 1.75, 1.0});
  CHECK(avg_pool2d(x, {2, 2}, {1, 1}, {1, 1}, false).to_vector() ==
        Vec{1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4});
}

TEST_CASE("upsample_nearest2d and its backward", "[tensor][pool]") {
  const Tensor x = from_vector(Vec{1, 2, 3, 4, 5, 6}, {1, 2, 1, 3});
  const Tensor y = upsample_nearest2d(x, 2);
  REQUIRE(y.shape() == Shape{1, 2, 2, 6});
  CHECK(y.to_vector() == Vec{1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 4, 4, 5, 5, 6, 6});
  for (DType dtype : {DType::Float32, DType::Float64})
    for (int64_t s : {1, 2, 3}) {
      const Shape xs{2, 3, 5, 7};
      const Vec xv = random_values(numel_of(xs), 70 + s);
      const Tensor xt = from_vector(xv, {2, 3, 7, 5}).to(dtype).transpose(2, 3);  // a view
      const Vec xl = xt.to_vector();
      const Tensor yt = upsample_nearest2d(xt, s);
      REQUIRE(yt.shape() == Shape{2, 3, 5 * s, 7 * s});
      const Vec yv = yt.to_vector();
      const Vec dyv = random_values(yt.numel(), 80 + s);
      Vec dx_ref(xl.size(), 0.0);
      bool same = true;
      for (int64_t pl = 0; pl < 6; ++pl)
        for (int64_t i = 0; i < 5 * s; ++i)
          for (int64_t j = 0; j < 7 * s; ++j) {
            const int64_t o = (pl * 5 * s + i) * 7 * s + j, src = (pl * 5 + i / s) * 7 + j / s;
            same = same && yv[o] == xl[src];
            dx_ref[src] += dyv[o];
          }
      CHECK(same);
      const Tensor dx = upsample_nearest2d_backward(from_vector(dyv, yt.shape()).to(dtype), s);
      REQUIRE(dx.shape() == xs);
      CHECK(max_abs_diff(dx.to_vector(), dx_ref) < tolerance(dtype) * 10);
    }
}

TEST_CASE("pooling is bitwise identical for 1 and 2 threads", "[tensor][pool]") {
  const Shape xs{4, 16, 33, 31};
  const Tensor x = from_vector(random_values(numel_of(xs), 99), xs);
  const int threads = get_num_threads();
  std::vector<Tensor> out[2];
  for (int t : {1, 2}) {
    set_num_threads(t);
    const MaxPoolResult m = max_pool2d(x, {3, 3}, {2, 2}, {1, 1});
    const Tensor a = avg_pool2d(x, {3, 3}, {2, 2}, {1, 1}, false);
    out[t - 1] = {m.values, m.indices, max_pool2d_backward(m.values, m.indices, xs), a,
                  avg_pool2d_backward(a, xs, {3, 3}, {2, 2}, {1, 1}, false),
                  upsample_nearest2d_backward(upsample_nearest2d(x, 2), 2)};
  }
  set_num_threads(threads);
  for (size_t i = 0; i < out[0].size(); ++i) CHECK(equal(out[0][i], out[1][i]));
}

namespace {

// Values with ties (a few levels), signed zeros, and, when `specials`, NaN and +-inf.
Vec tricky_values(int64_t n, uint64_t seed, bool specials) {
  const double inf = std::numeric_limits<double>::infinity();
  Vec v = random_values(n, seed);
  const Vec pick = random_values(n, seed + 1000);
  for (size_t i = 0; i < v.size(); ++i) {
    const double r = (pick[i] + 1) / 2;  // [0, 1)
    if (r < 0.3) v[i] = std::round(v[i] * 2);
    else if (r < 0.35) v[i] = -0.0;
    else if (specials && r < 0.37) v[i] = std::numeric_limits<double>::quiet_NaN();
    else if (specials && r < 0.39) v[i] = -inf;
    else if (specials && r < 0.40) v[i] = inf;
  }
  return v;
}

// Same shape, dtype and values, bit for bit: zeros of the same sign, NaN where NaN. (A NaN's
// sign and payload are not compared: the compiler may swap the operands of a + b, which picks
// which NaN propagates.)
bool same_bits(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
  const Vec va = a.to_vector(), vb = b.to_vector();
  for (size_t i = 0; i < va.size(); ++i) {
    const bool nan = std::isnan(va[i]) && std::isnan(vb[i]);
    if (!nan && !(va[i] == vb[i] && std::signbit(va[i]) == std::signbit(vb[i]))) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("pooling kernels equal the direct loops bit for bit", "[tensor][pool]") {
  // Planes from 1x1 to 28x28; stride = kernel, stride < kernel (overlap), stride > kernel (gaps);
  // padding; unequal dims. [1, c, 2, 2] with a 2x2 kernel has one output per plane, so c runs
  // the vector loop with 0, 1, W-1, W, W+1 and 3W+5 lanes (W the SIMD width).
  std::vector<PoolCase> cases = {{{3, 5, 28, 28}, {2, 2}, {2, 2}, {0, 0}},
                                 {{2, 7, 14, 14}, {2, 2}, {2, 2}, {0, 0}},
                                 {{2, 3, 15, 17}, {3, 3}, {2, 2}, {1, 1}},
                                 {{2, 2, 9, 13}, {3, 3}, {1, 1}, {1, 1}},
                                 {{2, 3, 11, 10}, {2, 2}, {3, 3}, {1, 0}},
                                 {{2, 3, 11, 10}, {1, 2}, {2, 1}, {0, 1}},
                                 {{1, 2, 9, 6}, {3, 2}, {1, 3}, {1, 0}},
                                 {{3, 1, 5, 11}, {4, 5}, {3, 2}, {2, 2}},
                                 {{5, 3, 1, 1}, {1, 1}, {1, 1}, {0, 0}},
                                 {{1, 1, 61, 67}, {3, 2}, {2, 2}, {1, 1}},
                                 {{1, 2, 512, 65}, {2, 2}, {2, 2}, {0, 0}}};
  for (int64_t c : {1, 7, 8, 9, 15, 16, 17, 37, 53})
    cases.push_back({{1, c, 2, 2}, {2, 2}, {2, 2}, {0, 0}});
  const int threads = get_num_threads();
  uint64_t seed = 500;
  for (int t : {1, 2}) {
    set_num_threads(t);
    for (DType dtype : {DType::Float32, DType::Float64})
      for (const PoolCase& c : cases)
        for (bool specials : {false, true}) {
          CAPTURE(t, dtype_name(dtype), c.xs, c.k[0], c.k[1], c.s[0], c.s[1], c.p[0], c.p[1], specials);
          const Tensor x = from_vector(tricky_values(numel_of(c.xs), seed++, specials), c.xs).to(dtype);
          const MaxPoolResult fast = max_pool2d(x, c.k, c.s, c.p);
          const MaxPoolResult ref = detail::max_pool2d_reference(x, c.k, c.s, c.p);
          CHECK(same_bits(fast.values, ref.values));
          CHECK(same_bits(fast.indices, ref.indices));
          for (bool include_pad : {true, false}) {
            const Tensor a = avg_pool2d(x, c.k, c.s, c.p, include_pad);
            CHECK(same_bits(a, detail::avg_pool2d_reference(x, c.k, c.s, c.p, include_pad)));
            const Tensor dy = from_vector(tricky_values(a.numel(), seed++, specials), a.shape()).to(dtype);
            CHECK(same_bits(avg_pool2d_backward(dy, c.xs, c.k, c.s, c.p, include_pad),
                            detail::avg_pool2d_backward_reference(dy, c.xs, c.k, c.s, c.p, include_pad)));
          }
        }
  }
  set_num_threads(threads);
}

TEST_CASE("pooling shape errors name the op and the shapes", "[tensor][pool]") {
  const Tensor x = zeros({2, 3, 5, 5});
  REQUIRE_THROWS_WITH(max_pool2d(zeros({3, 5, 5}), {2, 2}, {2, 2}, {0, 0}),
                      "max_pool2d: expected input with 4 dims [N, C, H, W], got [3, 5, 5]");
  REQUIRE_THROWS_WITH(max_pool2d(x, {2, 2}, {2, 2}, {2, 0}),
                      "max_pool2d: padding must be >= 0 and <= kernel / 2, got padding [2, 0] "
                      "for kernel [2, 2]");
  REQUIRE_THROWS_WITH(avg_pool2d(x, {6, 2}, {1, 1}, {0, 0}),
                      "avg_pool2d: output size must be positive, got [0, 4] for input "
                      "[2, 3, 5, 5], kernel [6, 2], stride [1, 1], padding [0, 0]");
  REQUIRE_THROWS_WITH(avg_pool2d_backward(zeros({2, 3, 3, 3}), {2, 3, 5, 5}, {2, 2}, {2, 2}, {0, 0}),
                      "avg_pool2d_backward: expected dy [2, 3, 2, 2], got [2, 3, 3, 3]");
  const Tensor bad = from_vector(std::vector<int64_t>{0, 25, 1, 2}, {1, 1, 2, 2});
  REQUIRE_THROWS_WITH(max_pool2d_backward(zeros({1, 1, 2, 2}), bad, {1, 1, 5, 5}),
                      "max_pool2d_backward: an index is outside its [H*W] plane for x_shape "
                      "[1, 1, 5, 5]");
  REQUIRE_THROWS_WITH(upsample_nearest2d(x, 0), "upsample_nearest2d: scale must be >= 1, got 0");
  REQUIRE_THROWS_WITH(upsample_nearest2d_backward(zeros({1, 1, 5, 4}), 2),
                      "upsample_nearest2d_backward: dy [1, 1, 5, 4] has spatial sizes that are "
                      "not multiples of scale 2");
}
