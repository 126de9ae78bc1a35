// Linear and Maxout: shapes, names, PyTorch's default-init bounds, values by hand, gradchecks
// in float64, and input errors that name the layer and the shapes.
#include <catch2/catch.hpp>

#include <cmath>

#include "nn/layers/linear.h"
#include "nn/layers/maxout.h"
#include "nn/layer_testing.h"
#include "tensor/ops.h"

using namespace nash;
using namespace nash::nn;
using nash::test::check_layer_grads;
using nash::test::error_of;
using nash::test::f64;
using nash::test::require_values;

namespace {
double max_abs(const Variable& v) { return amax(abs(v.value())).item(); }
}  // namespace

TEST_CASE("Linear: shapes, names, default init bounds", "[nn]") {
  Rng rng(0);
  Linear fc(100, 50, true, rng);
  CHECK(fc.weight.shape() == Shape{50, 100});
  CHECK(fc.bias.shape() == Shape{50});
  CHECK(nash::test::names_of(fc.named_parameters()) == std::vector<std::string>{"weight", "bias"});
  CHECK(fc.num_parameters() == 5050);
  // torch: kaiming_uniform_(a = sqrt(5)) -> U(-1/sqrt(fan_in), 1/sqrt(fan_in)); bias the same.
  const double bound = 1.0 / std::sqrt(100.0);
  CHECK(max_abs(fc.weight) <= bound);
  CHECK(max_abs(fc.weight) > 0.98 * bound);
  CHECK(max_abs(fc.bias) <= bound);
  CHECK(max_abs(fc.bias) > 0.8 * bound);
  CHECK(fc.weight.requires_grad());

  Variable y = fc(normal({8, 100}, 0, 1, rng));
  CHECK(y.shape() == Shape{8, 50});
  CHECK(fc(normal({2, 3, 100}, 0, 1, rng)).shape() == Shape{2, 3, 50});  // [..., D_in]
  CHECK(fc(normal({100}, 0, 1, rng)).shape() == Shape{50});

  Linear nob({.in_features = 3, .out_features = 2, .bias = false}, rng);
  CHECK(!nob.bias.defined());
  CHECK(nob.parameters().size() == 1);
  CHECK(nob.extra_repr() == "in_features=3, out_features=2, bias=false");
  CHECK(fc.extra_repr() == "in_features=100, out_features=50, bias=true");
}

TEST_CASE("Linear: values by hand and gradients", "[nn]") {
  Linear fc(2, 2);
  fc.to(DType::Float64);
  copy_(fc.weight.mutable_value(), f64({1, 2, 3, 4}, {2, 2}));
  copy_(fc.bias.mutable_value(), f64({0.5, -1}, {2}));
  // y = x W^T + b: [1, 1] -> [1+2+0.5, 3+4-1]
  require_values(fc(f64({1, 1, 2, -1}, {2, 2})).value(), {3.5, 6, 0.5, 1});

  Rng rng(5);
  Linear g(3, 4, true, rng);
  check_layer_grads(g, {&g.weight, &g.bias}, normal({5, 3}, 0, 1, rng), /*second_order=*/true);
  Linear h(3, 2, true, rng);
  check_layer_grads(h, {&h.weight, &h.bias}, normal({2, 2, 3}, 0, 1, rng));
}

TEST_CASE("Linear: wrong input shapes name the layer and the shapes", "[nn]") {
  Linear fc(784, 512);
  CHECK(error_of([&] { fc(zeros({64, 100})); }) ==
        "Linear(in_features=784, out_features=512, bias=true): expected input [..., 784], got "
        "[64, 100]");
  CHECK(error_of([&] { Linear bad(-1, 3); }) ==
        "Linear: in_features and out_features must be >= 0, got -1 and 3");
}

TEST_CASE("Maxout: max over each unit's pieces", "[nn]") {
  Rng rng(1);
  Maxout m({.in_features = 2, .out_features = 2, .pieces = 3}, rng);
  CHECK(m.weight.shape() == Shape{6, 2});
  CHECK(m.bias.shape() == Shape{6});
  CHECK(m.extra_repr() == "in_features=2, out_features=2, pieces=3");
  const double bound = 1.0 / std::sqrt(2.0);
  CHECK(max_abs(m.weight) <= bound);
  m.to(DType::Float64);
  // pieces of unit 0: x0, x1, x0 + x1 (+ 0); unit 1: -x0, -x1, 0 (+ bias 0.5 on the last)
  copy_(m.weight.mutable_value(), f64({1, 0, 0, 1, 1, 1, -1, 0, 0, -1, 0, 0}, {6, 2}));
  copy_(m.bias.mutable_value(), f64({0, 0, 0, 0, 0, 0.5}, {6}));
  // x = [2, -3]: unit 0 max(2, -3, -1) = 2; unit 1 max(-2, 3, 0.5) = 3
  // x = [-1, -2]: unit 0 max(-1, -2, -3) = -1; unit 1 max(1, 2, 0.5) = 2
  require_values(m(f64({2, -3, -1, -2}, {2, 2})).value(), {2, 3, -1, 2});
  CHECK(m(zeros({4, 5, 2}, DType::Float64)).shape() == Shape{4, 5, 2});

  Maxout g({.in_features = 4, .out_features = 3, .pieces = 2}, rng);
  check_layer_grads(g, {&g.weight, &g.bias}, normal({5, 4}, 0, 1, rng));
  CHECK(error_of([&] { g(zeros({2, 5}, DType::Float64)); }) ==
        "Maxout(in_features=4, out_features=3, pieces=2): expected input [..., 4], got [2, 5]");
}
