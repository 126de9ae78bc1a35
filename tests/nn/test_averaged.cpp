// The weight average (nn/averaged.h), the frozen-scope guard (nn::Frozen, nn/module.h) and the
// gradient norm (nn/optim/clip.h): values worked out by hand, buffers copied, errors named.
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <stdexcept>

#include "error_of.h"
#include "nn/averaged.h"
#include "nn/layers/batchnorm.h"
#include "nn/layers/linear.h"
#include "nn/layers/sequential.h"
#include "nn/optim/clip.h"
#include "tensor/ops.h"

using namespace nash;
using namespace nash::nn;
using nash::test::error_of;

namespace {
std::shared_ptr<Sequential> small_net(uint64_t seed) {
  Rng rng(seed);
  return std::make_shared<Sequential>(std::make_shared<Linear>(3, 2, rng),
                                      std::make_shared<BatchNorm1d>(2));
}
}  // namespace

TEST_CASE("ema_update: avg <- decay avg + (1 - decay) w, buffers copied", "[nn][averaged]") {
  auto model = small_net(1), avg = small_net(2);
  // Give the model's BatchNorm statistics something to copy.
  Rng rng(3);
  model->forward(Variable(normal({5, 3}, 0.0, 1.0, rng)));
  const auto w = model->parameters(), a = avg->parameters();
  std::vector<std::vector<double>> before;
  for (const auto& p : a) before.push_back(p.value().to_vector());

  ema_update(*avg, *model, 0.75);
  for (size_t i = 0; i < a.size(); ++i) {
    const std::vector<double> got = a[i].value().to_vector(), wi = w[i].value().to_vector();
    for (size_t j = 0; j < got.size(); ++j) {
      // Float32 arithmetic as the update does it: 0.75 a, 0.25 w, then their sum (volatile:
      // each product rounded on its own, never fused into the sum).
      const volatile float kept = static_cast<float>(before[i][j]) * 0.75f;
      const volatile float added = static_cast<float>(wi[j]) * 0.25f;
      const float expected = kept + added;
      CHECK(static_cast<float>(got[j]) == expected);
    }
  }
  const auto mb = model->named_buffers(), ab = avg->named_buffers();
  REQUIRE(mb.size() == ab.size());
  for (size_t i = 0; i < mb.size(); ++i) {
    INFO(mb[i].first);
    CHECK(equal(mb[i].second, ab[i].second));
  }
  // The model is read only.
  CHECK(equal(model->parameters()[0].value(), w[0].value()));
}

TEST_CASE("copy_weights: an exact copy that leaves requires_grad alone", "[nn][averaged]") {
  auto model = small_net(1), avg = small_net(2);
  avg->requires_grad_(false);
  copy_weights(*avg, *model);
  const auto w = model->parameters(), a = avg->parameters();
  for (size_t i = 0; i < w.size(); ++i) {
    CHECK(equal(a[i].value(), w[i].value()));
    CHECK_FALSE(a[i].value().shares_storage(w[i].value()));
    CHECK_FALSE(a[i].requires_grad());
    CHECK(w[i].requires_grad());
  }
  // ema_update at decay 0 is the same copy.
  auto other = small_net(4);
  ema_update(*other, *model, 0.0);
  for (size_t i = 0; i < w.size(); ++i) CHECK(equal(other->parameters()[i].value(), w[i].value()));
}

TEST_CASE("ema_update / copy_weights: mismatched networks and decays are errors", "[nn][averaged]") {
  auto model = small_net(1);
  Rng rng(5);
  Sequential wider(std::make_shared<Linear>(3, 4, rng), std::make_shared<BatchNorm1d>(4));
  Linear lone(3, 2, rng);
  const std::vector<double> before = model->parameters()[0].value().to_vector();
  CHECK(error_of([&] { ema_update(*model, lone, 0.5); }) ==
        "ema_update: the average has 4 parameters and 3 buffers, the model 2 and 0");
  CHECK(error_of([&] { copy_weights(*model, wider); }) ==
        "copy_weights: parameter 0 is float32 [2, 3] in the average but float32 [4, 3] in the "
        "model");
  CHECK(error_of([&] { ema_update(*model, *small_net(2), 1.0); }) ==
        "ema_update: decay must be in [0, 1), got 1");
  CHECK(error_of([&] { ema_update(*model, *small_net(2), -0.1); }) ==
        "ema_update: decay must be in [0, 1), got -0.1");
  CHECK(model->parameters()[0].value().to_vector() == before);  // nothing written
}

TEST_CASE("Frozen: no gradients inside the scope, each flag restored after, even on throw",
          "[nn][averaged]") {
  Rng rng(6);
  Linear layer(2, 1, rng);
  layer.bias.requires_grad_(false);  // already frozen: stays frozen after the scope
  {
    Frozen frozen(layer);
    CHECK_FALSE(layer.weight.requires_grad());
    Variable x(ones({1, 2}), true);
    sum(layer(x)).backward();
    CHECK(x.grad().defined());
    CHECK_FALSE(layer.weight.grad().defined());
  }
  CHECK(layer.weight.requires_grad());
  CHECK_FALSE(layer.bias.requires_grad());

  CHECK_THROWS_AS(([&] {
                    Frozen frozen(layer);
                    throw std::runtime_error("a failing step");
                  }()),
                  std::runtime_error);
  CHECK(layer.weight.requires_grad());
  CHECK_FALSE(layer.bias.requires_grad());
}

TEST_CASE("grad_norm: sqrt of the sum of every gradient element squared", "[nn][averaged]") {
  Variable a(zeros({2}), true), b(zeros({1, 2}), true), none(zeros({3}), true);
  a.set_grad(Variable(from_vector(std::vector<float>{3, 0}, {2})));
  b.set_grad(Variable(from_vector(std::vector<float>{-4, 12}, {1, 2})));
  CHECK(optim::grad_norm({a, b, none}) == 13.0);  // sqrt(9 + 16 + 144)
  CHECK(optim::grad_norm({none}) == 0.0);
  CHECK(optim::grad_norm({}) == 0.0);
  // The same number clip_grad_norm_ reports (and with a large max_norm, clips nothing).
  CHECK(optim::clip_grad_norm_({a, b, none}, 1e9) == Approx(13.0).epsilon(1e-15));
}
