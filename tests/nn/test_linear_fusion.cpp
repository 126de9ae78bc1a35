// Sequential runs a Linear followed by ReLU / LeakyReLU / Tanh / Sigmoid as one fused op:
// outputs and parameter gradients are bitwise those of the unfused chain, for a hand-built
// MLP and the built-in MLP GAN networks; other neighbours (Dropout, BatchNorm) are not fused.
#include <catch2/catch.hpp>

#include <cstring>

#include "gan/models.h"
#include "nn/nn.h"
#include "tensor/ops.h"

using namespace nash;
using namespace nash::nn;

namespace {
bool same_bits(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape()) return false;
  const Tensor ac = a.contiguous(), bc = b.contiguous();
  return std::memcmp(ac.data<float>(), bc.data<float>(), sizeof(float) * ac.numel()) == 0;
}

// Runs m on x with fusion on and off; the outputs and every parameter's gradient of
// sum(y * u) must agree bit for bit. Returns the op name of the output (fused or not).
std::string check_fusion(Module& m, const Tensor& x, Rng& rng) {
  std::vector<Tensor> outs, grads[2];
  std::string op;
  for (int fused = 1; fused >= 0; --fused) {
    set_linear_activation_fusion(m, fused == 1);
    for (Variable& p : m.parameters()) p.zero_grad();
    Variable y = m.forward(x);
    if (fused) op = y.op_name();
    Rng urng(7);
    y.backward(uniform(y.shape(), -1, 1, urng));
    outs.push_back(y.value());
    for (Variable& p : m.parameters()) grads[fused].push_back(p.grad().value());
  }
  set_linear_activation_fusion(m, true);
  CHECK(same_bits(outs[0], outs[1]));
  REQUIRE(grads[0].size() == grads[1].size());
  for (size_t i = 0; i < grads[0].size(); ++i) {
    INFO("parameter " << i);
    CHECK(same_bits(grads[0][i], grads[1][i]));
  }
  (void)rng;
  return op;
}
}  // namespace

TEST_CASE("Sequential fuses Linear + activation with the same bits", "[nn]") {
  Rng rng(3);
  Sequential s(std::make_shared<Linear>(20, 33, true, rng), std::make_shared<LeakyReLU>(0.2),
               std::make_shared<Linear>(33, 17, true, rng), std::make_shared<ReLU>(),
               std::make_shared<Linear>(17, 9, false, rng), std::make_shared<Sigmoid>(),
               std::make_shared<Linear>(9, 5, true, rng), std::make_shared<Tanh>());
  CHECK(check_fusion(s, normal({6, 20}, 0, 1, rng), rng) == "linear_act");
  // The graph holds one node per fused pair: the Tanh's input is the fused op, not a linear.
  Variable y = s.forward(normal({6, 20}, 0, 1, rng));
  REQUIRE(y.grad_fn());
  CHECK(y.grad_fn()->inputs[0].op_name() == "linear_act");
  s.fuse_linear_activation = false;
  CHECK(s.forward(normal({6, 20}, 0, 1, rng)).op_name() == "tanh");
}

TEST_CASE("Sequential leaves Linear unfused before other layers", "[nn]") {
  Rng rng(4);
  Sequential s(std::make_shared<Linear>(8, 8, true, rng), std::make_shared<Dropout>(0.0, rng),
               std::make_shared<LeakyReLU>(0.2), std::make_shared<Linear>(8, 4, true, rng));
  Variable y = s.forward(normal({3, 8}, 0, 1, rng));
  CHECK(y.op_name() == "linear");
  CHECK(y.grad_fn()->inputs[0].op_name() == "leaky_relu");
}

TEST_CASE("the MLP GAN networks give the same bits fused and unfused", "[nn][gan]") {
  Rng rng(5);
  auto d = gan::make_mlp_discriminator(0, {1, 28, 28}, rng);
  check_fusion(*d, uniform({64, 1, 28, 28}, -1, 1, rng), rng);
  auto g = gan::make_mlp_generator(100, 0, {1, 28, 28}, rng);
  check_fusion(*g, normal({64, 100}, 0, 1, rng), rng);
  auto tg = gan::make_toy_generator(2, 2, 64, rng);
  check_fusion(*tg, normal({64, 2}, 0, 1, rng), rng);
  auto td = gan::make_toy_discriminator(2, 64, 1, rng);
  check_fusion(*td, normal({64, 2}, 0, 1, rng), rng);
}
