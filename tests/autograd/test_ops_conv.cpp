// conv2d, conv_transpose2d and conv2d's two backward ops: hand-worked values, first and second
// derivatives with stride / padding / dilation / output_padding, and shape errors.
#include "op_check.h"

using namespace nash;
using namespace nash::test;

namespace {
using Vars = std::vector<Variable>;

Conv2dArgs args(std::array<int64_t, 2> stride, std::array<int64_t, 2> padding,
                std::array<int64_t, 2> dilation = {1, 1}) {
  Conv2dArgs a;
  a.stride = stride;
  a.padding = padding;
  a.dilation = dilation;
  return a;
}
}  // namespace

TEST_CASE("conv2d forward values with stride, padding, dilation", "[autograd][ops]") {
  Variable x = leaf({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3});
  Variable w = leaf({1, 1, 1, 1}, {1, 1, 2, 2});
  check_values(conv2d(x, w, leaf({0.5}, {1})), {1, 1, 2, 2}, {12.5, 16.5, 24.5, 28.5});
  check_values(conv2d(x, w, Variable(), args({2, 2}, {1, 1})), {1, 1, 2, 2}, {1, 5, 11, 28});
  check_values(conv2d(x, w, Variable(), args({1, 1}, {0, 0}, {2, 2})), {1, 1, 1, 1}, {20});
  // Two output channels, the second weight picks the top-left pixel negated.
  Variable w2 = leaf({1, 1, 1, 1, -1, 0, 0, 0}, {2, 1, 2, 2});
  check_values(conv2d(x, w2, leaf({0, 1}, {2})), {1, 2, 2, 2}, {12, 16, 24, 28, 0, -1, -3, -4});
}

TEST_CASE("conv_transpose2d forward values with stride and output_padding", "[autograd][ops]") {
  Variable x = leaf({1, 2, 3, 4}, {1, 1, 2, 2});
  Variable w = leaf({1, 1, 1, 1}, {1, 1, 2, 2});
  check_values(conv_transpose2d(x, w, Variable()), {1, 1, 3, 3}, {1, 3, 2, 4, 10, 6, 3, 7, 4});
  check_values(conv_transpose2d(x, w, leaf({1}, {1}), args({2, 2}, {0, 0}), {1, 1}), {1, 1, 5, 5},
               {2, 2, 3, 3, 1,  //
                2, 2, 3, 3, 1,  //
                4, 4, 5, 5, 1,  //
                4, 4, 5, 5, 1,  //
                1, 1, 1, 1, 1});
  // padding 1 crops the border of the stride-2 result [4, 4] to [2, 2].
  check_values(conv_transpose2d(x, w, Variable(), args({2, 2}, {1, 1})), {1, 1, 2, 2}, {1, 2, 3, 4});
}

TEST_CASE("conv2d gradients with stride, padding, dilation", "[autograd][ops]") {
  Rng rng(81);
  Tensor x = random_in({2, 3, 5, 4}, rng, -1, 1), w = random_in({4, 3, 3, 2}, rng, -1, 1);
  Tensor b = random_in({4}, rng, -1, 1);
  Conv2dArgs a = args({2, 1}, {1, 0}, {1, 2});
  check_grads("conv2d s(2,1) p(1,0) d(1,2)", [a](const Vars& v) { return conv2d(v[0], v[1], v[2], a); },
              {x, w, b});
  check_grads("conv2d no bias", [](const Vars& v) { return conv2d(v[0], v[1], Variable()); },
              {random_in({2, 2, 4, 5}, rng, -1, 1), random_in({3, 2, 2, 3}, rng, -1, 1)});
  // stride 2 over H = 6 with a 3-row kernel never reads the last row: its gradient is 0.
  check_grads("conv2d uncovered row", [](const Vars& v) {
    return conv2d(v[0], v[1], Variable(), args({2, 1}, {0, 2}));
  }, {random_in({1, 2, 6, 3}, rng, -1, 1), random_in({2, 2, 3, 3}, rng, -1, 1)});
  // Conv, nonlinearity, conv: second derivatives run through the backward ops' dy-derivatives.
  check_grads("conv-tanh-conv", [](const Vars& v) {
    return conv2d(tanh(conv2d(v[0], v[1], v[2], args({1, 1}, {1, 1}))), v[3], Variable(), args({2, 2}, {0, 0}));
  }, {random_in({1, 2, 4, 4}, rng, -1, 1), random_in({3, 2, 3, 3}, rng, -1, 1),
      random_in({3}, rng, -1, 1), random_in({2, 3, 2, 2}, rng, -1, 1)});
}

TEST_CASE("conv2d backward ops are differentiable", "[autograd][ops]") {
  Rng rng(82);
  Conv2dArgs a = args({2, 1}, {1, 0}, {1, 2});
  Tensor dy = random_in({2, 4, 3, 2}, rng, -1, 1), w = random_in({4, 3, 3, 2}, rng, -1, 1);
  Tensor x = random_in({2, 3, 5, 4}, rng, -1, 1);
  check_grads("conv2d_backward_input", [a](const Vars& v) {
    return conv2d_backward_input(v[0], v[1], {2, 3, 5, 4}, a);
  }, {dy, w});
  check_grads("conv2d_backward_input H=6", [a](const Vars& v) {
    return square(conv2d_backward_input(v[0], v[1], {2, 3, 6, 4}, a));
  }, {dy, w});
  check_grads("conv2d_backward_weight", [a](const Vars& v) {
    return square(conv2d_backward_weight(v[0], v[1], {4, 3, 3, 2}, a));
  }, {dy, x});
  // Matches the tensor kernels.
  Variable dx = conv2d_backward_input(Variable(dy), Variable(w), {2, 3, 5, 4}, a);
  CHECK(allclose(dx.value(), nash::conv2d_backward_input(dy, w, {2, 3, 5, 4}, a), 1e-12, 1e-12));
}

// Shallow convolutions and those with few outputs run the direct kernels (tensor/conv_direct.cpp):
// vector over the outputs (1 input channel, stride 2, as a discriminator's first layer) and dot
// products over the channels (one output, as a generator's last layer).
TEST_CASE("conv2d gradients and second derivatives through the direct kernels", "[autograd][ops]") {
  Rng rng(84);
  const Conv2dArgs s2 = args({2, 2}, {1, 1}), s1 = args({1, 1}, {1, 1});
  REQUIRE(detail::direct_conv_enabled());
  check_grads("direct, vector over outputs: 1 -> 5 channels, stride 2", [s2](const Vars& v) {
    return square(conv2d(v[0], v[1], v[2], s2));
  }, {random_in({2, 1, 5, 6}, rng, -1, 1), random_in({5, 1, 3, 3}, rng, -1, 1),
      random_in({5}, rng, -1, 1)});
  check_grads("direct, dot products: 9 -> 1 channel, stride 1", [s1](const Vars& v) {
    return square(conv2d(v[0], v[1], v[2], s1));
  }, {random_in({2, 9, 4, 3}, rng, -1, 1), random_in({1, 9, 3, 3}, rng, -1, 1),
      random_in({1}, rng, -1, 1)});
  check_grads("direct backward input and weight, stride 2", [s2](const Vars& v) {
    return square(conv2d_backward_input(v[0], v[1], {2, 3, 5, 5}, s2)) +
           sum(square(conv2d_backward_weight(v[0], v[2], {4, 3, 3, 3}, s2)));
  }, {random_in({2, 4, 3, 3}, rng, -1, 1), random_in({4, 3, 3, 3}, rng, -1, 1),
      random_in({2, 3, 5, 5}, rng, -1, 1)});
}

TEST_CASE("conv_transpose2d gradients with output_padding", "[autograd][ops]") {
  Rng rng(83);
  check_grads("conv_transpose2d s2 p1 op(1,0)", [](const Vars& v) {
    return conv_transpose2d(v[0], v[1], v[2], args({2, 2}, {1, 1}), {1, 0});
  }, {random_in({2, 3, 3, 2}, rng, -1, 1), random_in({3, 2, 3, 3}, rng, -1, 1),
      random_in({2}, rng, -1, 1)});
  check_grads("conv_transpose2d s(1,2) p(0,1) d(2,1) op(0,1)", [](const Vars& v) {
    return square(conv_transpose2d(v[0], v[1], Variable(), args({1, 2}, {0, 1}, {2, 1}), {0, 1}));
  }, {random_in({1, 2, 2, 3}, rng, -1, 1), random_in({2, 3, 2, 2}, rng, -1, 1)});
  check_grads("conv_transpose2d default", [](const Vars& v) {
    return conv_transpose2d(v[0], v[1], v[2]);
  }, {random_in({2, 2, 2, 3}, rng, -1, 1), random_in({2, 3, 2, 2}, rng, -1, 1),
      random_in({3}, rng, -1, 1)});
}

TEST_CASE("conv ops report mismatched shapes", "[autograd][ops]") {
  Variable x(zeros({1, 3, 5, 5}, DType::Float64)), w(zeros({4, 2, 3, 3}, DType::Float64));
  CHECK_THAT(error_of([&] { conv2d(x, w, Variable()); }),
             Catch::Contains("conv2d: channels differ") && Catch::Contains("[1, 3, 5, 5]") &&
                 Catch::Contains("[4, 2, 3, 3]"));
  Variable w3(zeros({4, 3, 3, 3}, DType::Float64));
  CHECK_THAT(error_of([&] { conv2d(x, w3, Variable(zeros({3}, DType::Float64))); }),
             Catch::Contains("conv2d: expected bias [O] = [4], got [3]"));
  Variable wt(zeros({3, 2, 3, 3}, DType::Float64));
  CHECK_THAT(error_of([&] { conv_transpose2d(x, wt, Variable(), args({2, 2}, {0, 0}), {2, 0}); }),
             Catch::Contains("conv_transpose2d: output_padding must be >= 0 and < stride"));
  CHECK_THAT(error_of([&] { conv2d_backward_input(Variable(zeros({1, 4, 2, 2}, DType::Float64)), w3, {1, 3, 5, 5}); }),
             Catch::Contains("conv2d_backward_input: expected dy [N, O, OH, OW] [1, 4, 3, 3], got [1, 4, 2, 2]"));
}
