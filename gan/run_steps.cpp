// The training step of gan::Run, Goodfellow et al. 2014, Algorithm 1, for any objective. Read
// discriminator_step, then generator_step: the D/G boundary is explicit — in D's step the fake
// batch is a plain tensor (G is not in D's graph, so G gets no gradient); in G's step D's
// parameters are frozen (D only judges, so only G's parameters get gradients).
//
// Sharded (gan/distributed.h), each step draws the whole batch, runs forward and backward once per
// local shard on that shard's rows with its loss scaled by rows / batch, and sums the shards'
// gradients (and BatchNorm statistics, and figures) in shard order before the optimiser steps.
// One shard is the plain step.
#include <chrono>
#include <cmath>

#include "gan/distributed.h"
#include "gan/run.h"
#include "nn/averaged.h"
#include "nn/optim/clip.h"
#include "tensor/ops.h"

namespace nash::gan {

namespace {
const std::vector<int> kOneShard{0};  // the one shard of a run without shards

// D's parameters frozen for a scope (nn::Frozen over the optimiser's list of them, which is
// d_->parameters(): walking the module tree would build names and sets every step).
class FrozenParams {
 public:
  explicit FrozenParams(const std::vector<Variable>& params) : params_(params) {
    flags_.reserve(params.size());
    for (const Variable& p : params_) {
      flags_.push_back(p.requires_grad());
      Variable(p).requires_grad_(false);
    }
  }
  ~FrozenParams() {
    for (size_t i = 0; i < params_.size(); ++i) Variable(params_[i]).requires_grad_(flags_[i] != 0);
  }
  FrozenParams(const FrozenParams&) = delete;
  FrozenParams& operator=(const FrozenParams&) = delete;

 private:
  const std::vector<Variable>& params_;
  SmallVector<uint8_t, 64> flags_;
};
}  // namespace


// D scores x [N, ...]; with PacGAN packing m it scores N/m packs [N/m, m * D] instead.
Variable Run::judge(const Variable& x, const Tensor& labels) {
  if (config_.pack == 1) return d_->score(x, labels);
  return d_->score(reshape(x, {x.size(0) / config_.pack, -1}), labels);
}

const std::vector<int>& Run::local_shards() const { return sharded() ? shards_->local() : kOneShard; }

// Rows [k m, (k + 1) m) of a batch (the batch itself unsharded; undefined stays undefined).
Tensor Run::shard_rows(const Tensor& t, int k) const {
  if (!sharded() || !t.defined()) return t;
  const int64_t m = config_.batch / shards_->shards();
  return t.narrow(0, k * m, m);
}

// Sums the local shards' vectors over all shards: the gradients of `params` go to their .grad,
// the buffers of G and D become their shard average, the figures their sum.
void Run::reduce_shards(const std::vector<std::vector<float>>& parts, const std::vector<Variable>& params,
                        std::vector<double>& figures) {
  unpack_shard_sum(shards_->sum(parts), shards_->shards(), params, float_buffers({g_.get(), d_.get()}),
                   figures);
}

// ---- D: descend d_loss(D(x), D(G(z))) [+ penalty] ------------------------------------------
// e.g. ns: -[log D(x) + log(1 - D(G(z)))];  wgan: E f(G(z)) - E f(x);  hinge: E relu(1 - D(x))
// + E relu(1 + D(G(z))). G's samples are drawn without a graph: G is not trained here.
void Run::discriminator_step(StepStats& s) {
  const int64_t n = config_.batch;
  NASH_CHECK(data_ != nullptr, "gan::Run: this run was opened for sampling only and has no training data");
  nn::Batch real = data_->next(n, rng_);  // the whole batch, whatever the shards
  const Tensor labels = config_.conditional() ? real.labels : Tensor();  // CGAN: D judges (x, y)
  const Tensor fake_labels = random_labels(n);
  const Tensor z = noise(n, rng_);
  // A penalty's per-sample draws (WGAN-GP's epsilons, 4 per Philox block) for shard k start
  // k m / 4 blocks on, so every shard draws its rows' values of the whole batch's draw.
  const uint64_t penalty_block = rng_.offset();
  uint64_t penalty_blocks = 0;  // what one shard's penalty drew
  const double weight = sharded() ? 1.0 / shards_->shards() : 1.0;  // rows / batch
  std::unique_ptr<ShardState> state;
  if (sharded()) state = std::make_unique<ShardState>(std::vector<nn::Module*>{g_.get(), d_.get()});
  std::vector<std::vector<float>> parts;
  std::vector<double> figures;
  bool penalised = false;
  Variable loss, real_out, fake_out;
  for (int k : local_shards()) {
    if (state) state->enter(k);
    const Tensor x = shard_rows(real.x, k), y = shard_rows(labels, k), fake_y = shard_rows(fake_labels, k);
    Tensor fake;
    {
      NoGradGuard no_grad;
      fake = g_->generate(Variable(shard_rows(z, k)), fake_y).value();  // x~ = G(z), detached
    }
    real_out = judge(Variable(x), y);
    fake_out = judge(Variable(fake), fake_y);
    loss = objective_.d_loss(real_out, fake_out);
    if (objective_.penalty) {  // e.g. WGAN-GP's lambda E (||grad f(x^)|| - 1)^2, R1's gamma/2 E ||grad D(x)||^2
      auto critic = [this, &y](const Variable& v) { return judge(v, y); };
      const uint64_t first = penalty_block + static_cast<uint64_t>(k * x.size(0) / 4);
      Rng draws;
      draws.set_state(rng_.seed(), first);
      PenaltyResult p = objective_.penalty(PenaltyInputs{critic, x, fake, d_steps_done_, draws});
      penalty_blocks = draws.offset() - first;
      if (p.penalty.defined()) {
        loss = loss + p.penalty;
        s.penalty = p.penalty.item();
        s.penalty_norm = p.mean_grad_norm;
        penalised = true;
      }
    }
    for (auto& hook : forward_hooks_) hook(*this, Phase::D, real_out, fake_out);
    opt_d_->zero_grad();
    (sharded() ? loss * weight : loss).backward();  // shards: their gradients add up to the batch's
    if (state) {
      StepStats f;
      objective_.report(real_out.value(), fake_out.value(), f);
      figures = {loss.item(), f.d_real, f.d_fake, f.wasserstein, s.penalty, s.penalty_norm};
      for (double& v : figures) v *= weight;  // batch means: the shards' weighted sum
      parts.push_back(pack_shard(opt_d_->parameters(), float_buffers({g_.get(), d_.get()}), figures));
    }
  }
  rng_.set_state(rng_.seed(), penalty_block + static_cast<uint64_t>(sharded() ? shards_->shards() : 1) * penalty_blocks);
  if (state) {
    state->leave();
    reduce_shards(parts, opt_d_->parameters(), figures);
  }
  for (auto& hook : backward_hooks_) hook(*this, Phase::D, opt_d_->parameters());
  s.grad_norm_d = nn::optim::grad_norm(opt_d_->parameters());
  opt_d_->step();
  if (objective_.after_d_step) objective_.after_d_step(*d_, s);  // e.g. WGAN's weight clipping

  if (state) {
    s.d_loss = figures[0];
    s.d_real = figures[1];
    s.d_fake = figures[2];
    s.wasserstein = figures[3];
    if (penalised) {
      s.penalty = figures[4];
      s.penalty_norm = figures[5];
    }
  } else {
    s.d_loss = loss.item();
    objective_.report(real_out.value(), fake_out.value(), s);
  }
  ++d_steps_done_;
}

// ---- G: descend g_loss(D(G(z))), e.g. -log D(G(z)) (non-saturating) or -E f(G(z)) ----------
void Run::generator_step(StepStats& s) {
  const int64_t n = config_.batch;
  const Tensor labels = random_labels(n);
  const Tensor z = noise(n, rng_);
  const double weight = sharded() ? 1.0 / shards_->shards() : 1.0;
  std::unique_ptr<ShardState> state;
  if (sharded()) state = std::make_unique<ShardState>(std::vector<nn::Module*>{g_.get(), d_.get()});
  std::vector<std::vector<float>> parts;
  std::vector<double> figures;
  FrozenParams judge_only(opt_d_->parameters());  // D's parameters get no gradients here
  Variable loss;
  for (int k : local_shards()) {
    if (state) state->enter(k);
    const Tensor y = shard_rows(labels, k);
    Variable fake = g_->generate(Variable(shard_rows(z, k)), y);  // recorded: G is trained
    Variable fake_out = judge(fake, y);
    loss = objective_.g_loss(fake_out);
    for (auto& hook : forward_hooks_) hook(*this, Phase::G, Variable(), fake_out);
    opt_g_->zero_grad();
    (sharded() ? loss * weight : loss).backward();
    if (state) {
      figures = {loss.item() * weight};
      parts.push_back(pack_shard(opt_g_->parameters(), float_buffers({g_.get(), d_.get()}), figures));
    }
  }
  if (state) {
    state->leave();
    reduce_shards(parts, opt_g_->parameters(), figures);
  }
  for (auto& hook : backward_hooks_) hook(*this, Phase::G, opt_g_->parameters());
  s.grad_norm_g = nn::optim::grad_norm(opt_g_->parameters());
  opt_g_->step();
  s.g_loss = state ? figures[0] : loss.item();
}

StepStats Run::step() {
  const auto t0 = std::chrono::steady_clock::now();
  const double f = lr_factor(steps_);  // the schedule: rates held, then decayed linearly
  opt_d_->set_lr(config_.lr_d * f);
  opt_g_->set_lr(config_.lr_g * f);
  StepStats s;
  for (int64_t i = 0; i < objective_.d_steps; ++i) discriminator_step(s);
  generator_step(s);
  if (average_) nn::ema_update(*average_, *g_, average_decay(steps_));  // avg <- d avg + (1 - d) G
  s.step = ++steps_;
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (auto& hook : step_hooks_) hook(*this, s);
  return s;
}

}  // namespace nash::gan
