// Elementwise unary math and activations: hand-worked values, first and second derivatives
// away from kinks, closed-form d/dx and d2/dx2 via grad(create_graph) twice, argument errors.
#include <cmath>

#include "op_check.h"

using namespace nash;
using namespace nash::test;

namespace {
using Vars = std::vector<Variable>;

double sigm(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// First and second derivative of the elementwise f at the points xs, by grad() twice.
std::pair<std::vector<double>, std::vector<double>> derivatives(
    const std::function<Variable(const Variable&)>& f, const std::vector<double>& xs) {
  Variable x = leaf(xs, {static_cast<int64_t>(xs.size())});
  Variable d1 = grad({sum(f(x))}, {x}, {}, false, /*create_graph=*/true)[0];
  Variable d2 = grad({sum(d1)}, {x})[0];
  return {d1.value().to_vector(), d2.value().to_vector()};
}
}  // namespace

TEST_CASE("unary math forward values", "[autograd][ops]") {
  Variable x = leaf({-2, -0.5, 0.5, 3}, {4});
  check_values(neg(x), {4}, {2, 0.5, -0.5, -3});
  check_values(abs(x), {4}, {2, 0.5, 0.5, 3});
  check_values(square(x), {4}, {4, 0.25, 0.25, 9});
  check_values(exp(x), {4}, {std::exp(-2.0), std::exp(-0.5), std::exp(0.5), std::exp(3.0)});
  check_values(clamp(x, -1.0, 1.0), {4}, {-1, -0.5, 0.5, 1});
  check_values(log1p(x * 0.25), {4}, {std::log(0.5), std::log(0.875), std::log(1.125), std::log(1.75)});
  Variable p = leaf({0.25, 1, 4, 9}, {4});
  check_values(log(p), {4}, {std::log(0.25), 0, std::log(4.0), std::log(9.0)});
  check_values(sqrt(p), {4}, {0.5, 1, 2, 3});
}

TEST_CASE("activation forward values", "[autograd][ops]") {
  Variable x = leaf({-2, -0.5, 0.5, 3}, {4});
  check_values(relu(x), {4}, {0, 0, 0.5, 3});
  check_values(leaky_relu(x, 0.1), {4}, {-0.2, -0.05, 0.5, 3});
  check_values(elu(x, 2.0), {4}, {2 * std::expm1(-2.0), 2 * std::expm1(-0.5), 0.5, 3});
  check_values(tanh(x), {4}, {std::tanh(-2.0), std::tanh(-0.5), std::tanh(0.5), std::tanh(3.0)});
  check_values(sigmoid(x), {4}, {sigm(-2), sigm(-0.5), sigm(0.5), sigm(3)});
  check_values(softplus(x), {4},
               {std::log1p(std::exp(-2.0)), std::log1p(std::exp(-0.5)), std::log1p(std::exp(0.5)),
                std::log1p(std::exp(3.0))});
  check_values(log_sigmoid(x), {4},
               {std::log(sigm(-2)), std::log(sigm(-0.5)), std::log(sigm(0.5)), std::log(sigm(3))});
}

TEST_CASE("unary math gradients and second derivatives", "[autograd][ops]") {
  Rng rng(21);
  Tensor x = random_away_from({2, 3, 4}, rng);
  Tensor pos = random_in({2, 3, 4}, rng, 0.2, 3.0);
  check_grads("neg", [](const Vars& v) { return neg(v[0]); }, {x});
  check_grads("exp", [](const Vars& v) { return exp(v[0]); }, {x});
  check_grads("log", [](const Vars& v) { return log(v[0]); }, {pos});
  check_grads("log1p", [](const Vars& v) { return log1p(v[0]); }, {random_in({2, 3, 4}, rng, -0.7, 3.0)});
  check_grads("sqrt", [](const Vars& v) { return sqrt(v[0]); }, {pos});
  check_grads("abs", [](const Vars& v) { return abs(v[0]); }, {x});
  check_grads("square", [](const Vars& v) { return square(v[0]); }, {x});
  check_grads("clamp", [](const Vars& v) { return clamp(v[0], -1.0, 0.5); },
              {random_away_from({2, 3, 4}, rng, {-1.0, 0.5})});
}

TEST_CASE("activation gradients and second derivatives", "[autograd][ops]") {
  Rng rng(22);
  Tensor x = random_away_from({2, 3, 4}, rng, {0.0}, 0.1, -3.0, 3.0);
  check_grads("tanh", [](const Vars& v) { return tanh(v[0]); }, {x});
  check_grads("sigmoid", [](const Vars& v) { return sigmoid(v[0]); }, {x});
  check_grads("relu", [](const Vars& v) { return relu(v[0]); }, {x});
  check_grads("leaky_relu", [](const Vars& v) { return leaky_relu(v[0], 0.2); }, {x});
  check_grads("elu", [](const Vars& v) { return elu(v[0], 1.3); }, {x});
  check_grads("softplus", [](const Vars& v) { return softplus(v[0]); }, {x});
  check_grads("log_sigmoid", [](const Vars& v) { return log_sigmoid(v[0]); }, {x});
  // Through a nonlinearity after the op, so the second derivative depends on dy too.
  check_grads("tanh(elu)^2", [](const Vars& v) { return square(tanh(elu(v[0]))); }, {x});
}

TEST_CASE("closed forms: x^3, sigmoid and softplus, first and second derivatives",
          "[autograd][ops]") {
  const std::vector<double> pts{-2.0, -0.3, 0.0, 0.7, 1.5};
  auto cube = derivatives([](const Variable& x) { return x * x * x; }, pts);
  auto cube_pow = derivatives([](const Variable& x) { return pow(x, 3.0); }, pts);
  auto sig = derivatives([](const Variable& x) { return sigmoid(x); }, pts);
  auto sp = derivatives([](const Variable& x) { return softplus(x); }, pts);
  for (size_t i = 0; i < pts.size(); ++i) {
    const double x = pts[i], s = sigm(x);
    INFO("x = " << x);
    CHECK(cube.first[i] == Approx(3 * x * x).margin(1e-12));
    CHECK(cube.second[i] == Approx(6 * x).margin(1e-12));
    CHECK(cube_pow.first[i] == Approx(3 * x * x).margin(1e-12));
    CHECK(cube_pow.second[i] == Approx(6 * x).margin(1e-12));
    CHECK(sig.first[i] == Approx(s * (1 - s)).margin(1e-12));
    CHECK(sig.second[i] == Approx(s * (1 - s) * (1 - 2 * s)).margin(1e-12));
    CHECK(sp.first[i] == Approx(s).margin(1e-12));
    CHECK(sp.second[i] == Approx(s * (1 - s)).margin(1e-12));
  }
}

TEST_CASE("unary ops reject bad arguments naming the op", "[autograd][ops]") {
  Variable x = leaf({1, 2, 3}, {3});
  CHECK_THAT(error_of([&] { clamp(x, 1.0, -1.0); }), Catch::Contains("clamp") && Catch::Contains("[3]"));
  CHECK_THAT(error_of([&] { leaky_relu(x, -0.1); }), Catch::Contains("leaky_relu: slope"));
  CHECK_THAT(error_of([&] { elu(x, -1.0); }), Catch::Contains("elu: alpha"));
}
