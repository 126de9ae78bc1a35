// max_pool2d, avg_pool2d, upsample_nearest2d and their backward ops: hand-worked values (with
// padding), first and second derivatives, shape errors.
#include "op_check.h"

using namespace nash;
using namespace nash::test;

namespace {
using Vars = std::vector<Variable>;

Variable ramp_4x4() {  // [1, 1, 4, 4] holding 0..15
  std::vector<double> v(16);
  for (int i = 0; i < 16; ++i) v[i] = i;
  return leaf(v, {1, 1, 4, 4});
}
}  // namespace

TEST_CASE("pooling forward values, with and without padding", "[autograd][ops]") {
  Variable x = ramp_4x4();
  check_values(max_pool2d(x, {2, 2}, {2, 2}), {1, 1, 2, 2}, {5, 7, 13, 15});
  check_values(avg_pool2d(x, {2, 2}, {2, 2}), {1, 1, 2, 2}, {2.5, 4.5, 10.5, 12.5});
  check_values(max_pool2d(x, {2, 2}, {2, 2}, {1, 1}), {1, 1, 3, 3}, {0, 2, 3, 8, 10, 11, 12, 14, 15});
  // The divisor counts the padding (4 everywhere here).
  check_values(avg_pool2d(x, {2, 2}, {2, 2}, {1, 1}), {1, 1, 3, 3},
               {0, 0.75, 0.75, 3, 7.5, 4.5, 3, 6.75, 3.75});
  check_values(max_pool2d(x, {3, 2}, {1, 2}), {1, 1, 2, 2}, {9, 11, 13, 15});
  check_values(upsample_nearest2d(leaf({1, 2, 3, 4}, {1, 1, 2, 2}), 2), {1, 1, 4, 4},
               {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4});
  CHECK(upsample_nearest2d(leaf({1, 2, 3, 4, 5, 6}, {1, 2, 1, 3}), 3).shape() == Shape{1, 2, 3, 9});
}

TEST_CASE("pooling backward values", "[autograd][ops]") {
  Variable x = ramp_4x4();
  sum(max_pool2d(x, {2, 2}, {2, 2})).backward();
  check_values(x.grad(), {1, 1, 4, 4}, {0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1});
  x.zero_grad();
  // Overlapping windows (stride 1) send several gradients to the same maximum.
  sum(max_pool2d(x, {2, 2}, {1, 1})).backward();
  check_values(x.grad(), {1, 1, 4, 4}, {0, 0, 0, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1});
  x.zero_grad();
  sum(avg_pool2d(x, {2, 2}, {2, 2})).backward();
  check_values(x.grad(), {1, 1, 4, 4}, std::vector<double>(16, 0.25));
  Variable s = leaf({1, 2, 3, 4}, {1, 1, 2, 2});
  sum(upsample_nearest2d(s, 2) * ramp_4x4()).backward();
  check_values(s.grad(), {1, 1, 2, 2}, {0 + 1 + 4 + 5, 2 + 3 + 6 + 7, 8 + 9 + 12 + 13, 10 + 11 + 14 + 15});
}

TEST_CASE("max_pool2d and avg_pool2d gradients with padding", "[autograd][ops]") {
  Rng rng(91);
  Tensor x = random_in({2, 3, 5, 4}, rng, -1, 1);  // distinct values, so no ties in a window
  check_grads("max_pool2d k(3,2) s(2,1) p(1,1)", [](const Vars& v) {
    return max_pool2d(v[0], {3, 2}, {2, 1}, {1, 1});
  }, {x});
  check_grads("max_pool2d k2 s2", [](const Vars& v) { return square(max_pool2d(v[0], {2, 2}, {2, 2})); }, {x});
  check_grads("avg_pool2d k(3,2) s(2,1) p(1,1)", [](const Vars& v) {
    return avg_pool2d(v[0], {3, 2}, {2, 1}, {1, 1});
  }, {x});
  check_grads("avg_pool2d k2 s2", [](const Vars& v) { return square(avg_pool2d(v[0], {2, 2}, {2, 2})); }, {x});
  check_grads("tanh-maxpool-avgpool", [](const Vars& v) {
    return avg_pool2d(square(max_pool2d(tanh(v[0]), {2, 2}, {1, 1}, {1, 0})), {2, 2}, {2, 1});
  }, {x});
}

TEST_CASE("upsample_nearest2d gradients", "[autograd][ops]") {
  Rng rng(92);
  Tensor x = random_in({2, 3, 2, 3}, rng, -1, 1);
  check_grads("upsample x2", [](const Vars& v) { return upsample_nearest2d(v[0], 2); }, {x});
  check_grads("upsample x3 squared", [](const Vars& v) { return square(upsample_nearest2d(v[0], 3)); }, {x});
}

TEST_CASE("pooling backward ops are differentiable", "[autograd][ops]") {
  Rng rng(93);
  Tensor x = random_in({2, 3, 5, 4}, rng, -1, 1);
  Tensor indices = nash::max_pool2d(x, {3, 2}, {2, 1}, {1, 1}).indices;  // [2, 3, 3, 5]
  Tensor dy = random_in({2, 3, 3, 5}, rng, -1, 1);
  check_grads("max_pool2d_backward", [indices](const Vars& v) {
    return square(max_pool2d_backward(v[0], indices, {2, 3, 5, 4}));
  }, {dy});
  check_grads("avg_pool2d_backward", [](const Vars& v) {
    return square(avg_pool2d_backward(v[0], {2, 3, 5, 4}, {3, 2}, {2, 1}, {1, 1}));
  }, {dy});
  check_grads("upsample_nearest2d_backward", [](const Vars& v) {
    return square(upsample_nearest2d_backward(v[0], 2));
  }, {random_in({2, 3, 4, 6}, rng, -1, 1)});
}

TEST_CASE("pooling ops report bad shapes and arguments", "[autograd][ops]") {
  Variable x3 = leaf({1, 2, 3, 4}, {1, 2, 2});
  CHECK_THAT(error_of([&] { max_pool2d(x3, {2, 2}, {2, 2}); }),
             Catch::Contains("max_pool2d: expected input with 4 dims [N, C, H, W], got [1, 2, 2]"));
  CHECK_THAT(error_of([&] { avg_pool2d(ramp_4x4(), {2, 2}, {2, 2}, {2, 0}); }),
             Catch::Contains("avg_pool2d: padding must be >= 0 and <= kernel / 2"));
  CHECK_THAT(error_of([&] { upsample_nearest2d(ramp_4x4(), 0); }),
             Catch::Contains("upsample_nearest2d: scale must be >= 1, got 0"));
}
