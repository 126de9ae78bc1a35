// BatchNorm1d / BatchNorm2d and LayerNorm: normalised values and running statistics worked by
// hand over two training steps, eval with the running statistics, momentum = nullopt (the
// cumulative average), gradients (first and second order) in float64, names, reprs, errors.
#include <catch2/catch.hpp>

#include <cmath>

#include "nn/init.h"
#include "nn/layers/batchnorm.h"
#include "nn/layers/layernorm.h"
#include "nn/layer_testing.h"
#include "tensor/ops.h"

using namespace nash;
using namespace nash::nn;
using nash::test::check_layer_grads;
using nash::test::error_of;
using nash::test::f64;
using nash::test::require_values;

TEST_CASE("BatchNorm1d: training normalises with the biased variance, running stats use the "
          "unbiased one", "[nn]") {
  BatchNorm1d bn(2);
  bn.to(DType::Float64);
  CHECK(nash::test::names_of(bn.named_parameters()) == std::vector<std::string>{"weight", "bias"});
  std::vector<std::string> buffers;
  for (auto& [n, t] : bn.named_buffers()) buffers.push_back(n);
  CHECK(buffers == std::vector<std::string>{"running_mean", "running_var", "num_batches_tracked"});
  require_values(bn.running_mean, {0, 0});
  require_values(bn.running_var, {1, 1});

  // Step 1: channel 0 = {1, 3, 5}: mean 3, biased var 8/3, unbiased 4;
  //         channel 1 = {2, 6, 10}: mean 6, biased var 32/3, unbiased 16.
  Variable y = bn(f64({1, 2, 3, 6, 5, 10}, {3, 2}));
  const double s0 = std::sqrt(8.0 / 3.0 + 1e-5), s1 = std::sqrt(32.0 / 3.0 + 1e-5);
  require_values(y.value(), {-2 / s0, -4 / s1, 0, 0, 2 / s0, 4 / s1});
  require_values(bn.running_mean, {0.3, 0.6});           // 0.9 * 0 + 0.1 * mean
  require_values(bn.running_var, {1.3, 2.5});            // 0.9 * 1 + 0.1 * unbiased
  CHECK(bn.num_batches_tracked.item() == 1);

  // Step 2: both channels {0, 2, 4, 6} and {-1, 1, 3, 5}: means 3 and 2, unbiased var 20/3.
  bn(f64({0, -1, 2, 1, 4, 3, 6, 5}, {4, 2}));
  require_values(bn.running_mean, {0.9 * 0.3 + 0.3, 0.9 * 0.6 + 0.2});
  require_values(bn.running_var, {0.9 * 1.3 + 2.0 / 3.0, 0.9 * 2.5 + 2.0 / 3.0});
  CHECK(bn.num_batches_tracked.item() == 2);

  // Eval: the running statistics, and they stay put.
  bn.eval();
  copy_(bn.weight.mutable_value(), f64({2, 1}, {2}));
  copy_(bn.bias.mutable_value(), f64({0, 1}, {2}));
  Variable e = bn(f64({1, 1}, {1, 2}));
  const double rv0 = 0.9 * 1.3 + 2.0 / 3.0, rv1 = 0.9 * 2.5 + 2.0 / 3.0;
  require_values(e.value(), {2 * (1 - 0.57) / std::sqrt(rv0 + 1e-5),
                             (1 - 0.74) / std::sqrt(rv1 + 1e-5) + 1});
  CHECK(bn.num_batches_tracked.item() == 2);
  require_values(bn.running_mean, {0.57, 0.74});
}

TEST_CASE("BatchNorm1d: momentum nullopt is the cumulative average; no tracking uses batch "
          "stats in eval", "[nn]") {
  BatchNorm1d bn({.num_features = 2, .momentum = std::nullopt});
  bn.to(DType::Float64);
  bn(f64({1, 2, 3, 6, 5, 10}, {3, 2}));
  bn(f64({0, -1, 2, 1, 4, 3, 6, 5}, {4, 2}));
  require_values(bn.running_mean, {3, 4});                    // (3 + 3)/2, (6 + 2)/2
  require_values(bn.running_var, {(4 + 20.0 / 3) / 2, (16 + 20.0 / 3) / 2});
  CHECK(bn.extra_repr() == "2, eps=1e-05, momentum=none, affine=true, track_running_stats=true");

  BatchNorm1d free({.num_features = 2, .affine = false, .track_running_stats = false});
  CHECK(free.parameters().empty());
  CHECK(free.named_buffers().empty());
  free.to(DType::Float64);
  free.eval();
  Variable y = free(f64({1, 2, 3, 6, 5, 10}, {3, 2}));
  const double s0 = std::sqrt(8.0 / 3.0 + 1e-5), s1 = std::sqrt(32.0 / 3.0 + 1e-5);
  require_values(y.value(), {-2 / s0, -4 / s1, 0, 0, 2 / s0, 4 / s1});
}

TEST_CASE("BatchNorm1d on [N, C, L] and BatchNorm2d on [N, C, H, W]", "[nn]") {
  BatchNorm2d bn(2);
  bn.to(DType::Float64);
  CHECK(bn.extra_repr() == "2, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true");
  // [N=2, C=2, H=1, W=2]; channel 0 = {0, 2, 4, 6}: mean 3, unbiased 20/3;
  // channel 1 = {1, 1, 1, 5}: mean 2, biased var 3, unbiased 4.
  Variable y = bn(f64({0, 2, 1, 1, 4, 6, 1, 5}, {2, 2, 1, 2}));
  CHECK(y.shape() == Shape{2, 2, 1, 2});
  const double s0 = std::sqrt(5.0 + 1e-5), s1 = std::sqrt(3.0 + 1e-5);
  require_values(y.value(), {-3 / s0, -1 / s0, -1 / s1, -1 / s1, 1 / s0, 3 / s0, -1 / s1, 3 / s1});
  require_values(bn.running_mean, {0.3, 0.2});
  require_values(bn.running_var, {0.9 + 2.0 / 3.0, 0.9 + 0.4});

  BatchNorm1d seq(2);
  seq.to(DType::Float64);
  // The same numbers as [N=2, C=2, L=2] give the same statistics.
  Variable z = seq(f64({0, 2, 1, 1, 4, 6, 1, 5}, {2, 2, 2}));
  require_values(z.value(), y.value().to_vector());
  require_values(seq.running_var, {0.9 + 2.0 / 3.0, 0.9 + 0.4});
}

TEST_CASE("BatchNorm: gradients and second derivatives through the batch statistics", "[nn]") {
  Rng rng(3);
  BatchNorm1d bn(3);
  check_layer_grads(bn, {&bn.weight, &bn.bias}, normal({5, 3}, 0, 1, rng), true);
  BatchNorm2d bn2(2);
  init::normal_(bn2.weight, 1.0, 0.5, rng);
  check_layer_grads(bn2, {&bn2.weight, &bn2.bias}, normal({3, 2, 2, 2}, 0, 1, rng), true);
  bn2.eval();  // affine in x with the running statistics
  check_layer_grads(bn2, {&bn2.weight, &bn2.bias}, normal({3, 2, 2, 2}, 0, 1, rng));
}

TEST_CASE("BatchNorm: errors name the layer and the shapes", "[nn]") {
  BatchNorm2d bn(64);
  CHECK(error_of([&] { bn(zeros({8, 32, 4, 4})); }) ==
        "BatchNorm2d(64, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true): "
        "expected input [N, C, H, W] with C = 64, got [8, 32, 4, 4]");
  BatchNorm1d b1(4);
  CHECK(error_of([&] { b1(zeros({8, 4, 2, 2})); }) ==
        "BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true): "
        "expected input [N, C] or [N, C, L] with C = 4, got [8, 4, 2, 2]");
  CHECK(error_of([&] { b1(zeros({1, 4})); }) ==
        "BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true): "
        "expected more than 1 value per channel when training, got input [1, 4]");
  b1.eval();
  CHECK(b1(zeros({1, 4})).shape() == Shape{1, 4});  // fine in eval
}

TEST_CASE("LayerNorm: per-sample normalisation over the trailing dims", "[nn]") {
  LayerNorm ln(4);
  ln.to(DType::Float64);
  CHECK(ln.extra_repr() == "[4], eps=1e-05, elementwise_affine=true");
  CHECK(ln.weight.shape() == Shape{4});
  // row {1, 2, 3, 6}: mean 3, biased var (4 + 1 + 0 + 9)/4 = 3.5
  copy_(ln.weight.mutable_value(), f64({1, 1, 2, 1}, {4}));
  copy_(ln.bias.mutable_value(), f64({0, 0, 0, 10}, {4}));
  const double s = std::sqrt(3.5 + 1e-5);
  Variable y = ln(f64({1, 2, 3, 6, 0, 0, 0, 0}, {2, 4}));
  require_values(y.value(), {-2 / s, -1 / s, 0, 3 / s + 10, 0, 0, 0, 10});

  LayerNorm chw({.normalized_shape = {2, 3}, .elementwise_affine = false});
  CHECK(chw.parameters().empty());
  Rng rng(4);
  Variable z = chw(normal({5, 2, 3}, 2, 3, rng));
  Tensor m = mean(z.value(), {1, 2});
  Tensor v = var(z.value(), {1, 2}, 0);
  for (double e : m.to_vector()) CHECK(e == Approx(0).margin(1e-6));
  for (double e : v.to_vector()) CHECK(e == Approx(1).epsilon(1e-4));

  LayerNorm g({.normalized_shape = {3}});
  init::normal_(g.weight, 1.0, 0.5, rng);
  init::normal_(g.bias, 0.0, 0.5, rng);
  check_layer_grads(g, {&g.weight, &g.bias}, normal({4, 3}, 0, 1, rng), true);
  CHECK(nash::test::error_of([&] { chw(zeros({5, 3, 2})); }) ==
        "LayerNorm([2, 3], eps=1e-05, elementwise_affine=false): expected input [..., 2, 3], "
        "got [5, 3, 2]");
}
