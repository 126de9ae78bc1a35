// Dropout, Embedding, Flatten/Unflatten, pooling, upsampling and the activation layers: shapes,
// values by hand, train/eval behaviour, seeding, gradients in float64 and errors.
#include <catch2/catch.hpp>

#include <cmath>

#include "nn/init.h"
#include "nn/layers/activation.h"
#include "nn/layers/dropout.h"
#include "nn/layers/embedding.h"
#include "nn/layers/pooling.h"
#include "nn/layers/shape.h"
#include "nn/layer_testing.h"
#include "tensor/ops.h"

using namespace nash;
using namespace nash::nn;
using nash::test::check_layer_grads;
using nash::test::error_of;
using nash::test::f64;
using nash::test::require_values;

TEST_CASE("Dropout: zeroes about p of the elements in training, identity in eval", "[nn]") {
  Dropout d({.p = 0.3, .seed = 5});
  CHECK(d.extra_repr() == "p=0.3");
  Tensor x = ones({100, 100});
  std::vector<double> y = d(x).value().to_vector();
  int64_t zeros_seen = 0, scaled = 0;
  for (double v : y) {
    zeros_seen += v == 0.0;
    scaled += std::abs(v - 1.0 / 0.7) < 1e-6;
  }
  CHECK(zeros_seen + scaled == 10000);  // every element is 0 or 1/(1-p)
  CHECK(static_cast<double>(zeros_seen) / 1e4 == Approx(0.3).margin(0.02));

  d.eval();
  Variable xv(normal({4, 5}, 0, 1, d.rng), true);
  Variable e = d(xv);
  CHECK(equal(e.value(), xv.value()));
  d.train();
  CHECK_FALSE(equal(d(xv).value(), xv.value()));

  // Seeded alike -> the same masks; seeded from the default generator -> manual_seed fixes them.
  Rng ga(9), gb(9);
  Dropout a(0.5, ga), b(0.5, gb);
  CHECK(equal(a(x).value(), b(x).value()));
  manual_seed(3);
  Dropout c1(0.5);
  manual_seed(3);
  Dropout c2(0.5);
  CHECK(equal(c1(x).value(), c2(x).value()));
  c2.set_rng(Rng(77));
  c1.set_rng(Rng(77));
  CHECK(equal(c1(x).value(), c2(x).value()));

  Dropout g(0.4);
  g.to(DType::Float64);
  const Rng start = g.rng;
  // Same mask each evaluation: reset the generator inside f.
  GradcheckFn f = [&](const std::vector<Variable>& v) {
    g.rng = start;
    return g(v[0]);
  };
  GradcheckResult r = gradcheck(f, {normal({3, 4}, 0, 1, g.rng, DType::Float64)});
  INFO(r.message);
  CHECK(r.ok);
  CHECK(error_of([] { Dropout bad(1.0); }) == "Dropout: p must be in [0, 1), got 1");
}

TEST_CASE("Dropout2d: whole channels at once", "[nn]") {
  Dropout2d d({.p = 0.5, .seed = 1});
  Tensor y = d(ones({8, 16, 3, 3})).value();
  int64_t dropped = 0;
  for (int64_t n = 0; n < 8; ++n)
    for (int64_t c = 0; c < 16; ++c) {
      Tensor plane = y.select(0, n).select(0, c);
      const double lo = amin(plane).item(), hi = amax(plane).item();
      REQUIRE(lo == hi);  // the plane is all 0 or all 2
      REQUIRE((lo == 0.0 || lo == 2.0));
      dropped += lo == 0.0;
    }
  CHECK(dropped > 32);
  CHECK(dropped < 96);
  d.eval();
  CHECK(equal(d(ones({2, 3, 2, 2})).value(), ones({2, 3, 2, 2})));
  CHECK(error_of([&] { d(ones({4})); }) == "Dropout2d(p=0.5): expected input [N, C, ...], got [4]");
}

TEST_CASE("Embedding: rows by index, N(0, 1) init, padding_idx, errors", "[nn]") {
  Rng rng(0);
  Embedding big(2000, 50, rng);
  Tensor w = big.weight.value();
  CHECK(mean(w).item() == Approx(0).margin(0.01));
  CHECK(std::sqrt(var(w).item()) == Approx(1).epsilon(0.01));

  Embedding e(5, 3, rng);
  CHECK(e.extra_repr() == "5, 3");
  Tensor idx = from_vector(std::vector<int64_t>{4, 0, 4, 2}, {2, 2});
  Variable y = e.forward(idx);
  CHECK(y.shape() == Shape{2, 2, 3});
  require_values(y.value().select(0, 0).select(0, 0), e.weight.value().select(0, 4).to_vector());
  require_values(y.value().select(0, 1).select(0, 1), e.weight.value().select(0, 2).to_vector());
  CHECK(e(Variable(idx)).shape() == Shape{2, 2, 3});  // through the Module interface

  e.to(DType::Float64);
  Tensor labels = from_vector(std::vector<int64_t>{1, 3, 3, 0}, {4});
  GradcheckFn f = [&](const std::vector<Variable>& v) {
    e.weight = v[0];
    return e.forward(labels);
  };
  GradcheckResult r = gradcheck(f, {e.weight.value()});
  INFO(r.message);
  CHECK(r.ok);

  Embedding p({.num_embeddings = 4, .embedding_dim = 2, .padding_idx = -1}, rng);
  CHECK(*p.options.padding_idx == 3);
  CHECK(p.extra_repr() == "4, 2, padding_idx=3");
  require_values(p.weight.value().select(0, 3), {0, 0});
  Variable out = p.forward(from_vector(std::vector<int64_t>{3, 1, 3}, {3}));
  sum(out).backward();
  require_values(p.weight.grad().value(), {0, 0, 1, 1, 0, 0, 0, 0} /* row 1 once; row 3 none */, 0);
  require_values(out.value().select(0, 0), {0, 0});

  CHECK(error_of([&] { e.forward(from_vector(std::vector<int64_t>{1, 5}, {2})); }) ==
        "Embedding(5, 3): index 5 is out of range [0, 5) in indices [2]");
  CHECK(error_of([&] { e.forward(zeros({2})); }) ==
        "Embedding(5, 3): expected int64 indices, got float32");
}

TEST_CASE("Flatten and Unflatten", "[nn]") {
  Tensor x = arange(120).reshape({2, 3, 4, 5});
  Flatten f;
  CHECK(f.extra_repr() == "start_dim=1, end_dim=-1");
  Variable y = f(x);
  CHECK(y.shape() == Shape{2, 60});
  CHECK(equal(y.value(), x.reshape({2, 60})));
  CHECK(Flatten(0)(x).shape() == Shape{120});
  CHECK(Flatten(1, 2)(x).shape() == Shape{2, 12, 5});

  Unflatten u(1, {3, -1});
  CHECK(u.extra_repr() == "dim=1, unflattened_size=[3, -1]");
  CHECK(u(y).shape() == Shape{2, 3, 20});
  CHECK(Unflatten(-1, {4, 15})(y).shape() == Shape{2, 4, 15});
  CHECK(Unflatten(1, {3, 4, 5})(y).shape() == Shape{2, 3, 4, 5});
  CHECK(error_of([&] { Unflatten(1, {7, 7})(y); }) ==
        "Unflatten(dim=1, unflattened_size=[7, 7]): cannot split dim 1 of size 60 of input "
        "[2, 60] into [7, 7]");
  CHECK(error_of([&] { Flatten(3)(zeros({2, 3})); }) ==
        "Flatten(start_dim=3, end_dim=-1): dims out of range (or start after end) for input "
        "[2, 3]");

  Rng rng(1);
  Flatten g;
  check_layer_grads(g, {}, normal({2, 2, 3}, 0, 1, rng));
  Unflatten h(1, {2, 3});
  check_layer_grads(h, {}, normal({2, 6}, 0, 1, rng));
}

TEST_CASE("MaxPool2d, AvgPool2d, Upsample", "[nn]") {
  // One 4x4 plane: 0 .. 15 row-major.
  Tensor x = arange(16, DType::Float64).reshape({1, 1, 4, 4});
  MaxPool2d mp(2);
  CHECK(mp.extra_repr() == "kernel_size=2, stride=2, padding=0");
  require_values(mp(x).value(), {5, 7, 13, 15});
  AvgPool2d ap(2);
  require_values(ap(x).value(), {2.5, 4.5, 10.5, 12.5});
  AvgPool2d ap3({.kernel_size = 3, .stride = 1, .padding = 1});
  CHECK(ap3.extra_repr() == "kernel_size=3, stride=1, padding=1");
  // corner window {0, 1, 4, 5} over 9 (padding counted, PyTorch's default)
  CHECK(ap3(x).value().at({0, 0, 0, 0}) == Approx(10.0 / 9.0));
  MaxPool2d mp2({.kernel_size = {2, 1}, .stride = Size2{2, 1}});
  CHECK(mp2.extra_repr() == "kernel_size=(2, 1), stride=(2, 1), padding=0");
  CHECK(mp2(x).shape() == Shape{1, 1, 2, 4});
  CHECK(mp(x.reshape({1, 4, 4})).shape() == Shape{1, 2, 2});  // unbatched

  Upsample up(2);
  CHECK(up.extra_repr() == "scale_factor=2, mode=nearest");
  Variable u = up(f64({1, 2, 3, 4}, {1, 1, 2, 2}));
  CHECK(u.shape() == Shape{1, 1, 4, 4});
  require_values(u.value(), {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4});

  Rng rng(2);
  MaxPool2d g1(2);
  check_layer_grads(g1, {}, random_away_from({2, 2, 4, 4}, rng));
  AvgPool2d g2({.kernel_size = 3, .stride = 2, .padding = 1});
  check_layer_grads(g2, {}, normal({2, 2, 5, 5}, 0, 1, rng));
  Upsample g3(3);
  check_layer_grads(g3, {}, normal({1, 2, 2, 3}, 0, 1, rng));

  CHECK(error_of([&] { mp(zeros({4, 16})); }) ==
        "MaxPool2d(kernel_size=2, stride=2, padding=0): expected input [N, C, H, W] or "
        "[C, H, W], got [4, 16]");
  CHECK(error_of([] { MaxPool2d bad({.kernel_size = 2, .padding = 2}); }) ==
        "MaxPool2d: padding must be >= 0 and at most half the kernel size 2, got 2");
}

TEST_CASE("Activation layers: values, defaults, reprs, gradients", "[nn]") {
  Tensor x = f64({-30, -2, -0.5, 0.5, 3, 30}, {6});
  require_values(ReLU()(x).value(), {0, 0, 0, 0.5, 3, 30});
  LeakyReLU lr;
  CHECK(lr.negative_slope == 0.01);
  CHECK(lr.extra_repr() == "negative_slope=0.01");
  require_values(lr(x).value(), {-0.3, -0.02, -0.005, 0.5, 3, 30});
  CHECK(LeakyReLU(0.2).extra_repr() == "negative_slope=0.2");
  ELU elu;
  CHECK(elu.extra_repr() == "alpha=1.0");
  require_values(elu(x).value(), {std::expm1(-30), std::expm1(-2), std::expm1(-0.5), 0.5, 3, 30});
  require_values(Tanh()(x).value(), {std::tanh(-30), std::tanh(-2), std::tanh(-0.5), std::tanh(0.5),
                                     std::tanh(3), std::tanh(30)});
  auto sig = [](double v) { return 1 / (1 + std::exp(-v)); };
  require_values(Sigmoid()(x).value(), {sig(-30), sig(-2), sig(-0.5), sig(0.5), sig(3), sig(30)});
  Softplus sp;
  CHECK(sp.extra_repr() == "beta=1.0, threshold=20.0");
  auto soft = [](double v, double b) { return std::log1p(std::exp(b * v)) / b; };
  require_values(sp(x).value(), {soft(-30, 1), soft(-2, 1), soft(-0.5, 1), soft(0.5, 1),
                                 soft(3, 1), 30 /* past the threshold: x itself */});
  Softplus sp2(2.0, 5.0);
  CHECK(sp2.extra_repr() == "beta=2.0, threshold=5.0");
  require_values(sp2(x).value(), {soft(-30, 2), soft(-2, 2), soft(-0.5, 2), soft(0.5, 2), 3, 30});

  Rng rng(3);
  Tensor in = random_away_from({3, 4}, rng);
  LeakyReLU g1(0.2);
  check_layer_grads(g1, {}, in);
  ELU g2(0.7);
  check_layer_grads(g2, {}, in, true);
  Softplus g3(2.0);
  check_layer_grads(g3, {}, in, true);
  Tanh g4;
  check_layer_grads(g4, {}, in, true);
  Sigmoid g5;
  check_layer_grads(g5, {}, in, true);
  ReLU g6;
  check_layer_grads(g6, {}, in);
}
