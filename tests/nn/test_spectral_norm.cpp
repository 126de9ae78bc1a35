// SpectralNorm: PyTorch's names (weight_orig, bias, weight_u, weight_v), one power iteration
// per training forward checked step by step, sigma -> the largest singular value (checked by a
// power iteration in the test), eval keeps u and v, gradients through sigma in float64.
#include <catch2/catch.hpp>

#include <cmath>

#include "nn/nn.h"
#include "nn/layer_testing.h"
#include "tensor/ops.h"

using namespace nash;
using namespace nash::nn;
using nash::test::error_of;
using nash::test::names_of;

namespace {
double norm(const Tensor& t) { return std::sqrt(sum(mul(t, t)).item()); }

// The largest singular value of m [rows, cols] by 2000 steps of power iteration on m^T m.
double top_singular_value(const Tensor& m) {
  Tensor v = ones({m.size(1)}, m.dtype());
  for (int i = 0; i < 2000; ++i) {
    v = matmul(m.t(), matmul(m, v));
    v = div(v, norm(v));
  }
  return norm(matmul(m, v));
}
}  // namespace

TEST_CASE("SpectralNorm: names, buffers, repr", "[nn]") {
  Rng rng(0);
  auto fc = std::make_shared<Linear>(5, 4, true, rng);
  const Tensor w0 = fc->weight.value();
  Sequential s(spectral_norm(fc, {}, rng), std::make_shared<ReLU>());
  CHECK(names_of(s.named_parameters()) == std::vector<std::string>{"0.weight_orig", "0.bias"});
  std::vector<std::string> buffers;
  for (auto& [n, t] : s.named_buffers()) buffers.push_back(n);
  CHECK(buffers == std::vector<std::string>{"0.weight_u", "0.weight_v"});
  auto sn = s.at<SpectralNorm>(0);
  CHECK(sn->weight_orig.value().shares_storage(w0));  // the layer's weight, renamed
  CHECK(sn->weight_u.shape() == Shape{4});
  CHECK(sn->weight_v.shape() == Shape{5});
  CHECK(norm(sn->weight_u) == Approx(1.0));
  CHECK(norm(sn->weight_v) == Approx(1.0));
  CHECK(sn->extra_repr() ==
        "Linear(in_features=5, out_features=4, bias=true), n_power_iterations=1, dim=0, eps=1e-12");
  CHECK(s.num_parameters() == 24);

  // Convolutions: dim 0 for Conv2d, dim 1 for ConvTranspose2d (weight [C, O, KH, KW]).
  auto c = spectral_norm(std::make_shared<Conv2d>(
      Conv2dOptions{.in_channels = 3, .out_channels = 8, .kernel_size = 4}, rng));
  CHECK(c->weight_u.shape() == Shape{8});
  CHECK(c->weight_v.shape() == Shape{48});
  auto t = spectral_norm(std::make_shared<ConvTranspose2d>(
      ConvTranspose2dOptions{.in_channels = 8, .out_channels = 3, .kernel_size = 4}, rng));
  CHECK(t->weight_u.shape() == Shape{3});
  CHECK(t->weight_v.shape() == Shape{128});
  CHECK(t->extra_repr().find("dim=1") != std::string::npos);
  CHECK(error_of([] { spectral_norm(std::make_shared<BatchNorm1d>(3)); }) ==
        "SpectralNorm(BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=true, "
        "track_running_stats=true)): dim 0 is out of range for weight [3]");
  struct Scaled : Module {
    Variable weight, scale;
    Scaled() : Module("Scaled") {
      register_parameter("weight", weight, ones({2, 2}));
      register_parameter("scale", scale, ones({1}));
    }
  };
  CHECK(error_of([] { spectral_norm(std::make_shared<Scaled>()); }) ==
        "SpectralNorm(Scaled()): can only wrap a layer whose parameters are weight and bias, "
        "found 'scale'");
}

TEST_CASE("SpectralNorm: one power iteration per training forward, by hand", "[nn]") {
  Rng rng(1);
  auto fc = std::make_shared<Linear>(3, 2, true, rng);
  SpectralNorm sn(fc, {}, rng);
  sn.to(DType::Float64);
  const Tensor w = sn.weight_orig.value().clone();  // [2, 3]
  const Tensor u0 = sn.weight_u.clone();
  const Tensor x = normal({4, 3}, 0, 1, rng, DType::Float64);

  Variable y = sn(x);
  Tensor v = matmul(w.t(), u0);
  v = div(v, norm(v));
  Tensor u = matmul(w, v);
  u = div(u, norm(u));
  const double sigma = sum(mul(u, matmul(w, v))).item();
  CHECK(allclose(sn.weight_u, u, 1e-12, 1e-12));
  CHECK(allclose(sn.weight_v, v, 1e-12, 1e-12));
  Tensor expected = add(div(matmul(x, w.t()), sigma), fc->bias.value());  // x W^T / sigma + b
  CHECK(allclose(y.value(), expected, 1e-12, 1e-12));
  // The layer's weight field holds the last normalised weight, detached.
  CHECK(allclose(fc->weight.value(), div(w, sigma), 1e-12, 1e-12));
  CHECK(fc->weight.is_leaf());

  // Eval: no power iteration; u and v stay.
  sn.eval();
  sn(x);
  CHECK(equal(sn.weight_u, u));
  CHECK(equal(sn.weight_v, v));
}

TEST_CASE("SpectralNorm: after many training steps the effective weight has sigma_max ~ 1",
          "[nn]") {
  Rng rng(2);
  for (int kind = 0; kind < 3; ++kind) {
    std::shared_ptr<SpectralNorm> sn;
    Tensor x;
    if (kind == 0) {
      sn = spectral_norm(std::make_shared<Linear>(8, 6, true, rng), {}, rng);
      x = normal({2, 8}, 0, 1, rng);
    } else if (kind == 1) {
      sn = spectral_norm(std::make_shared<Conv2d>(Conv2dOptions{
                             .in_channels = 2, .out_channels = 4, .kernel_size = 3}, rng),
                         {}, rng);
      x = normal({1, 2, 3, 3}, 0, 1, rng);
    } else {
      sn = spectral_norm(std::make_shared<ConvTranspose2d>(ConvTranspose2dOptions{
                             .in_channels = 4, .out_channels = 3, .kernel_size = 2}, rng),
                         {.n_power_iterations = 3}, rng);
      x = normal({1, 4, 2, 2}, 0, 1, rng);
    }
    sn->to(DType::Float64);
    x = x.to(DType::Float64);
    // Before any iteration sigma is only an estimate; the raw weight's own top singular value:
    Tensor w = sn->weight_orig.value();
    const int64_t dim = kind == 2 ? 1 : 0;
    Tensor w_mat = (dim == 0 ? w : w.transpose(0, 1)).contiguous().reshape({w.size(dim), -1});
    const double sigma_true = top_singular_value(w_mat);
    for (int i = 0; i < 300; ++i) sn->forward(x);
    sn->eval();
    Tensor eff = sn->normalized_weight().value();
    Tensor eff_mat = (dim == 0 ? eff : eff.transpose(0, 1)).contiguous().reshape({w.size(dim), -1});
    INFO("kind " << kind);
    CHECK(top_singular_value(eff_mat) == Approx(1.0).epsilon(1e-6));
    CHECK(allclose(eff, div(w, sigma_true), 1e-6, 1e-9));
  }
}

TEST_CASE("SpectralNorm: gradients through sigma (eval, so u and v are fixed)", "[nn]") {
  Rng rng(3);
  auto fc = std::make_shared<Linear>(4, 3, true, rng);
  SpectralNorm sn(fc, {}, rng);
  sn.forward(normal({2, 4}, 0, 1, rng));  // one training step: u, v no longer random
  sn.eval();
  nash::test::check_layer_grads(sn, {&sn.weight_orig, &fc->bias}, normal({2, 4}, 0, 1, rng),
                                true);
  auto conv = std::make_shared<Conv2d>(
      Conv2dOptions{.in_channels = 2, .out_channels = 2, .kernel_size = 2}, rng);
  SpectralNorm sc(conv, {}, rng);
  sc.eval();
  nash::test::check_layer_grads(sc, {&sc.weight_orig, &conv->bias},
                                normal({1, 2, 3, 3}, 0, 1, rng));

  // Training: the gradient reaches weight_orig and bias after backward.
  sn.train();
  sn.to(DType::Float32);
  Variable loss = sum(sn(normal({2, 4}, 0, 1, rng)));
  loss.backward();
  CHECK(sn.weight_orig.grad().defined());
  CHECK(sn.weight_orig.grad().shape() == Shape{3, 4});
  CHECK(fc->bias.grad().defined());
}
