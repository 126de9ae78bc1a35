// upsample_conv2d and its two adjoints against upsample_nearest2d followed by conv2d (3x3,
// stride 1, padding 1) and that conv's backward functions: float64 to 1e-10, float32 to a few
// ulps of the sums; odd sizes, one pixel, several chunks; identical bits for 1 and 2 threads;
// shape errors.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "tensor/conv.h"
#include "tensor/creation.h"
#include "tensor/ops.h"
#include "tensor/parallel.h"
#include "tensor_test_util.h"
#include "error_of.h"

using namespace nash;
using nash::test::rand_tensor;
using nash::test::error_of;

namespace {

Conv2dArgs same3x3() {
  Conv2dArgs a;
  a.padding = {1, 1};
  return a;
}

// |a - b| <= tol * (1 + max |b|), elementwise.
bool near(const Tensor& a, const Tensor& b, double tol) {
  if (a.shape() != b.shape()) return false;
  const double scale = 1.0 + amax(abs(b.to(DType::Float64))).item();
  return amax(abs(a.to(DType::Float64) - b.to(DType::Float64))).item() <= tol * scale;
}

struct Case {
  int64_t N, C, H, W, O;
};

}  // namespace

TEST_CASE("upsample_conv2d equals upsample then conv, with both adjoints", "[tensor][conv]") {
  // Odd and non-square grids, a single pixel, one channel in or out, and (last two) shapes that
  // run in several chunks of samples.
  for (const Case& t : {Case{2, 3, 5, 4, 4}, Case{1, 1, 1, 1, 1}, Case{3, 2, 1, 6, 3},
                        Case{2, 5, 7, 7, 1}, Case{7, 64, 7, 7, 8}, Case{3, 16, 14, 14, 32}}) {
    for (DType dtype : {DType::Float64, DType::Float32}) {
      CAPTURE(t.N, t.C, t.H, t.W, t.O, dtype_name(dtype));
      const double tol = dtype == DType::Float64 ? 1e-10 : 2e-6;
      const Tensor x = rand_tensor({t.N, t.C, t.H, t.W}, 1, dtype);
      const Tensor w = rand_tensor({t.O, t.C, 3, 3}, 2, dtype);
      const Tensor b = rand_tensor({t.O}, 3, dtype);
      const Tensor dy = rand_tensor({t.N, t.O, 2 * t.H, 2 * t.W}, 4, dtype);
      const Tensor up = upsample_nearest2d(x, 2);
      CHECK(near(upsample_conv2d(x, w, b), conv2d(up, w, b, same3x3()), tol));
      CHECK(near(upsample_conv2d(x, w, Tensor()), conv2d(up, w, Tensor(), same3x3()), tol));
      const Tensor dup = conv2d_backward_input(dy, w, up.shape(), same3x3());
      CHECK(near(upsample_conv2d_backward_input(dy, w), upsample_nearest2d_backward(dup, 2), tol));
      CHECK(near(upsample_conv2d_backward_weight(dy, x),
                 conv2d_backward_weight(dy, up, w.shape(), same3x3()), tol));
    }
  }
}

TEST_CASE("upsample_conv2d worked by hand", "[tensor][conv]") {
  // One pixel x = 2 upsampled to a 2x2 block of 2s; with padding 1 output (0, 0) sees the block
  // under taps (1, 1), (1, 2), (2, 1), (2, 2): y = 2 * (w11 + w12 + w21 + w22) + b.
  const Tensor x = full({1, 1, 1, 1}, 2.0, DType::Float64);
  const Tensor w = from_vector(std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3});
  const Tensor y = upsample_conv2d(x, w, full({1}, 0.5, DType::Float64));
  REQUIRE(y.shape() == Shape{1, 1, 2, 2});
  CHECK(y.to_vector() == std::vector<double>{2 * (5 + 6 + 8 + 9) + 0.5, 2 * (4 + 5 + 7 + 8) + 0.5,
                                             2 * (2 + 3 + 5 + 6) + 0.5, 2 * (1 + 2 + 4 + 5) + 0.5});
}

TEST_CASE("upsample_conv2d gives identical bits on 1 and 2 threads", "[tensor][conv]") {
  // [9, 32, 7, 7]: one chunk on one thread, two on two. [7, 128, 14, 14]: the weight gradient
  // runs in 4 chunks of at most 2 samples, one group of partial sums each.
  for (const Case& t : {Case{9, 32, 7, 7, 16}, Case{7, 128, 14, 14, 8}}) {
    for (DType dtype : {DType::Float32, DType::Float64}) {
      CAPTURE(t.N, t.C, t.H, dtype_name(dtype));
      const Tensor x = rand_tensor({t.N, t.C, t.H, t.W}, 5, dtype);
      const Tensor w = rand_tensor({t.O, t.C, 3, 3}, 6, dtype), b = rand_tensor({t.O}, 7, dtype);
      const Tensor dy = rand_tensor({t.N, t.O, 2 * t.H, 2 * t.W}, 8, dtype);
      const int threads = get_num_threads();
      set_num_threads(1);
      const Tensor y1 = upsample_conv2d(x, w, b), dx1 = upsample_conv2d_backward_input(dy, w),
                   dw1 = upsample_conv2d_backward_weight(dy, x);
      set_num_threads(2);
      const Tensor y2 = upsample_conv2d(x, w, b), dx2 = upsample_conv2d_backward_input(dy, w),
                   dw2 = upsample_conv2d_backward_weight(dy, x);
      set_num_threads(threads);
      CHECK(equal(y1, y2));
      CHECK(equal(dx1, dx2));
      CHECK(equal(dw1, dw2));
      if (dtype == DType::Float64) {
        Conv2dArgs a = same3x3();
        const Tensor up = upsample_nearest2d(x, 2);
        CHECK(near(y1, conv2d(up, w, b, a), 1e-10));
        CHECK(near(dx1, upsample_nearest2d_backward(conv2d_backward_input(dy, w, up.shape(), a), 2), 1e-10));
        CHECK(near(dw1, conv2d_backward_weight(dy, up, w.shape(), a), 1e-10));
      }
    }
  }
}

TEST_CASE("upsample_conv2d handles empty batches and channels", "[tensor][conv]") {
  const Tensor b = from_vector(std::vector<double>{1.5, -2}, {2});
  const Tensor y = upsample_conv2d(zeros({1, 0, 2, 3}, DType::Float64),
                                   zeros({2, 0, 3, 3}, DType::Float64), b);
  REQUIRE(y.shape() == Shape{1, 2, 4, 6});
  CHECK(equal(y, b.reshape({1, 2, 1, 1}).expand({1, 2, 4, 6}).contiguous()));
  CHECK(upsample_conv2d(zeros({0, 2, 3, 3}), zeros({4, 2, 3, 3}), Tensor()).shape() ==
        Shape{0, 4, 6, 6});
  CHECK(equal(upsample_conv2d_backward_weight(zeros({0, 4, 6, 6}), zeros({0, 2, 3, 3})),
              zeros({4, 2, 3, 3})));
}

TEST_CASE("upsample_conv2d reports bad shapes and dtypes", "[tensor][conv]") {
  const Tensor x = zeros({2, 3, 4, 4}), w = zeros({5, 3, 3, 3});
  CHECK_THAT(error_of([&] { upsample_conv2d(x, zeros({5, 3, 4, 4}), Tensor()); }),
             Catch::Contains("upsample_conv2d: expected weight [O, C, 3, 3], got [5, 3, 4, 4]"));
  CHECK_THAT(error_of([&] { upsample_conv2d(x, zeros({5, 2, 3, 3}), Tensor()); }),
             Catch::Contains("upsample_conv2d: channels differ: input is [2, 3, 4, 4]") &&
                 Catch::Contains("weight is [5, 2, 3, 3]"));
  CHECK_THAT(error_of([&] { upsample_conv2d(zeros({3, 4, 4}), w, Tensor()); }),
             Catch::Contains("upsample_conv2d: expected input with 4 dims [N, C, H, W], got [3, 4, 4]"));
  CHECK_THAT(error_of([&] { upsample_conv2d(x, w, zeros({4})); }),
             Catch::Contains("upsample_conv2d: expected bias [O] = [5], got [4]"));
  CHECK_THAT(error_of([&] { upsample_conv2d(x, w.to(DType::Float64), Tensor()); }),
             Catch::Contains("upsample_conv2d: dtypes differ: input is float32, weight is float64"));
  CHECK_THAT(error_of([&] { upsample_conv2d_backward_input(zeros({2, 5, 7, 8}), w); }),
             Catch::Contains("upsample_conv2d_backward_input: expected dy [N, O, 2H, 2W] with O = 5, got [2, 5, 7, 8]"));
  CHECK_THAT(error_of([&] { upsample_conv2d_backward_weight(zeros({2, 5, 8, 6}), x); }),
             Catch::Contains("upsample_conv2d_backward_weight: expected dy [N, O, 2H, 2W] for input [2, 3, 4, 4], got [2, 5, 8, 6]"));
}
