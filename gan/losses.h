// The GAN objectives, written from the discriminator's raw outputs (logits or critic scores).
// With D(x) = sigmoid(logit):
//   D ascends  log D(x) + log(1 - D(G(z)))    <=>  minimises bce(real, 1) + bce(fake, 0)
//   G minimax: descends log(1 - D(G(z)))      <=>  minimises -bce(fake, 0)
//   G non-saturating: descends -log D(G(z))   <=>  minimises bce(fake, 1)      (the default)
//   least squares (LSGAN): D: 1/2 (D(x) - 1)^2 + 1/2 D(G(z))^2,  G: 1/2 (D(G(z)) - 1)^2
// Wasserstein (critic f, no sigmoid): f ascends E f(x) - E f(G(z)), G descends -E f(G(z)).
#pragma once
#include <functional>

#include "autograd/ops.h"

namespace nash::gan {

enum class GeneratorLoss { Minimax, NonSaturating, LeastSquares };

// bce_with_logits(real, real_label) + bce_with_logits(fake, 0), each a batch mean. real_label
// below 1 is one-sided label smoothing (Salimans et al. 2016).
Variable discriminator_loss(const Variable& real_logits, const Variable& fake_logits,
                            double real_label = 1.0);
Variable generator_loss(const Variable& fake_logits, GeneratorLoss kind = GeneratorLoss::NonSaturating);
// LSGAN's discriminator loss on raw outputs.
Variable least_squares_discriminator_loss(const Variable& real_out, const Variable& fake_out);

// The critic minimises E f(G(z)) - E f(x) (the negated Wasserstein estimate).
Variable critic_loss(const Variable& real_scores, const Variable& fake_scores);
// G minimises -E f(G(z)).
Variable wasserstein_generator_loss(const Variable& fake_scores);

struct PenaltyResult {
  Variable penalty;           // the term added to D's loss, differentiable (undefined: none)
  double mean_grad_norm = 0;  // mean_i ||grad_x f(x_i)||_2 at the penalised points (for the logs)
};
// WGAN-GP (Gulrajani et al. 2017): xhat = eps x + (1 - eps) x_fake with eps ~ U[0, 1) per sample,
// the gradient taken w.r.t. xhat with create_graph so the penalty trains the critic.
PenaltyResult gradient_penalty(const std::function<Variable(const Variable&)>& critic,
                               const Tensor& real, const Tensor& fake, double lambda,
                               Rng& rng);
// The same penalty at given points xhat (for tests: a linear critic gives (||w|| - 1)^2).
PenaltyResult gradient_penalty_at(const std::function<Variable(const Variable&)>& critic,
                                  const Tensor& xhat, double lambda);

// R1 (Mescheder et al. 2018): gamma/2 * mean_i ||grad_x D(x_i)||^2 on real samples x, the gradient
// taken with create_graph so the penalty trains D (a linear D(x) = w.x + b gives gamma/2 ||w||^2).
PenaltyResult r1_penalty(const std::function<Variable(const Variable&)>& critic,
                         const Tensor& real, double gamma);

}  // namespace nash::gan
