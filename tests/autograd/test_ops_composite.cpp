// Ops composed the way the GAN code uses them: shared subexpressions, a BCE discriminator loss,
// and a WGAN-GP gradient penalty (a grad(create_graph) inside f) checked to second and third
// order through conv, conv_transpose, pooling and linear layers.
#include "op_check.h"

using namespace nash;
using namespace nash::test;

namespace {
using Vars = std::vector<Variable>;

Conv2dArgs stride2() {
  Conv2dArgs a;
  a.stride = {2, 2};
  a.padding = {1, 1};
  return a;
}

// (||d critic / d x||_2 - 1)^2 per sample, the WGAN-GP penalty; x must be an input of f.
Variable penalty(const Variable& critic_out, const Variable& x) {
  Variable g = grad({sum(critic_out)}, {x}, {}, true, /*create_graph=*/true)[0];
  std::vector<int64_t> dims;
  for (int64_t d = 1; d < g.dim(); ++d) dims.push_back(d);
  return square(sqrt(sum(square(g), dims)) - 1.0);
}
}  // namespace

TEST_CASE("shared subexpressions: swish and a product with itself", "[autograd][ops]") {
  Rng rng(111);
  Tensor x = random_in({2, 3, 4}, rng, -2, 2);
  check_grads("swish", [](const Vars& v) { return v[0] * sigmoid(v[0]); }, {x});
  check_grads("x * exp(x) / (1 + x^2)", [](const Vars& v) {
    Variable e = exp(v[0]);
    return v[0] * e / (square(v[0]) + 1.0) + e;
  }, {x});
}

TEST_CASE("a small discriminator's BCE loss, all parameters", "[autograd][ops]") {
  Rng rng(112);
  auto d_loss = [](const Vars& v) {
    Variable h = leaky_relu(linear(v[0], v[1], v[2]), 0.2);
    Variable logits = linear(h, v[3], v[4]);  // [N, 1]
    return mean(binary_cross_entropy_with_logits(logits, Variable(full({4, 1}, 1.0, DType::Float64))));
  };
  check_grads("D loss", d_loss,
              {random_in({4, 3}, rng, -1, 1), random_in({5, 3}, rng, -1, 1), random_in({5}, rng, -1, 1),
               random_in({1, 5}, rng, -1, 1), random_in({1}, rng, -1, 1)});
}

TEST_CASE("WGAN-GP penalty through a conv critic: second and third derivatives",
          "[autograd][ops]") {
  Rng rng(113);
  // critic: conv (stride 2) -> tanh -> avg_pool -> flatten -> linear
  auto f = [](const Vars& v) {
    Variable h = tanh(conv2d(v[0], v[1], v[2], stride2()));  // [2, 3, 2, 2]
    Variable out = linear(flatten(avg_pool2d(h, {2, 2}, {1, 1}), 1), v[3], Variable());
    return penalty(out, v[0]);
  };
  check_grads("penalty", f,
              {random_in({2, 2, 4, 4}, rng, -1, 1), random_in({3, 2, 3, 3}, rng, -1, 1),
               random_in({3}, rng, -1, 1), random_in({1, 3}, rng, -1, 1)});
}

TEST_CASE("WGAN-GP penalty through a generator-like path: conv_transpose, upsample, max_pool",
          "[autograd][ops]") {
  Rng rng(114);
  auto f = [](const Vars& v) {
    Variable h = softplus(conv_transpose2d(v[0], v[1], Variable(), stride2(), {1, 1}));  // [1, 2, 4, 4]
    Variable p = max_pool2d(upsample_nearest2d(h, 2), {3, 3}, {2, 2}, {1, 1});        // [1, 2, 4, 4]
    Variable out = sum(square(p) * v[2], {1, 2, 3});
    return penalty(out, v[0]);
  };
  check_grads("penalty", f,
              {random_in({1, 3, 2, 2}, rng, -1, 1), random_in({3, 2, 3, 3}, rng, -1, 1),
               random_in({2, 4, 4}, rng, -1, 1)});
}
