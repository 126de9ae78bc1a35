// linear_act (a linear layer and its activation as one op): hand-worked values, first and
// second derivatives for every activation, bitwise agreement with linear + the activation
// op (values and gradients, float32, GAN-sized), repeated backward, shape errors.
#include <cstring>

#include "op_check.h"
#include "tensor/random.h"

using namespace nash;
using namespace nash::test;

namespace {
using Vars = std::vector<Variable>;

const LinearActivation kActs[] = {LinearActivation::kNone, LinearActivation::kReLU,
                                  LinearActivation::kLeakyReLU, LinearActivation::kTanh,
                                  LinearActivation::kSigmoid};

// The unfused reference: linear, then the activation's own op.
Variable unfused(const Variable& x, const Variable& w, const Variable& b, LinearActivation act,
                 double slope) {
  Variable z = linear(x, w, b);
  switch (act) {
    case LinearActivation::kNone: return z;
    case LinearActivation::kReLU: return relu(z);
    case LinearActivation::kLeakyReLU: return leaky_relu(z, slope);
    case LinearActivation::kTanh: return tanh(z);
    case LinearActivation::kSigmoid: return sigmoid(z);
  }
  return z;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
  const Tensor ac = a.contiguous(), bc = b.contiguous();
  return std::memcmp(ac.data<float>(), bc.data<float>(), sizeof(float) * ac.numel()) == 0;
}
}  // namespace

TEST_CASE("linear_act forward values", "[autograd][ops]") {
  // x [2, 3], w [2, 3], b [2]: x w^T + b = [6.5 -2; 15.5 -2]
  Variable x = leaf({1, 2, 3, 4, 5, 6}, {2, 3});
  Variable w = leaf({1, 1, 1, 0, 1, -1}, {2, 3});
  Variable b = leaf({0.5, -1}, {2});
  check_values(linear_act(x, w, b, LinearActivation::kNone), {2, 2}, {6.5, -2, 15.5, -2});
  check_values(linear_act(x, w, b, LinearActivation::kReLU), {2, 2}, {6.5, 0, 15.5, 0});
  check_values(linear_act(x, w, b, LinearActivation::kLeakyReLU, 0.1), {2, 2},
               {6.5, -0.2, 15.5, -0.2});
  check_values(linear_act(x, w, b, LinearActivation::kTanh), {2, 2},
               {std::tanh(6.5), std::tanh(-2.0), std::tanh(15.5), std::tanh(-2.0)});
  check_values(linear_act(x, w, b, LinearActivation::kSigmoid), {2, 2},
               {1 / (1 + std::exp(-6.5)), 1 / (1 + std::exp(2.0)), 1 / (1 + std::exp(-15.5)),
                1 / (1 + std::exp(2.0))});
  // no bias, and leading dims folded: x [2, 1, 3] -> [2, 1, 2]
  check_values(linear_act(reshape(x, {2, 1, 3}), w, Variable(), LinearActivation::kReLU),
               {2, 1, 2}, {6, 0, 15, 0});
}

TEST_CASE("linear_act gradients and second derivatives, every activation", "[autograd][ops]") {
  Rng rng(43);
  for (LinearActivation act : kActs) {
    INFO(activation_name(act));
    auto f = [act](const Vars& v) { return linear_act(v[0], v[1], v[2], act, 0.2); };
    check_grads("with bias", f,
                {random_in({4, 5}, rng, -1, 1), random_in({3, 5}, rng, -1, 1),
                 random_in({3}, rng, -1, 1)});
    auto g = [act](const Vars& v) { return linear_act(v[0], v[1], Variable(), act, 0.2); };
    check_grads("no bias, 3-D input", g,
                {random_in({2, 3, 5}, rng, -1, 1), random_in({4, 5}, rng, -1, 1)});
    // Composed twice, so the second derivative couples both layers through the activation.
    auto h = [act](const Vars& v) {
      return linear_act(linear_act(v[0], v[1], v[2], act, 0.2), v[1], v[2], act, 0.2);
    };
    check_grads("two layers", h,
                {random_in({3, 4}, rng, -1, 1), random_in({4, 4}, rng, -1, 1),
                 random_in({4}, rng, -1, 1)});
  }
}

TEST_CASE("linear_act is bitwise linear + activation, values and gradients", "[autograd][ops]") {
  Rng rng(44);
  struct Shape3 {
    int64_t n, in, out;
  };
  // The MLP GAN's layers (batch 64), and odd sizes (tails of every tile and vector).
  const Shape3 shapes[] = {{64, 784, 512}, {64, 512, 256}, {64, 256, 1}, {7, 33, 45}, {1, 3, 17}};
  for (const Shape3& s : shapes)
    for (LinearActivation act : kActs) {
      INFO(activation_name(act) << " n=" << s.n << " in=" << s.in << " out=" << s.out);
      const Tensor xv = uniform({s.n, s.in}, -1, 1, rng), wv = uniform({s.out, s.in}, -0.1, 0.1, rng);
      const Tensor bv = uniform({s.out}, -0.5, 0.5, rng), dyv = uniform({s.n, s.out}, -1, 1, rng);
      Variable x1(xv, true), w1(wv, true), b1(bv, true), x2(xv, true), w2(wv, true), b2(bv, true);
      Variable fused = linear_act(x1, w1, b1, act, 0.2);
      Variable ref = unfused(x2, w2, b2, act, 0.2);
      CHECK(same_bits(fused.value(), ref.value()));
      fused.backward(dyv);
      ref.backward(dyv);
      CHECK(same_bits(x1.grad().value(), x2.grad().value()));
      CHECK(same_bits(w1.grad().value(), w2.grad().value()));
      CHECK(same_bits(b1.grad().value(), b2.grad().value()));
    }
}

TEST_CASE("linear_act backward twice (retained graph) and with another dy", "[autograd][ops]") {
  // The derivatives share dz = dy act'(z) within one backward; a second backward with a
  // different upstream gradient must not reuse it.
  Rng rng(45);
  Variable x(uniform({5, 4}, -1, 1, rng), true), w(uniform({3, 4}, -1, 1, rng), true);
  Variable b(uniform({3}, -1, 1, rng), true);
  Variable y = linear_act(x, w, b, LinearActivation::kTanh);
  const Tensor dy1 = uniform({5, 3}, -1, 1, rng), dy2 = uniform({5, 3}, -1, 1, rng);
  y.backward(dy1, /*retain_graph=*/true);
  const Tensor gw1 = w.grad().value().clone(), gb1 = b.grad().value().clone();
  w.zero_grad();
  b.zero_grad();
  y.backward(dy2, /*retain_graph=*/true);
  Variable w2(w.value(), true), b2(b.value(), true);
  tanh(linear(x.detach(), w2, b2)).backward(dy2);
  CHECK(same_bits(w.grad().value(), w2.grad().value()));
  CHECK(same_bits(b.grad().value(), b2.grad().value()));
  CHECK_FALSE(same_bits(w.grad().value(), gw1));
  CHECK_FALSE(same_bits(b.grad().value(), gb1));
}

TEST_CASE("linear_act shape errors", "[autograd][ops]") {
  Variable x = leaf({1, 2, 3, 4, 5, 6}, {2, 3});
  CHECK_THAT(error_of([&] { linear_act(x, leaf({1, 2}, {2}), Variable(), LinearActivation::kReLU); }),
             Catch::Contains("linear_act: expected weight [D_out, D_in], got [2]"));
  CHECK_THAT(error_of([&] { linear_act(x, leaf({1, 2, 3, 4}, {2, 2}), Variable(), LinearActivation::kReLU); }),
             Catch::Contains("linear_act: input [2, 3] does not end in D_in = 2 of weight [2, 2]"));
  CHECK_THAT(error_of([&] {
               linear_act(x, leaf({1, 1, 1, 0, 1, -1}, {2, 3}), leaf({1, 2, 3}, {3}),
                          LinearActivation::kReLU);
             }),
             Catch::Contains("linear_act: expected bias [2] for weight [2, 3], got [3]"));
  CHECK_THAT(error_of([&] {
               linear_act(x, leaf({1, 1, 1, 0, 1, -1}, {2, 3}), Variable(),
                          LinearActivation::kLeakyReLU, -1.0);
             }),
             Catch::Contains("linear_act: leaky_relu slope must be >= 0, got -1"));
}
