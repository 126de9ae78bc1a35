// Conv2d and ConvTranspose2d layers: output shapes (DCGAN sizes), PyTorch's default-init
// bounds and fans, reprs, gradchecks in float64, and input errors naming the layer.
#include <catch2/catch.hpp>

#include <cmath>

#include "nn/layers/conv.h"
#include "nn/layer_testing.h"
#include "tensor/ops.h"

using namespace nash;
using namespace nash::nn;
using nash::test::check_layer_grads;
using nash::test::error_of;

namespace {
double max_abs(const Variable& v) { return amax(abs(v.value())).item(); }
}  // namespace

TEST_CASE("Conv2d: shapes, default init, repr", "[nn]") {
  Rng rng(0);
  Conv2d c({.in_channels = 3, .out_channels = 16, .kernel_size = 4, .stride = 2, .padding = 1},
           rng);
  CHECK(c.weight.shape() == Shape{16, 3, 4, 4});
  CHECK(c.bias.shape() == Shape{16});
  CHECK(nash::test::names_of(c.named_parameters()) == std::vector<std::string>{"weight", "bias"});
  const double bound = 1.0 / std::sqrt(3.0 * 16.0);  // fan_in = C*KH*KW
  CHECK(max_abs(c.weight) <= bound);
  CHECK(max_abs(c.weight) > 0.95 * bound);
  CHECK(max_abs(c.bias) <= bound);
  CHECK(c(normal({2, 3, 28, 28}, 0, 1, rng)).shape() == Shape{2, 16, 14, 14});
  CHECK(c(normal({3, 28, 28}, 0, 1, rng)).shape() == Shape{16, 14, 14});  // unbatched
  CHECK(c.extra_repr() == "3, 16, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1)");

  Conv2d d({.in_channels = 2, .out_channels = 4, .kernel_size = {3, 1}, .dilation = 2,
            .bias = false}, rng);
  CHECK(d.weight.shape() == Shape{4, 2, 3, 1});
  CHECK(!d.bias.defined());
  CHECK(d.extra_repr() == "2, 4, kernel_size=(3, 1), stride=(1, 1), dilation=(2, 2), bias=false");
  CHECK(d(zeros({1, 2, 9, 9})).shape() == Shape{1, 4, 5, 9});
}

TEST_CASE("ConvTranspose2d: shapes, torch's fan_in from weight [C, O, KH, KW], repr", "[nn]") {
  Rng rng(1);
  ConvTranspose2d t({.in_channels = 64, .out_channels = 8, .kernel_size = 4, .stride = 2,
                     .padding = 1}, rng);
  CHECK(t.weight.shape() == Shape{64, 8, 4, 4});
  CHECK(t.bias.shape() == Shape{8});
  const double bound = 1.0 / std::sqrt(8.0 * 16.0);  // torch: fan_in = size(1) * KH * KW
  CHECK(max_abs(t.weight) <= bound);
  CHECK(max_abs(t.weight) > 0.95 * bound);
  CHECK(max_abs(t.bias) <= bound);
  CHECK(max_abs(t.bias) > 0.7 * bound);
  CHECK(t(normal({2, 64, 7, 7}, 0, 1, rng)).shape() == Shape{2, 8, 14, 14});
  CHECK(t.extra_repr() == "64, 8, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1)");

  ConvTranspose2d u({.in_channels = 2, .out_channels = 1, .kernel_size = 3, .stride = 2,
                     .output_padding = 1}, rng);
  CHECK(u(zeros({1, 2, 5, 5})).shape() == Shape{1, 1, 12, 12});  // (5-1)*2 + 3 + 1
  CHECK(u.extra_repr() == "2, 1, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1)");
  CHECK(error_of([] {
          ConvTranspose2d bad({.in_channels = 1, .out_channels = 1, .kernel_size = 3,
                               .stride = 2, .output_padding = 2});
        }) == "ConvTranspose2d: output_padding must be >= 0 and smaller than stride (2, 2), "
              "got (2, 2)");
}

TEST_CASE("Conv2d / ConvTranspose2d: gradients in float64", "[nn]") {
  Rng rng(2);
  Conv2d c({.in_channels = 2, .out_channels = 3, .kernel_size = 3, .stride = 2, .padding = 1},
           rng);
  check_layer_grads(c, {&c.weight, &c.bias}, normal({2, 2, 5, 5}, 0, 1, rng), true);
  ConvTranspose2d t({.in_channels = 3, .out_channels = 2, .kernel_size = 3, .stride = 2,
                     .padding = 1, .output_padding = 1}, rng);
  check_layer_grads(t, {&t.weight, &t.bias}, normal({2, 3, 3, 3}, 0, 1, rng), true);
}

TEST_CASE("Conv2d: wrong inputs name the layer and the shapes", "[nn]") {
  Conv2d c({.in_channels = 3, .out_channels = 16, .kernel_size = 4, .stride = 2, .padding = 1});
  CHECK(error_of([&] { c(zeros({8, 1, 28, 28})); }) ==
        "Conv2d(3, 16, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1)): expected input "
        "[N, 3, H, W], got [8, 1, 28, 28]");
  CHECK(error_of([&] { c(zeros({8, 3 * 28 * 28})); }) ==
        "Conv2d(3, 16, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1)): expected input "
        "[N, 3, H, W], got [8, 2352]");
  CHECK(error_of([] { Conv2d bad({.in_channels = 3, .out_channels = 16}); }) ==
        "Conv2d: kernel_size must be positive, got (0, 0)");
}
