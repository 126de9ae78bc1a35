// dropout and dropout2d: the kept values are scaled by 1/(1-p), the mask is seeded, whole
// channels go together in dropout2d, the gradient is the same scaled mask, and p is validated.
#include "op_check.h"

using namespace nash;
using namespace nash::test;

namespace {
using Vars = std::vector<Variable>;
}

TEST_CASE("dropout keeps 1-p of the elements, scaled by 1/(1-p)", "[autograd][ops]") {
  Rng rng(71);
  Variable x(full({4000}, 1.0, DType::Float64), true);
  Variable y = dropout(x, 0.25, true, rng);
  int64_t zeros = 0;
  for (double v : y.value().to_vector()) {
    REQUIRE((v == 0.0 || v == Approx(4.0 / 3.0).epsilon(1e-15)));
    zeros += v == 0.0;
  }
  CHECK(zeros > 900);   // expected 1000, sd ~27
  CHECK(zeros < 1100);
  // dx = dy * mask / (1 - p): with x = 1, that is y itself.
  sum(y).backward();
  CHECK(equal(x.grad().value(), y.value()));
}

TEST_CASE("dropout masks follow the generator", "[autograd][ops]") {
  Variable x(full({64}, 1.0, DType::Float64));
  Rng g1(5), g2(5);
  Tensor m1 = dropout(x, 0.5, true, g1).value(), m2 = dropout(x, 0.5, true, g2).value();
  CHECK(equal(m1, m2));
  CHECK_FALSE(equal(dropout(x, 0.5, true, g1).value(), m1));  // the generator moved on
}

TEST_CASE("dropout is the identity when p = 0 or not training", "[autograd][ops]") {
  Rng rng(72);
  Variable x = leaf({1, 2, 3}, {3});
  CHECK(dropout(x, 0.0, true, rng).same(x));
  CHECK(dropout(x, 0.9, false, rng).same(x));
  CHECK(dropout2d(reshape(x, {1, 3}), 0.5, false, rng).shape() == Shape{1, 3});
}

TEST_CASE("dropout2d zeroes whole channels", "[autograd][ops]") {
  Rng rng(73);
  Variable x(full({4, 6, 3, 2}, 1.0, DType::Float64), true);
  Variable y = dropout2d(x, 0.5, true, rng);
  std::vector<double> v = y.value().to_vector();
  int kept = 0;
  for (int plane = 0; plane < 24; ++plane) {
    double first = v[plane * 6];
    REQUIRE((first == 0.0 || first == 2.0));
    for (int i = 1; i < 6; ++i) REQUIRE(v[plane * 6 + i] == first);
    kept += first == 2.0;
  }
  CHECK(kept > 0);
  CHECK(kept < 24);
  sum(y * 3.0).backward();
  CHECK(equal(x.grad().value(), nash::mul(y.value(), 3.0)));
}

TEST_CASE("dropout gradients with a seeded mask", "[autograd][ops]") {
  Rng rng(74);
  Tensor x = random_in({2, 3, 4}, rng, -1, 1);
  check_grads("dropout", [](const Vars& v) {
    Rng g(9);
    return square(dropout(v[0], 0.3, true, g));
  }, {x});
  check_grads("dropout2d", [](const Vars& v) {
    Rng g(9);
    return square(dropout2d(v[0], 0.5, true, g));
  }, {x});
}

TEST_CASE("dropout validates p and the input rank", "[autograd][ops]") {
  Rng rng(75);
  Variable x = leaf({1, 2, 3}, {3});
  CHECK_THAT(error_of([&] { dropout(x, 1.0, true, rng); }),
             Catch::Contains("dropout: p must be in [0, 1), got 1"));
  CHECK_THAT(error_of([&] { dropout(x, -0.1, false, rng); }), Catch::Contains("dropout: p must be"));
  CHECK_THAT(error_of([&] { dropout2d(x, 0.5, true, rng); }),
             Catch::Contains("dropout2d: expected an input [N, C, ...] with at least 2 dims, got [3]"));
}
