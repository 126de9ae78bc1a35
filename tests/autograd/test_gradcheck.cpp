// The gradient checkers themselves: they pass correct ops, catch wrong first derivatives, wrong
// or non-differentiable second derivatives (including the derivative with respect to dy), say
// where, and reject bad usage.
#include <cmath>

#include "op_check.h"

using namespace nash;
using namespace nash::test;

namespace {
using Vars = std::vector<Variable>;
Variable constant(const Tensor& t) { return Variable(t, false); }

// y = x^2 whose derivative is scaled by `factor` (1 = correct).
Variable scaled_square(const Variable& x, double factor) {
  return make_op("scaled_square", nash::square(x.value()), {x},
                 {[x, factor](const Variable& dy) { return dy * x * (2.0 * factor); }});
}
// y = x^2 with a correct first derivative written with a constant: not differentiable again.
Variable frozen_square(const Variable& x) {
  return make_op("frozen_square", nash::square(x.value()), {x}, {[x](const Variable& dy) {
                   return dy * constant(nash::mul(x.value(), 2.0));
                 }});
}
// y = 3x whose backward op is right (3 dy) but whose own derivative with respect to dy is wrong.
Variable wrong_backward(const Variable& dy) {
  return make_op("wrong_backward", nash::mul(dy.value(), 3.0), {dy},
                 {[](const Variable& g) { return g * 2.0; }});  // should be g * 3
}
Variable triple(const Variable& x) {
  return make_op("triple", nash::mul(x.value(), 3.0), {x},
                 {[](const Variable& dy) { return wrong_backward(dy); }});
}
}  // namespace

TEST_CASE("gradcheck passes correct ops, any output shape", "[autograd][gradcheck]") {
  Rng rng(1);
  auto f = [](const auto& v) { return v[0] * v[1] + exp(v[0]); };  // the header's example form
  std::vector<Tensor> in{random_away_from({2, 3, 4}, rng), random_away_from({4}, rng)};
  GradcheckResult r = gradcheck(f, in);
  CHECK(r.ok);
  CHECK(static_cast<bool>(r));
  CHECK(r.message == "ok");
  CHECK(gradgradcheck(f, in));
  CHECK(gradcheck([](const Vars& v) { return sum(v[0] * v[0]); }, {random_away_from({3}, rng)}));
  CHECK(gradcheck([](const Vars& v) { return v[0] * 2.0; }, {f64({1.5}, {})}));  // 0-d input
  CHECK(gradcheck([](const Vars& v) { return v[0]; }, {f64({1, 2}, {2})}));      // f = identity
  CHECK(gradgradcheck([](const Vars& v) { return v[0]; }, {f64({1, 2}, {2})}));
}

TEST_CASE("gradcheck reports the input, element and values of a wrong derivative",
          "[autograd][gradcheck]") {
  Tensor x = f64({0.5, -1.0, 1.5, 2.0, -0.7, 1.2}, {2, 3});
  CHECK(gradcheck([](const Vars& v) { return scaled_square(v[0], 1.0); }, {x}));
  GradcheckResult r = gradcheck([](const Vars& v) { return scaled_square(v[0], 0.5); }, {x});
  REQUIRE_FALSE(r.ok);
  CHECK_THAT(r.message, Catch::StartsWith("gradcheck: input 0 [2, 3]: 6 of 6 elements differ"));
  CHECK_THAT(r.message, Catch::Contains("analytic") && Catch::Contains("numeric") &&
                            Catch::Contains("abs error") && Catch::Contains("rel error"));

  // Only element 5 (index [1, 2]) of the second input is wrong: both are named.
  Tensor m = f64({1, 1, 1, 1, 1, 0.5}, {2, 3});
  auto f = [m](const Vars& v) {
    Variable y = make_op("masked", nash::add(v[0].value(), v[1].value()), {v[0], v[1]},
                         {[](const Variable& dy) { return dy; },
                          [m](const Variable& dy) { return dy * constant(m); }});
    return y;
  };
  r = gradcheck(f, {x, x});
  REQUIRE_FALSE(r.ok);
  CHECK_THAT(r.message, Catch::Contains("input 1 [2, 3]: 1 of 6 elements differ") &&
                            Catch::Contains("element 5 (index [1, 2])"));
}

TEST_CASE("gradcheck tolerances come from the options", "[autograd][gradcheck]") {
  Tensor x = f64({0.5, -1.0, 1.5, 2.0}, {4});
  auto f = [](const Vars& v) { return scaled_square(v[0], 1.0 + 1e-4); };  // 0.01% off
  CHECK(gradcheck(f, {x}));
  GradcheckOptions strict;
  strict.rtol = 1e-6;
  strict.atol = 1e-9;
  CHECK_FALSE(gradcheck(f, {x}, strict));
}

TEST_CASE("gradgradcheck catches a backward that is not differentiable", "[autograd][gradcheck]") {
  Tensor x = f64({0.5, -1.0, 1.5}, {3});
  auto f = [](const Vars& v) { return frozen_square(v[0]); };
  CHECK(gradcheck(f, {x}));
  GradcheckResult r = gradgradcheck(f, {x});
  REQUIRE_FALSE(r.ok);
  CHECK_THAT(r.message, Catch::StartsWith("gradgradcheck: input 0 [3]"));
  CHECK(gradgradcheck([](const Vars& v) { return scaled_square(v[0], 1.0); }, {x}));
}

TEST_CASE("gradgradcheck checks the derivative with respect to the upstream gradient",
          "[autograd][gradcheck]") {
  Tensor x = f64({0.5, -1.0, 1.5}, {3});
  auto f = [](const Vars& v) { return triple(v[0]); };
  CHECK(gradcheck(f, {x}));
  GradcheckResult r = gradgradcheck(f, {x});
  REQUIRE_FALSE(r.ok);
  CHECK_THAT(r.message, Catch::Contains("the upstream gradient u of f's output [3]"));
}

TEST_CASE("gradcheck handles unused inputs and constant outputs", "[autograd][gradcheck]") {
  Tensor a = f64({1, 2}, {2}), b = f64({3, 4, 5}, {3});
  CHECK(gradcheck([](const Vars& v) { return v[0] * 2.0; }, {a, b}));
  CHECK(gradgradcheck([](const Vars& v) { return v[0] * 2.0; }, {a, b}));
  // An output that ignores every input: both gradients are zero, analytically and numerically.
  CHECK(gradcheck([](const Vars&) { return Variable(f64({1, 2}, {2})); }, {a}));
  CHECK(gradgradcheck([](const Vars&) { return Variable(f64({1, 2}, {2})); }, {a}));
}

TEST_CASE("gradcheck rejects bad usage clearly", "[autograd][gradcheck]") {
  auto id = [](const Vars& v) { return v[0] * 1.0; };
  CHECK_THAT(error_of([&] { gradcheck(id, {nash::tensor({1.0, 2.0})}); }),
             Catch::Contains("gradcheck: input 0 [2] is float32") && Catch::Contains("float64"));
  CHECK_THAT(error_of([&] { gradgradcheck(id, {f64({1}, {1}), nash::tensor({1.0})}); }),
             Catch::Contains("gradgradcheck: input 1 [1] is float32"));
  CHECK_THAT(error_of([&] { gradcheck(id, {}); }), Catch::Contains("expected at least one input"));
  CHECK_THAT(error_of([&] {
               gradcheck([](const Vars& v) { return Variable(nash::tensor({1.0})); }, {f64({1}, {1})});
             }),
             Catch::Contains("gradcheck: f must return float64, got float32"));

  int calls = 0;
  GradcheckResult r = gradcheck([&calls](const Vars& v) { return v[0] * static_cast<double>(++calls); },
                                {f64({1, 2}, {2})});
  CHECK_FALSE(r.ok);
  CHECK_THAT(r.message, Catch::Contains("f returned different values for the same inputs"));

  r = gradcheck([](const Vars& v) { return log(v[0]); }, {f64({1, -1}, {2})});
  CHECK_FALSE(r.ok);
  CHECK_THAT(r.message, Catch::Contains("holds NaN or Inf"));
}

TEST_CASE("random_away_from keeps every element away from the kinks", "[autograd][gradcheck]") {
  Rng rng(3);
  Tensor t = random_away_from({10, 20}, rng, {-1.0, 0.0, 1.0}, 0.25, -2.0, 2.0);
  REQUIRE(t.dtype() == DType::Float64);
  REQUIRE(t.shape() == Shape{10, 20});
  double lo = 1e9, hi = -1e9;
  for (double v : t.to_vector()) {
    CHECK(v >= -2.0);
    CHECK(v < 2.0);
    for (double k : {-1.0, 0.0, 1.0}) CHECK(std::abs(v - k) >= 0.25);
    lo = std::min(lo, v), hi = std::max(hi, v);
  }
  CHECK(lo < -1.5);  // it still spans the range
  CHECK(hi > 1.5);
  Rng again(3);
  CHECK(equal(random_away_from({10, 20}, again, {-1.0, 0.0, 1.0}, 0.25, -2.0, 2.0), t));
  CHECK_THAT(error_of([&] { random_away_from({4}, rng, {0.0}, 2.0, -1.0, 1.0); }),
             Catch::Contains("random_away_from: [-1, 1) leaves no room"));
}
