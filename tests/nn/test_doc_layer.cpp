// The worked example of docs/adding_a_layer.md, compiled and proven here: a layer written in
// one small file, checked for shapes, parameter names and gradients.
#include <catch2/catch.hpp>

#include "autograd/gradcheck.h"
#include "nn/nn.h"
#include "tensor/ops.h"

using namespace nash;

namespace {
// ---- the layer, as in the doc ----
// Affine: y = x * scale + shift, one scale and shift per feature.  x [N, D] -> y [N, D]
class Affine : public nn::Module {
 public:
  Variable scale, shift;  // [D], [D]
  int64_t features;

  explicit Affine(int64_t d) : Module("Affine"), features(d) {
    register_parameter("scale", scale, ones({d}));
    register_parameter("shift", shift, zeros({d}));
  }
  Variable forward(const Variable& x) override {
    NASH_CHECK(x.dim() == 2 && x.size(1) == features, "Affine(features=", features,
               "): expected input [N, ", features, "], got ", x.shape());
    return x * scale + shift;  // broadcasting: gradients are summed over N by the ops
  }
  std::string extra_repr() const override { return "features=" + std::to_string(features); }
};
}  // namespace

TEST_CASE("docs/adding_a_layer.md: the Affine example works as documented", "[nn][docs]") {
  Affine layer(3);
  CHECK(layer.repr() == "Affine(features=3)\n  scale: [3]\n  shift: [3]\n[6 parameters]");
  nn::Sequential net(std::make_shared<Affine>(3), std::make_shared<nn::Tanh>());
  auto named = net.named_parameters();
  REQUIRE(named.size() == 2);
  CHECK(named[0].first == "0.scale");
  CHECK(named[1].first == "0.shift");

  // The gradient with respect to the input and both parameters, in float64.
  Rng rng(1);
  auto f = [](const std::vector<Variable>& v) {
    Affine a(3);
    a.scale = v[1];
    a.shift = v[2];
    return a.forward(v[0]);
  };
  std::vector<Tensor> inputs{normal({4, 3}, 0, 1, rng, DType::Float64),
                             normal({3}, 0, 1, rng, DType::Float64),
                             normal({3}, 0, 1, rng, DType::Float64)};
  GradcheckResult first = gradcheck(f, inputs);
  INFO(first.message);
  CHECK(first.ok);
  GradcheckResult second = gradgradcheck(f, inputs);
  INFO(second.message);
  CHECK(second.ok);

  REQUIRE_THROWS_WITH(layer.forward(Variable(zeros({2, 4}))),
                      Catch::Contains("Affine(features=3): expected input [N, 3], got [2, 4]"));
}
