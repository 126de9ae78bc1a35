// binary_cross_entropy_with_logits: closed-form values, stability at logits of +-1000 in forward
// and backward, first and second derivatives with a broadcast target, shape errors.
#include <cmath>

#include "op_check.h"

using namespace nash;
using namespace nash::test;

namespace {
using Vars = std::vector<Variable>;
double sigm(double x) { return 1.0 / (1.0 + std::exp(-x)); }
// -t log sigmoid(x) - (1 - t) log(1 - sigmoid(x)) for moderate x.
double bce(double x, double t) { return -t * std::log(sigm(x)) - (1 - t) * std::log(1 - sigm(x)); }
}  // namespace

TEST_CASE("bce_with_logits forward values", "[autograd][ops]") {
  Variable x = leaf({0, 2, -1.5, 3}, {4});
  Variable t = leaf({0.5, 1, 0, 0.25}, {4});
  check_values(binary_cross_entropy_with_logits(x, t), {4},
               {std::log(2.0), bce(2, 1), bce(-1.5, 0), bce(3, 0.25)});
}

TEST_CASE("bce_with_logits is finite and exact at logits +-1000", "[autograd][ops]") {
  Variable x = leaf({1000, 1000, -1000, -1000, 1000, -1000}, {6});
  Variable t = leaf({0, 1, 0, 1, 0.5, 0.25}, {6});
  Variable loss = binary_cross_entropy_with_logits(x, t);
  // max(x, 0) - x t + log1p(e^-|x|), and e^-1000 underflows to exactly 0.
  check_values(loss, {6}, {1000, 0, 0, 1000, 500, 250});
  std::vector<Variable> g = grad({sum(loss)}, {x, t}, {}, false, /*create_graph=*/true);
  // dx = sigmoid(x) - t, dt = -x
  check_values(g[0], {6}, {1, 0, 0, -1, 0.5, -0.25});
  check_values(g[1], {6}, {-1000, -1000, 1000, 1000, -1000, 1000});
  // Second derivative d2/dx2 = sigmoid'(x) = 0 there, still finite.
  Variable d2 = grad({sum(g[0])}, {x})[0];
  check_values(d2, {6}, {0, 0, 0, 0, 0, 0});
  AnomalyGuard anomaly;  // no NaN/Inf anywhere on the way
  Variable x32(nash::tensor({1000, -1000}), true), t32(nash::tensor({1, 0}));
  sum(binary_cross_entropy_with_logits(x32, t32)).backward();
  check_values(x32.grad(), {2}, {0, 0});
}

TEST_CASE("bce_with_logits gradients with broadcast target", "[autograd][ops]") {
  Rng rng(101);
  Tensor x = random_in({2, 3, 4}, rng, -4, 4);
  auto f = [](const Vars& v) { return binary_cross_entropy_with_logits(v[0], v[1]); };
  check_grads("same shape", f, {x, random_in({2, 3, 4}, rng, 0, 1)});
  check_grads("target [4]", f, {x, random_in({4}, rng, 0, 1)});
  check_grads("target [3, 1]", f, {x, random_in({3, 1}, rng, 0, 1)});
  check_grads("mean loss", [](const Vars& v) {
    return mean(binary_cross_entropy_with_logits(v[0] * v[0], v[1]));
  }, {x, random_in({2, 1, 4}, rng, 0, 1)});
}

TEST_CASE("bce_with_logits rejects a target that does not broadcast to the logits",
          "[autograd][ops]") {
  Variable x(zeros({2, 3, 4}, DType::Float64)), t(zeros({5}, DType::Float64));
  CHECK_THAT(error_of([&] { binary_cross_entropy_with_logits(x, t); }),
             Catch::Contains("binary_cross_entropy_with_logits: target [5] does not broadcast to logits [2, 3, 4]"));
  // A target larger than the logits would change the loss's shape: rejected too.
  CHECK_THAT(error_of([&] { binary_cross_entropy_with_logits(Variable(zeros({4}, DType::Float64)), x); }),
             Catch::Contains("target [2, 3, 4] does not broadcast to logits [4]"));
  CHECK_THAT(error_of([&] { binary_cross_entropy_with_logits(x, Variable(zeros({4}))); }),
             Catch::Contains("must share a float dtype"));
}
