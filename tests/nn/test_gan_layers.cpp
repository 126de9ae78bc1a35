// ConditionalBatchNorm2d, MinibatchStd and SelfAttention: hand-worked values (a loop-by-loop
// reference for the attention), parameter shapes and names, gradchecks with respect to inputs
// and parameters, gradgradchecks where a gradient penalty passes through, and shape errors.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "nn/layer_testing.h"
#include "nn/layers/conditional_batchnorm.h"
#include "nn/layers/conv.h"
#include "nn/layers/minibatch_std.h"
#include "nn/layers/self_attention.h"
#include "nn/layers/spectral_norm.h"
#include "tensor/ops.h"

using namespace nash;
using namespace nash::nn;
using nash::test::check_layer_grads;
using nash::test::error_of;
using nash::test::f64;
using nash::test::names_of;
using nash::test::require_values;

TEST_CASE("ConditionalBatchNorm2d: per-class gain and bias by hand", "[nn][gan_layers]") {
  ConditionalBatchNorm2d bn({.num_features = 1, .num_classes = 2, .eps = 1e-5});
  CHECK(names_of(bn.named_parameters()) == std::vector<std::string>{"weight", "bias"});
  CHECK(bn.weight.shape() == Shape{2, 1});
  bn.to(DType::Float64);
  {
    NoGradGuard no_grad;
    copy_(bn.weight.mutable_value(), f64({2, 3}, {2, 1}));
    copy_(bn.bias.mutable_value(), f64({0.5, -1}, {2, 1}));
  }
  // x: sample 0 = {1, 3}, sample 1 = {5, 7}; channel mean 4, biased var 5.
  Tensor x = f64({1, 3, 5, 7}, {2, 1, 1, 2});
  Tensor labels = from_vector(std::vector<int64_t>{0, 1}, {2});
  const double s = std::sqrt(5 + 1e-5);
  require_values(bn.forward(Variable(x), labels).value(),
                 {2 * -3 / s + 0.5, 2 * -1 / s + 0.5, 3 * 1 / s - 1, 3 * 3 / s - 1});
  // The running statistics are BatchNorm2d's: mean 0.1 * 4, var 0.9 + 0.1 * 5 * 4/3.
  require_values(bn.norm->running_mean, {0.4});
  require_values(bn.norm->running_var, {0.9 + 0.1 * 20.0 / 3.0});
  CHECK_THAT(error_of([&] { bn.forward(Variable(x)); }),
             Catch::Contains("ConditionalBatchNorm2d: forward needs class labels"));
  CHECK_THAT(error_of([&] { bn.forward(Variable(x), from_vector(std::vector<int64_t>{0, 2}, {2})); }),
             Catch::Contains("labels must be in [0, 2)"));
  CHECK_THAT(error_of([&] { bn.forward(Variable(f64({1, 2}, {2, 1})), labels); }),
             Catch::Contains("expected input [N, C, H, W] with C = 1, got [2, 1]"));
}

TEST_CASE("ConditionalBatchNorm2d: gradients for x, gains and biases", "[nn][gan_layers]") {
  Rng rng(1);
  ConditionalBatchNorm2d bn({.num_features = 3, .num_classes = 4});
  bn.to(DType::Float64);
  Tensor labels = from_vector(std::vector<int64_t>{3, 0, 3, 1}, {4});
  std::vector<Tensor> inputs{random_away_from({4, 3, 2, 2}, rng), random_away_from({4, 3}, rng),
                             random_away_from({4, 3}, rng)};
  GradcheckFn f = [&](const std::vector<Variable>& v) {
    bn.weight = v[1];
    bn.bias = v[2];
    return bn.forward(v[0], labels);
  };
  GradcheckResult r1 = gradcheck(f, inputs);
  INFO(r1.message);
  CHECK(r1.ok);
  GradcheckResult r2 = gradgradcheck(f, inputs);
  INFO(r2.message);
  CHECK(r2.ok);
}

TEST_CASE("MinibatchStd: the group statistic by hand", "[nn][gan_layers]") {
  MinibatchStd m({.group_size = 2, .eps = 1e-8});
  CHECK(m.parameters().empty());
  // N = 4, G = 2, M = 2: group position 0 holds samples 0 and 2 (values 1, 3: sd 1),
  // position 1 holds samples 1 and 3 (values 2, 5: sd 1.5).
  Variable y = m.forward(Variable(f64({1, 2, 3, 5}, {4, 1, 1, 1})));
  REQUIRE(y.shape() == Shape{4, 2, 1, 1});
  require_values(y.value(), {1, 1, 2, 1.5, 3, 1, 5, 1.5}, 1e-7);
  // Two channels and 2x2 positions: the sds are averaged over C, H, W and broadcast.
  Tensor x = zeros({2, 2, 2, 2}, DType::Float64);
  x.select(0, 1).select(0, 0).select(0, 0).select(0, 0).data<double>()[0] = 4;  // one entry differs by 4
  Variable z = MinibatchStd({.group_size = 4}).forward(Variable(x));  // G = min(4, N) = 2
  require_values(z.value().select(1, 2), std::vector<double>(8, (2.0 + 7 * 1e-4) / 8), 1e-6);
  CHECK_THAT(error_of([&] { m.forward(Variable(zeros({3, 1, 2, 2}))); }),
             Catch::Contains("the batch 3 is not a multiple of the group size 2"));
  CHECK_THAT(error_of([&] { m.forward(Variable(zeros({4, 2}))); }),
             Catch::Contains("MinibatchStd(group_size=2, eps=1e-08): expected input [N, C, H, W], got [4, 2]"));
}

TEST_CASE("MinibatchStd: first and second derivatives", "[nn][gan_layers]") {
  Rng rng(2);
  MinibatchStd m({.group_size = 2});
  check_layer_grads(m, {}, random_away_from({4, 2, 3, 3}, rng), /*second_order=*/true);
}

TEST_CASE("SelfAttention: starts as the identity, matches a loop reference", "[nn][gan_layers]") {
  Rng rng(3);
  SelfAttention att({.channels = 8}, rng);
  std::vector<std::string> names = names_of(att.named_parameters());
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"gamma", "key.bias", "key.weight", "out.bias", "out.weight",
                                          "query.bias", "query.weight", "value.bias", "value.weight"});
  CHECK(att.query->parameters()[0].shape() == Shape{1, 8, 1, 1});  // C/8
  CHECK(att.value->parameters()[0].shape() == Shape{4, 8, 1, 1});  // C/2
  CHECK(att.out->parameters()[0].shape() == Shape{8, 4, 1, 1});
  CHECK(att.gamma.value().item() == 0.0);
  att.to(DType::Float64);
  Tensor x = normal({2, 8, 3, 2}, 0, 1, rng, DType::Float64);
  require_values(att.forward(Variable(x)).value(), x.to_vector());  // gamma = 0
  {
    NoGradGuard no_grad;
    fill_(att.gamma.mutable_value(), 0.7);
  }
  // Reference: f, g, h from the convs, then the sums written out.
  const int64_t n = 2, l = 6;
  Tensor f = att.query->forward(Variable(x)).value().reshape({n, 1, l});
  Tensor g = att.key->forward(Variable(x)).value().reshape({n, 1, l});
  Tensor h = att.value->forward(Variable(x)).value().reshape({n, 4, l});
  std::vector<double> attended(n * 4 * l, 0.0);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t j = 0; j < l; ++j) {
      std::vector<double> e(l);
      double z = 0;
      for (int64_t i = 0; i < l; ++i) z += e[i] = std::exp(f.at({b, 0, i}) * g.at({b, 0, j}));
      for (int64_t c = 0; c < 4; ++c)
        for (int64_t i = 0; i < l; ++i) attended[(b * 4 + c) * l + j] += e[i] / z * h.at({b, c, i});
    }
  Tensor o = att.out->forward(Variable(from_vector(attended, {n, 4, 3, 2}))).value();
  require_values(att.forward(Variable(x)).value(), add(x, mul(o, 0.7)).to_vector(), 1e-9);
  CHECK_THAT(error_of([&] { att.forward(Variable(zeros({1, 8, 17, 16}, DType::Float64))); }),
             Catch::Contains("expected input [N, 8, H, W] with H W <= 256, got [1, 8, 17, 16]"));
  CHECK_THAT(error_of([&] { SelfAttention({.channels = 4}); }), Catch::Contains("channels must be >= 8"));
}

TEST_CASE("SelfAttention: gradients (twice) for x, gamma and a conv weight", "[nn][gan_layers]") {
  Rng rng(4);
  SelfAttention att({.channels = 8}, rng);
  att.to(DType::Float64);
  {
    NoGradGuard no_grad;
    fill_(att.gamma.mutable_value(), 0.5);
  }
  auto query = std::dynamic_pointer_cast<Conv2d>(att.query);
  REQUIRE(query);
  check_layer_grads(att, {&att.gamma, &query->weight}, random_away_from({2, 8, 2, 3}, rng),
                    /*second_order=*/true);
  // Spectral-normed convs: the parameters move to weight_orig.
  SelfAttention sn({.channels = 16, .spectral_norm = true}, rng);
  std::vector<std::string> sn_names = names_of(sn.named_parameters());
  CHECK(std::count(sn_names.begin(), sn_names.end(), "query.weight_orig") == 1);
  CHECK(sn.forward(Variable(zeros({1, 16, 4, 4}))).shape() == Shape{1, 16, 4, 4});
}
