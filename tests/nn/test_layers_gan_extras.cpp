// The layers added for GAN code — GroupNorm, InstanceNorm2d, PixelShuffle, ZeroPad2d,
// ReflectionPad2d, bilinear Upsample, AdaptiveAvgPool2d, ceil_mode pooling, grouped Conv2d,
// PReLU, GELU, SiLU — and Module::apply: output and parameter shapes, values against PyTorch
// 1.13 (tests/torch_reference_values.h), gradchecks with respect to input and parameters (second
// order for the normalisations and activations, which penalties differentiate through), errors.
#include <catch2/catch.hpp>

#include <memory>

#include "nn/layers/activation.h"
#include "nn/layers/conv.h"
#include "nn/layers/groupnorm.h"
#include "nn/layers/linear.h"
#include "nn/layers/padding.h"
#include "nn/layers/pooling.h"
#include "nn/layers/sequential.h"
#include "nn/layer_testing.h"
#include "torch_reference_values.h"

using namespace nash;
using namespace nash::nn;
using nash::test::check_layer_grads;
using nash::test::error_of;
using nash::test::require_values;
using nash::test::wave;

TEST_CASE("GroupNorm: values as torch, parameters, gradients to second order", "[nn]") {
  GroupNorm gn(2, 4);
  CHECK(gn.extra_repr() == "2, 4, eps=1e-05, affine=true");
  REQUIRE(gn.weight.shape() == Shape{4});
  REQUIRE(gn.bias.shape() == Shape{4});
  gn.to(DType::Float64);
  gn.weight.mutable_value() = from_vector(std::vector<double>{0.5, 1, 1.5, 2}, {4});
  gn.bias.mutable_value() = from_vector(std::vector<double>{0.1, -0.2, 0.3, 0}, {4});
  require_values(gn(Variable(wave({2, 4, 3, 2}))).value(), test::torch_ref::groupnorm, 1e-12);
  GroupNorm g2({.num_groups = 3, .num_channels = 6, .eps = 1e-3});
  check_layer_grads(g2, {&g2.weight, &g2.bias}, wave({2, 6, 2, 2}), /*second_order=*/true);
  CHECK(error_of([] { GroupNorm(3, 4); }) ==
        "GroupNorm: num_channels 4 must be a positive multiple of num_groups 3");
  CHECK(error_of([&] { gn(Variable(zeros({2, 3, 4}, DType::Float64))); }) ==
        "GroupNorm(2, 4, eps=1e-05, affine=true): expected input [N, 4, ...], got [2, 3, 4]");
}

TEST_CASE("InstanceNorm2d: values as torch, unbatched input, affine gradients", "[nn]") {
  InstanceNorm2d in(3);
  CHECK(in.extra_repr() == "3, eps=1e-05, affine=false");
  CHECK(in.parameters().empty());
  require_values(in(Variable(wave({2, 3, 2, 3}))).value(), test::torch_ref::instancenorm, 1e-12);
  // [C, H, W] is one sample.
  const Tensor one = wave({3, 2, 3});
  CHECK(in(Variable(one)).shape() == Shape{3, 2, 3});
  CHECK(allclose(in(Variable(one)).value(), in(Variable(one.reshape({1, 3, 2, 3}))).value().reshape({3, 2, 3}),
                 0, 0));
  InstanceNorm2d affine({.num_features = 2, .affine = true});
  REQUIRE(affine.weight.shape() == Shape{2});
  check_layer_grads(affine, {&affine.weight, &affine.bias}, wave({2, 2, 3, 3}), true);
  CHECK(error_of([&] { in(Variable(zeros({2, 4, 2, 2}))); }) ==
        "InstanceNorm2d(3, eps=1e-05, affine=false): expected input [N, 3, H, W] or [3, H, W], "
        "got [2, 4, 2, 2]");
}

TEST_CASE("PixelShuffle, ZeroPad2d, ReflectionPad2d: shapes, values, gradients", "[nn]") {
  PixelShuffle ps(2);
  CHECK(ps.extra_repr() == "upscale_factor=2");
  CHECK(ps(Variable(zeros({3, 12, 4, 5}))).shape() == Shape{3, 3, 8, 10});
  check_layer_grads(ps, {}, wave({1, 8, 2, 2}), true);

  ZeroPad2d zp({1, 0, 0, 2});
  CHECK(zp.extra_repr() == "(1, 0, 0, 2)");
  require_values(zp(Variable(wave({1, 1, 3, 4}))).value(), test::torch_ref::zeropad, 0);
  ReflectionPad2d rp({2, 1, 1, 2});
  require_values(rp(Variable(wave({1, 1, 3, 4}))).value(), test::torch_ref::reflect, 0);
  ReflectionPad2d all(1);
  CHECK(all(Variable(zeros({2, 3, 4, 4}))).shape() == Shape{2, 3, 6, 6});
  check_layer_grads(all, {}, wave({1, 2, 3, 3}), true);
  check_layer_grads(zp, {}, wave({1, 2, 3, 3}), true);
  CHECK(error_of([] { ZeroPad2d(-1); }) == "ZeroPad2d: padding must be >= 0, got (-1, -1, -1, -1)");
}

TEST_CASE("Upsample bilinear and AdaptiveAvgPool2d: values as torch, gradients", "[nn]") {
  Upsample up({.scale_factor = 2, .mode = UpsampleMode::Bilinear});
  CHECK(up.extra_repr() == "scale_factor=2, mode=bilinear, align_corners=false");
  require_values(up(Variable(wave({1, 2, 3, 3}))).value(), test::torch_ref::bilinear_up2, 1e-12);
  CHECK(up(Variable(zeros({2, 3, 3}))).shape() == Shape{2, 6, 6});  // unbatched
  check_layer_grads(up, {}, wave({2, 1, 2, 3}), true);
  Upsample corners({.scale_factor = 3, .mode = UpsampleMode::Bilinear, .align_corners = true});
  CHECK(corners(Variable(zeros({1, 1, 2, 2}))).shape() == Shape{1, 1, 6, 6});

  AdaptiveAvgPool2d pool({3, 4});
  CHECK(pool.extra_repr() == "output_size=(3, 4)");
  require_values(pool(Variable(wave({1, 2, 5, 7}))).value(), test::torch_ref::adaptive_3x4, 1e-12);
  AdaptiveAvgPool2d global(1);
  CHECK(global(Variable(zeros({4, 8, 5, 5}))).shape() == Shape{4, 8, 1, 1});
  check_layer_grads(pool, {}, wave({1, 2, 5, 7}), true);
}

TEST_CASE("MaxPool2d / AvgPool2d with ceil_mode: shapes and values as torch", "[nn]") {
  MaxPool2d mp({.kernel_size = 2, .ceil_mode = true});
  CHECK(mp.extra_repr() == "kernel_size=2, stride=2, padding=0, ceil_mode=true");
  require_values(mp(Variable(wave({1, 1, 5, 5}))).value(), test::torch_ref::maxpool_ceil, 0);
  AvgPool2d ap({.kernel_size = 3, .stride = 2, .padding = 1, .ceil_mode = true});
  require_values(ap(Variable(wave({1, 1, 6, 6}))).value(), test::torch_ref::avgpool_ceil_pad, 1e-12);
  CHECK(MaxPool2d(2)(Variable(zeros({1, 1, 5, 5}))).shape() == Shape{1, 1, 2, 2});  // floor
  check_layer_grads(ap, {}, wave({1, 2, 6, 6}), true);
}

TEST_CASE("Conv2d with groups: weight shape, fan-in, values as torch, gradients", "[nn]") {
  Rng rng(4);
  Conv2d c({.in_channels = 4, .out_channels = 6, .kernel_size = 2, .groups = 2}, rng);
  CHECK(c.extra_repr() == "4, 6, kernel_size=(2, 2), stride=(1, 1), groups=2");
  REQUIRE(c.weight.shape() == Shape{6, 2, 2, 2});
  // kaiming_uniform(a = sqrt 5) on fan_in = 2 * 2 * 2: bound 1 / sqrt(8).
  CHECK(amax(abs(c.weight.value())).item() <= 1.0 / std::sqrt(8.0));
  c.to(DType::Float64);
  c.weight.mutable_value() = wave({6, 2, 2, 2}, 1.1);
  c.bias.mutable_value() = wave({6}, 2.0);
  require_values(c(Variable(wave({1, 4, 3, 3}))).value(), test::torch_ref::conv_groups2, 1e-12);
  Conv2d depthwise({.in_channels = 3, .out_channels = 3, .kernel_size = 3, .padding = 1,
                    .bias = false, .groups = 3}, rng);
  CHECK(depthwise.extra_repr() == "3, 3, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), "
                                  "groups=3, bias=false");
  check_layer_grads(depthwise, {&depthwise.weight}, wave({1, 3, 4, 4}));
  check_layer_grads(c, {&c.weight, &c.bias}, wave({2, 4, 3, 3}));
  CHECK(error_of([&] { Conv2d({.in_channels = 4, .out_channels = 6, .kernel_size = 2, .groups = 4}); }) ==
        "Conv2d: in_channels 4 and out_channels 6 must be divisible by groups 4");
}

TEST_CASE("PReLU, GELU, SiLU layers: values as torch, the slope's gradient", "[nn]") {
  PReLU one;
  CHECK(one.extra_repr() == "num_parameters=1");
  REQUIRE(one.weight.shape() == Shape{1});
  CHECK(one.weight.value().item() == 0.25);
  one.to(DType::Float64);
  require_values(one(Variable(wave({2, 3, 2}))).value(), test::torch_ref::prelu1, 0);
  PReLU per_channel(3, 0.1);
  per_channel.to(DType::Float64);
  per_channel.weight.mutable_value() = from_vector(std::vector<double>{0.1, 0.2, 0.3}, {3});
  require_values(per_channel(Variable(wave({2, 3, 2}))).value(), test::torch_ref::prelu3, 0);
  check_layer_grads(per_channel, {&per_channel.weight}, wave({2, 3, 2}, 0.5), true);
  per_channel.reset_parameters();
  CHECK(per_channel.weight.value().to_vector() == std::vector<double>{0.1, 0.1, 0.1});

  GELU exact, approx(GeluApproximation::Tanh);
  CHECK(exact.extra_repr() == "approximate='none'");
  CHECK(approx.extra_repr() == "approximate='tanh'");
  require_values(exact(Variable(wave({2, 3, 2}))).value(), test::torch_ref::gelu, 1e-14);
  require_values(approx(Variable(wave({2, 3, 2}))).value(), test::torch_ref::gelu_tanh, 1e-14);
  SiLU silu_layer;
  require_values(silu_layer(Variable(wave({2, 3, 2}))).value(), test::torch_ref::silu, 1e-14);
  check_layer_grads(exact, {}, wave({3, 4}, 0.2), true);
  check_layer_grads(silu_layer, {}, wave({3, 4}, 0.2), true);
}

TEST_CASE("Module::apply visits every module once, children first", "[nn]") {
  Rng rng(2);
  auto shared = std::make_shared<Linear>(3, 3, rng);
  auto inner = std::make_shared<Sequential>(shared, std::make_shared<SiLU>());
  Sequential net(inner, shared, std::make_shared<PReLU>());
  std::vector<std::string> order;
  Module& same = net.apply([&](Module& m) { order.push_back(m.type_name()); });
  CHECK(&same == &net);
  CHECK(order == std::vector<std::string>{"Linear", "SiLU", "Sequential", "PReLU", "Sequential"});
  // A custom initialisation through apply.
  net.apply([](Module& m) {
    if (auto* l = dynamic_cast<Linear*>(&m)) {
      NoGradGuard no_grad;
      fill_(l->weight.mutable_value(), 0.5);
    }
  });
  CHECK(amin(shared->weight.value()).item() == 0.5);
  CHECK(amax(shared->weight.value()).item() == 0.5);
}
