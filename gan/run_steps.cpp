// The training step of gan::Run, Goodfellow et al. 2014, Algorithm 1, for any objective. Read
// discriminator_step, then generator_step: the D/G boundary is explicit — in D's step the fake
// batch is a plain tensor (G is not in D's graph, so G gets no gradient); in G's step D's
// parameters are frozen (D only judges, so only G's parameters get gradients).
#include <chrono>
#include <cmath>

#include "gan/run.h"
#include "tensor/ops.h"

namespace nash::gan {

namespace {
double grad_norm(const std::vector<Variable>& params) {
  double total = 0;
  for (const auto& p : params)
    if (p.grad().defined()) total += nash::sum(nash::square(p.grad().value())).item();
  return std::sqrt(total);
}

// Freezes a network's parameters for a scope (restored even if the step throws).
struct Frozen {
  nn::Module& m;
  explicit Frozen(nn::Module& module) : m(module) { m.requires_grad_(false); }
  ~Frozen() { m.requires_grad_(true); }
};
}  // namespace

// D scores x [N, ...]; with PacGAN packing m it scores N/m packs [N/m, m * D] instead.
Variable Run::judge(const Variable& x, const Tensor& labels) {
  if (config_.pack == 1) return d_->score(x, labels);
  return d_->score(reshape(x, {x.size(0) / config_.pack, -1}), labels);
}

// ---- D: descend d_loss(D(x), D(G(z))) [+ penalty] ------------------------------------------
// e.g. ns: -[log D(x) + log(1 - D(G(z)))];  wgan: E f(G(z)) - E f(x);  hinge: E relu(1 - D(x))
// + E relu(1 + D(G(z))). G's samples are drawn without a graph: G is not trained here.
void Run::discriminator_step(StepStats& s) {
  const int64_t n = config_.batch;
  NASH_CHECK(data_ != nullptr, "gan::Run: this run was opened for sampling only and has no training data");
  nn::Batch real = data_->next(n, rng_);
  const Tensor labels = config_.conditional() ? real.labels : Tensor();  // CGAN: D judges (x, y)
  const Tensor fake_labels = random_labels(n);
  Tensor fake;
  {
    NoGradGuard no_grad;
    fake = g_->generate(Variable(noise(n, rng_)), fake_labels).value();  // x~ = G(z), detached
  }
  Variable real_out = judge(Variable(real.x), labels);
  Variable fake_out = judge(Variable(fake), fake_labels);
  Variable loss = objective_.d_loss(real_out, fake_out);
  if (objective_.penalty) {  // e.g. WGAN-GP's lambda E (||grad f(x^)|| - 1)^2, R1's gamma/2 E ||grad D(x)||^2
    auto critic = [this, &labels](const Variable& x) { return judge(x, labels); };
    PenaltyResult p = objective_.penalty(PenaltyInputs{critic, real.x, fake, d_steps_done_, rng_});
    if (p.penalty.defined()) {
      loss = loss + p.penalty;
      s.penalty = p.penalty.item();
      s.penalty_norm = p.mean_grad_norm;
    }
  }
  for (auto& hook : forward_hooks_) hook(*this, Phase::D, real_out, fake_out);
  opt_d_->zero_grad();
  loss.backward();
  for (auto& hook : backward_hooks_) hook(*this, Phase::D, opt_d_->parameters());
  s.grad_norm_d = grad_norm(opt_d_->parameters());
  opt_d_->step();
  if (objective_.after_d_step) objective_.after_d_step(*d_, s);  // e.g. WGAN's weight clipping

  s.d_loss = loss.item();
  objective_.report(real_out.value(), fake_out.value(), s);
  ++d_steps_done_;
}

// ---- G: descend g_loss(D(G(z))), e.g. -log D(G(z)) (non-saturating) or -E f(G(z)) ----------
void Run::generator_step(StepStats& s) {
  const int64_t n = config_.batch;
  const Tensor labels = random_labels(n);
  Frozen judge_only(*d_);  // D's parameters get no gradients here
  Variable fake = g_->generate(Variable(noise(n, rng_)), labels);  // recorded: G is trained
  Variable fake_out = judge(fake, labels);
  Variable loss = objective_.g_loss(fake_out);
  for (auto& hook : forward_hooks_) hook(*this, Phase::G, Variable(), fake_out);
  opt_g_->zero_grad();
  loss.backward();
  for (auto& hook : backward_hooks_) hook(*this, Phase::G, opt_g_->parameters());
  s.grad_norm_g = grad_norm(opt_g_->parameters());
  opt_g_->step();
  s.g_loss = loss.item();
}

StepStats Run::step() {
  const auto t0 = std::chrono::steady_clock::now();
  const double f = lr_factor(steps_);  // the schedule: rates held, then decayed linearly
  opt_d_->set_lr(config_.lr_d * f);
  opt_g_->set_lr(config_.lr_g * f);
  StepStats s;
  for (int64_t i = 0; i < objective_.d_steps; ++i) discriminator_step(s);
  generator_step(s);
  if (average_) ema_update(*average_, *g_, average_decay(steps_));  // avg <- d avg + (1 - d) G
  s.step = ++steps_;
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (auto& hook : step_hooks_) hook(*this, s);
  return s;
}

}  // namespace nash::gan
