// upsample_conv2d and its two backward ops: equal to upsample_nearest2d + conv2d through the
// graph, first and second derivatives against central differences, and shape errors.
#include "op_check.h"

using namespace nash;
using namespace nash::test;

namespace {
using Vars = std::vector<Variable>;

Conv2dArgs same3x3() {
  Conv2dArgs a;
  a.padding = {1, 1};
  return a;
}
}  // namespace

TEST_CASE("upsample_conv2d matches upsample then conv, value and gradients", "[autograd][ops]") {
  Rng rng(91);
  Tensor x = random_in({2, 3, 3, 2}, rng, -1, 1), w = random_in({4, 3, 3, 3}, rng, -1, 1);
  Tensor b = random_in({4}, rng, -1, 1), g = random_in({2, 4, 6, 4}, rng, -1, 1);
  auto run = [&](bool folded) {
    Variable vx(x, true), vw(w, true), vb(b, true);
    Variable y = folded ? upsample_conv2d(vx, vw, vb)
                        : conv2d(upsample_nearest2d(vx, 2), vw, vb, same3x3());
    sum(y * Variable(g)).backward();
    return std::vector<Tensor>{y.value(), vx.grad().value(), vw.grad().value(), vb.grad().value()};
  };
  const std::vector<Tensor> folded = run(true), plain = run(false);
  for (size_t i = 0; i < folded.size(); ++i) {
    INFO("output " << i);
    CHECK(allclose(folded[i], plain[i], 1e-10, 1e-10));
  }
}

TEST_CASE("upsample_conv2d gradients of first and second order", "[autograd][ops]") {
  Rng rng(92);
  check_grads("upsample_conv2d with bias", [](const Vars& v) {
    return upsample_conv2d(v[0], v[1], v[2]);
  }, {random_in({2, 3, 3, 2}, rng, -1, 1), random_in({2, 3, 3, 3}, rng, -1, 1),
      random_in({2}, rng, -1, 1)});
  check_grads("upsample_conv2d 1x1 grid, no bias", [](const Vars& v) {
    return square(upsample_conv2d(v[0], v[1], Variable()));
  }, {random_in({1, 2, 1, 1}, rng, -1, 1), random_in({3, 2, 3, 3}, rng, -1, 1)});
  // Two folded layers around a nonlinearity: the second derivatives run through the backward
  // ops' own derivatives.
  check_grads("upsample_conv2d-tanh-upsample_conv2d", [](const Vars& v) {
    return upsample_conv2d(tanh(upsample_conv2d(v[0], v[1], v[2])), v[3], Variable());
  }, {random_in({1, 2, 2, 1}, rng, -1, 1), random_in({2, 2, 3, 3}, rng, -1, 1),
      random_in({2}, rng, -1, 1), random_in({1, 2, 3, 3}, rng, -1, 1)});
}

TEST_CASE("upsample_conv2d backward ops are differentiable", "[autograd][ops]") {
  Rng rng(93);
  Tensor dy = random_in({2, 3, 4, 6}, rng, -1, 1), w = random_in({3, 2, 3, 3}, rng, -1, 1);
  Tensor x = random_in({2, 2, 2, 3}, rng, -1, 1);
  check_grads("upsample_conv2d_backward_input", [](const Vars& v) {
    return square(upsample_conv2d_backward_input(v[0], v[1]));
  }, {dy, w});
  check_grads("upsample_conv2d_backward_weight", [](const Vars& v) {
    return square(upsample_conv2d_backward_weight(v[0], v[1]));
  }, {dy, x});
}

TEST_CASE("upsample_conv2d ops report mismatched shapes", "[autograd][ops]") {
  Variable x(zeros({1, 3, 5, 5}, DType::Float64)), w(zeros({4, 3, 3, 3}, DType::Float64));
  CHECK_THAT(error_of([&] { upsample_conv2d(x, Variable(zeros({4, 2, 3, 3}, DType::Float64)), Variable()); }),
             Catch::Contains("upsample_conv2d: channels differ: input is [1, 3, 5, 5]"));
  CHECK_THAT(error_of([&] { upsample_conv2d(x, Variable(zeros({4, 3, 5, 5}, DType::Float64)), Variable()); }),
             Catch::Contains("upsample_conv2d: expected weight [O, C, 3, 3], got [4, 3, 5, 5]"));
  CHECK_THAT(error_of([&] { upsample_conv2d_backward_input(Variable(zeros({1, 4, 9, 10}, DType::Float64)), w); }),
             Catch::Contains("upsample_conv2d_backward_input: expected dy [N, O, 2H, 2W] with O = 4, got [1, 4, 9, 10]"));
  CHECK_THAT(error_of([&] { upsample_conv2d_backward_weight(Variable(zeros({1, 4, 8, 10}, DType::Float64)), x); }),
             Catch::Contains("upsample_conv2d_backward_weight: expected dy [N, O, 2H, 2W] for input [1, 3, 5, 5], got [1, 4, 8, 10]"));
}
