// GAN losses on logits/scores and the WGAN-GP gradient penalty.
#include "gan/losses.h"

#include "tensor/ops.h"

namespace nash::gan {

namespace {
Variable filled_like(const Variable& v, double value) { return Variable(full_like(v.value(), value)); }
}  // namespace

// -[log D(x) + log(1 - D(G(z)))], batch means
Variable discriminator_loss(const Variable& real_logits, const Variable& fake_logits,
                            double real_label) {
  NASH_CHECK(real_label > 0.0 && real_label <= 1.0,
             "discriminator_loss: real_label must be in (0, 1], got ", real_label);
  Variable real_term = mean(binary_cross_entropy_with_logits(real_logits, filled_like(real_logits, real_label)));
  Variable fake_term = mean(binary_cross_entropy_with_logits(fake_logits, filled_like(fake_logits, 0.0)));
  return real_term + fake_term;
}

Variable generator_loss(const Variable& fake_logits, GeneratorLoss kind) {
  switch (kind) {
    case GeneratorLoss::Minimax:  // log(1 - D(G(z))) = -bce(fake, 0)
      return neg(mean(binary_cross_entropy_with_logits(fake_logits, filled_like(fake_logits, 0.0))));
    case GeneratorLoss::NonSaturating:  // -log D(G(z)) = bce(fake, 1)
      return mean(binary_cross_entropy_with_logits(fake_logits, filled_like(fake_logits, 1.0)));
    case GeneratorLoss::LeastSquares:  // 1/2 (D(G(z)) - 1)^2
      return mean(square(fake_logits - 1.0)) * 0.5;
  }
  fail("generator_loss: unknown loss kind");
}

// 1/2 (D(x) - 1)^2 + 1/2 D(G(z))^2
Variable least_squares_discriminator_loss(const Variable& real_out, const Variable& fake_out) {
  return (mean(square(real_out - 1.0)) + mean(square(fake_out))) * 0.5;
}

// E f(G(z)) - E f(x)
Variable critic_loss(const Variable& real_scores, const Variable& fake_scores) {
  return mean(fake_scores) - mean(real_scores);
}

// -E f(G(z))
Variable wasserstein_generator_loss(const Variable& fake_scores) { return neg(mean(fake_scores)); }

PenaltyResult gradient_penalty_at(const std::function<Variable(const Variable&)>& critic,
                                  const Tensor& xhat_value, double lambda) {
  NASH_CHECK(xhat_value.dim() >= 2, "gradient_penalty: expected a batch [N, ...], got ",
             xhat_value.shape());
  Variable xhat(xhat_value, /*requires_grad=*/true);
  Variable scores = critic(xhat);
  // grad_xhat sum_i f(xhat_i): row i is the gradient of f at xhat_i (samples are independent).
  Variable g = grad({sum(scores)}, {xhat}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
  Variable per_sample = flatten(g, 1);                          // [N, D]
  Variable norms = sqrt(sum(square(per_sample), {1}) + 1e-12);  // ||grad||_2 per sample
  PenaltyResult r;
  r.penalty = mean(square(norms - 1.0)) * lambda;
  r.mean_grad_norm = mean(norms).item();
  return r;
}

PenaltyResult r1_penalty(const std::function<Variable(const Variable&)>& critic,
                         const Tensor& real, double gamma) {
  NASH_CHECK(real.dim() >= 2, "r1_penalty: expected a batch [N, ...], got ", real.shape());
  Variable x(real, /*requires_grad=*/true);
  // grad_x sum_i D(x_i): row i is the gradient of D at x_i (samples are independent).
  Variable g = grad({sum(critic(x))}, {x}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
  Variable squared = sum(square(flatten(g, 1)), {1});  // ||grad D(x_i)||^2 per sample [N]
  PenaltyResult r;
  r.penalty = mean(squared) * (0.5 * gamma);
  r.mean_grad_norm = nash::mean(nash::sqrt(squared.value())).item();
  return r;
}

PenaltyResult gradient_penalty(const std::function<Variable(const Variable&)>& critic,
                               const Tensor& real, const Tensor& fake, double lambda,
                               Rng& rng) {
  NASH_CHECK(real.shape() == fake.shape(), "gradient_penalty: real ", real.shape(),
             " and fake ", fake.shape(), " differ");
  Shape eps_shape(real.dim(), 1);
  eps_shape[0] = real.size(0);
  Tensor eps = uniform(eps_shape, 0.0, 1.0, rng, real.dtype());  // one epsilon per sample
  Tensor xhat = eps * real + (1.0 - eps) * fake;                 // x^ = eps x + (1 - eps) x~
  return gradient_penalty_at(critic, xhat, lambda);
}

}  // namespace nash::gan
