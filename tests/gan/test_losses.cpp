// GAN losses against their formulas, and the WGAN-GP penalty: exact for a linear critic and
// verified by gradgradcheck on a small non-linear one.
#include <catch2/catch.hpp>
#include <cmath>

#include "autograd/gradcheck.h"
#include "gan/losses.h"
#include "tensor/ops.h"

using namespace nash;
using namespace nash::gan;

namespace {
double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }
Variable col(std::vector<double> v) {
  auto n = static_cast<int64_t>(v.size());
  return Variable(from_vector(v, {n, 1}));
}
}  // namespace

TEST_CASE("discriminator and generator losses equal the log formulas", "[gan][losses]") {
  Variable real = col({2.0, -1.0}), fake = col({0.5, -3.0});
  double expect_d = -0.5 * (std::log(sigmoid(2.0)) + std::log(sigmoid(-1.0))) -
                    0.5 * (std::log(1 - sigmoid(0.5)) + std::log(1 - sigmoid(-3.0)));
  CHECK(discriminator_loss(real, fake).item() == Approx(expect_d));
  double ns = -0.5 * (std::log(sigmoid(0.5)) + std::log(sigmoid(-3.0)));
  CHECK(generator_loss(fake, GeneratorLoss::NonSaturating).item() == Approx(ns));
  double mm = 0.5 * (std::log(1 - sigmoid(0.5)) + std::log(1 - sigmoid(-3.0)));
  CHECK(generator_loss(fake, GeneratorLoss::Minimax).item() == Approx(mm));
  CHECK(generator_loss(fake, GeneratorLoss::LeastSquares).item() ==
        Approx(0.5 * 0.5 * (0.25 + 16.0)));
  // One-sided label smoothing: the real term targets 0.9.
  double smooth = -0.5 * (0.9 * std::log(sigmoid(2.0)) + 0.1 * std::log(1 - sigmoid(2.0)) +
                          0.9 * std::log(sigmoid(-1.0)) + 0.1 * std::log(1 - sigmoid(-1.0))) -
                  0.5 * (std::log(1 - sigmoid(0.5)) + std::log(1 - sigmoid(-3.0)));
  CHECK(discriminator_loss(real, fake, 0.9).item() == Approx(smooth));
  // Stable at extreme logits.
  CHECK(std::isfinite(discriminator_loss(col({-1000.0}), col({1000.0})).item()));
  CHECK(discriminator_loss(col({-1000.0}), col({1000.0})).item() == Approx(2000.0));
}

TEST_CASE("Wasserstein losses", "[gan][losses]") {
  Variable real = col({1.0, 3.0}), fake = col({-1.0, 0.0});
  CHECK(critic_loss(real, fake).item() == Approx(-0.5 - 2.0));
  CHECK(wasserstein_generator_loss(fake).item() == Approx(0.5));
}

TEST_CASE("gradient penalty of a linear critic is lambda (||w|| - 1)^2 exactly", "[gan][losses]") {
  Rng rng(5);
  Variable w(from_vector(std::vector<double>{0.3, -1.2, 2.0}, {3, 1}), true);
  auto critic = [&w](const Variable& x) { return matmul(x, w); };  // f(x) = w . x
  Tensor real = normal({6, 3}, 0, 1, rng, DType::Float64), fake = normal({6, 3}, 0, 1, rng, DType::Float64);
  PenaltyResult gp = gradient_penalty(critic, real, fake, 10.0, rng);
  double norm = std::sqrt(0.09 + 1.44 + 4.0);
  CHECK(gp.penalty.item() == Approx(10.0 * (norm - 1) * (norm - 1)).epsilon(1e-12));
  CHECK(gp.mean_grad_norm == Approx(norm));
  // Its gradient w.r.t. w: 10 * 2 (||w|| - 1) w / ||w||.
  gp.penalty.backward();
  std::vector<double> dw = w.grad().value().to_vector(), wv = w.value().to_vector();
  for (int i = 0; i < 3; ++i) CHECK(dw[i] == Approx(20.0 * (norm - 1) * wv[i] / norm));
}

TEST_CASE("gradient penalty: gradgradcheck on a small non-linear critic", "[gan][losses]") {
  Rng rng(6);
  Tensor xhat = normal({4, 3}, 0, 1, rng, DType::Float64);
  auto penalty_of = [xhat](const std::vector<Variable>& p) {
    auto critic = [&p](const Variable& x) { return matmul(tanh(matmul(x, p[0])), p[1]); };
    return gradient_penalty_at(critic, xhat, 10.0).penalty;
  };
  std::vector<Tensor> params{normal({3, 5}, 0, 1, rng, DType::Float64),
                             normal({5, 1}, 0, 1, rng, DType::Float64)};
  auto first = gradcheck(penalty_of, params);
  INFO(first.message);
  CHECK(first.ok);
  auto second = gradgradcheck(penalty_of, params);
  INFO(second.message);
  CHECK(second.ok);
}
