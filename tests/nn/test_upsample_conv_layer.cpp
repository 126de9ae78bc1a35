// UpsampleConv2d: a Conv2d(in, out, 3, padding 1) in parameters, names, init and state_dict;
// its output equals Upsample(2) then that Conv2d; gradients in float64; input errors.
#include <catch2/catch.hpp>

#include <memory>

#include "nn/layers/conv.h"
#include "nn/layers/pooling.h"
#include "nn/layers/upsample_conv.h"
#include "nn/layer_testing.h"
#include "tensor/ops.h"

using namespace nash;
using namespace nash::nn;
using nash::test::check_layer_grads;
using nash::test::error_of;

TEST_CASE("UpsampleConv2d: Conv2d's parameters and init, Upsample+Conv2d's output", "[nn]") {
  Rng rng_a(7), rng_b(7);
  UpsampleConv2d u({.in_channels = 4, .out_channels = 6}, rng_a);
  Conv2d c({.in_channels = 4, .out_channels = 6, .kernel_size = 3, .padding = 1}, rng_b);
  CHECK(nash::test::names_of(u.named_parameters()) == std::vector<std::string>{"weight", "bias"});
  CHECK(u.weight.shape() == Shape{6, 4, 3, 3});
  CHECK(u.bias.shape() == Shape{6});
  // The same generator state gives the same weights: the init is Conv2d's, draw for draw.
  CHECK(equal(u.weight.value(), c.weight.value()));
  CHECK(equal(u.bias.value(), c.bias.value()));
  // A Conv2d to code that looks for one (weight init by type).
  std::shared_ptr<Module> m = std::make_shared<UpsampleConv2d>(UpsampleConv2dOptions{2, 3});
  CHECK(std::dynamic_pointer_cast<Conv2d>(m) != nullptr);
  CHECK(m->type_name() == "UpsampleConv2d");
  CHECK(u.extra_repr() == "4, 6, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), scale_factor=2");

  // state_dict round trip from the Conv2d, and the output of Upsample(2) + Conv2d.
  Rng rng(8);
  Conv2d other({.in_channels = 4, .out_channels = 6, .kernel_size = 3, .padding = 1}, rng);
  u.load_state_dict(other.state_dict());
  Upsample up(2);
  const Tensor x = normal({3, 4, 5, 7}, 0, 1, rng);
  const Variable y = u(Variable(x));
  CHECK(y.shape() == Shape{3, 6, 10, 14});
  CHECK(allclose(y.value(), other(up(Variable(x))).value(), 1e-5, 1e-5));
  CHECK(u(Variable(x.select(0, 1))).shape() == Shape{6, 10, 14});  // unbatched

  UpsampleConv2d nb({.in_channels = 2, .out_channels = 1, .bias = false});
  CHECK(!nb.bias.defined());
  CHECK(nash::test::names_of(nb.named_parameters()) == std::vector<std::string>{"weight"});
}

TEST_CASE("UpsampleConv2d: gradients in float64", "[nn]") {
  Rng rng(9);
  UpsampleConv2d u({.in_channels = 2, .out_channels = 3}, rng);
  check_layer_grads(u, {&u.weight, &u.bias}, normal({2, 2, 3, 2}, 0, 1, rng), true);
}

TEST_CASE("UpsampleConv2d: wrong inputs name the layer and the shapes", "[nn]") {
  UpsampleConv2d u({.in_channels = 3, .out_channels = 8});
  CHECK(error_of([&] { u(zeros({2, 1, 7, 7})); }) ==
        "UpsampleConv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), scale_factor=2): "
        "expected input [N, 3, H, W], got [2, 1, 7, 7]");
  CHECK(error_of([] { UpsampleConv2d bad({.in_channels = 0, .out_channels = 8}); }) ==
        "Conv2d: in_channels and out_channels must be positive, got 0 and 8");
}
