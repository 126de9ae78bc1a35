// The training step of gan::Run, Goodfellow et al. 2014, Algorithm 1, for any objective. Read
// discriminator_step, then generator_step: the D/G boundary is explicit — in D's step the fake
// batch is a plain tensor (G is not in D's graph, so G gets no gradient); in G's step D's
// parameters are frozen (D only judges, so only G's parameters get gradients).
//
// DiffAugment (config.diffaugment) sits between the images and D: D(T(x)) and D(T(G(z))) in D's
// step, D(T(G(z))) in G's, T differentiable so G's gradient passes through it.
//
// Sharded (gan/distributed.h), each step draws the whole batch, runs forward and backward once per
// local shard on that shard's rows with its loss scaled by rows / batch, and sums the shards'
// gradients (and BatchNorm statistics, and figures) in shard order before the optimiser steps.
// One shard is the plain step. Synchronised BatchNorm makes every BatchNorm layer a meeting point
// of the shards (for_each_shard); gradient buckets start the sum while backward still runs.
#include <chrono>
#include <cmath>
#include <functional>
#include <optional>

#include "gan/distributed.h"
#include "gan/lockstep.h"
#include "gan/run.h"
#include "gan/seeds.h"
#include "nn/averaged.h"
#include "nn/layers/batchnorm.h"
#include "nn/layers/shard_rows.h"
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

// DiffAugment's draws for one D or G step on one shard: a stream of their own (Stream::Augment),
// keyed by the count of steps of that kind before it (saved in checkpoints), so a resumed run
// draws exactly what the whole run would have, with no generator state to save. Each shard
// draws its own rows' transformations, so a sharded run is repeatable for its shard count.
Rng Run::augment_draws(Phase phase, int shard) const {
  const uint64_t count = static_cast<uint64_t>(phase == Phase::D ? d_steps_done_ : steps_);
  const uint64_t key = 2 * count + (phase == Phase::G ? 1 : 0);
  Rng draws(stream_seed(stream_seed(config_.seed, Stream::Augment) + key, Stream::Augment));
  draws.set_state(draws.seed(), static_cast<uint64_t>(shard) << 40);  // 2^40 blocks a shard
  return draws;
}

Variable Run::augment(const Variable& x, Rng& draws) const {
  return augmenting_ ? diff_augment(x, augment_, draws) : x;
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

void Run::for_each_shard(ShardState* state, const std::function<void(int, size_t)>& body) {
  const std::vector<int>& local = local_shards();
  if (!sync_batchnorm() || local.size() == 1) {
    // One after another; a synchronised BatchNorm of one local shard sums with the reducer at once.
    std::optional<nn::BatchNormSync> sync;
    if (sync_batchnorm())
      sync.emplace(shards(), [this](const Tensor& part) {
        return from_float_values(shards_->sum({float_values(part)}), part.shape());
      });
    for (size_t i = 0; i < local.size(); ++i) {
      if (state) state->enter(i);
      std::optional<nn::ShardRows> rows;
      if (sync_batchnorm()) rows.emplace(local[i], shards());
      body(local[i], i);
      if (state) state->leave(i);
    }
    return;
  }
  if (!lockstep_) lockstep_ = std::make_shared<Lockstep>(local.size());
  Lockstep& lockstep = *lockstep_;
  lockstep.run(
      [&](size_t i) {
        nn::BatchNormSync sync(shards(), [&lockstep, i](const Tensor& part) {
          return from_float_values(lockstep.meet(i, float_values(part)), part.shape());
        });
        nn::ShardRows rows(local[i], shards());
        body(local[i], i);
      },
      [this](const std::vector<std::vector<float>>& parts) { return shards_->sum(parts); },
      [state](size_t i) { state->enter(i); }, [state](size_t i) { state->leave(i); });
}

std::unique_ptr<GradientBuckets> Run::gradient_buckets(const std::vector<Variable>& params) const {
  if (!sharded() || shards_->local().size() != 1 || shards_->bucket_bytes() == 0) return nullptr;
  return std::make_unique<GradientBuckets>(*shards_, params, shards_->bucket_bytes());
}

namespace {
// backward() of a shard's loss; with buckets, their sums start as the gradients become final.
void backward_into(const Variable& loss, GradientBuckets* buckets) {
  if (!buckets) {
    loss.backward();
    return;
  }
  {
    LeafGradListener listen([buckets](const Variable& leaf) { buckets->ready(leaf); });
    loss.backward();
  }
  buckets->flush();
}
}  // namespace

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
  if (sharded()) state = std::make_unique<ShardState>(std::vector<nn::Module*>{g_.get(), d_.get()}, local_shards(),
                                         sync_batchnorm());
  std::unique_ptr<GradientBuckets> buckets = gradient_buckets(opt_d_->parameters());
  std::vector<std::vector<float>> parts(state ? local_shards().size() : 0);  // shards' packed gradients
  std::vector<double> figures;
  bool penalised = false;
  Variable loss, real_out, fake_out;  // unsharded: for the figures
  auto shard_step = [&](int k, size_t i) {
    const Tensor x = shard_rows(real.x, k), y = shard_rows(labels, k), fake_y = shard_rows(fake_labels, k);
    Tensor fake;
    {
      NoGradGuard no_grad;
      fake = g_->generate(Variable(shard_rows(z, k)), fake_y).value();  // x~ = G(z), detached
    }
    // DiffAugment T (or none): D judges T(x) and T(x~); a penalty is taken at those images too.
    Rng augment_rng = augment_draws(Phase::D, k);
    const Variable real_in = augment(Variable(x), augment_rng), fake_in = augment(Variable(fake), augment_rng);
    Variable r = judge(real_in, y), f = judge(fake_in, fake_y);
    Variable l = objective_.d_loss(r, f);
    double penalty = s.penalty, penalty_norm = s.penalty_norm;
    if (objective_.penalty) {  // e.g. WGAN-GP's lambda E (||grad f(x^)|| - 1)^2, R1's gamma/2 E ||grad D(x)||^2
      auto critic = [this, &y](const Variable& v) { return judge(v, y); };
      const uint64_t first = penalty_block + static_cast<uint64_t>(k * x.size(0) / 4);
      Rng draws;
      draws.set_state(rng_.seed(), first);
      PenaltyResult p = objective_.penalty(
          PenaltyInputs{critic, real_in.value(), fake_in.value(), d_steps_done_, draws});
      penalty_blocks = draws.offset() - first;
      if (p.penalty.defined()) {
        l = l + p.penalty;
        penalty = p.penalty.item();
        penalty_norm = p.mean_grad_norm;
        penalised = true;
      }
    }
    for (auto& hook : forward_hooks_) hook(*this, Phase::D, r, f);
    opt_d_->zero_grad();
    backward_into(sharded() ? l * weight : l, buckets.get());  // shards: their gradients add up to the batch's
    if (!state) {
      loss = l;
      real_out = r;
      fake_out = f;
      s.penalty = penalty;
      s.penalty_norm = penalty_norm;
      return;
    }
    StepStats o;
    objective_.report(r.value(), f.value(), o);
    std::vector<double> mine{l.item(), o.d_real, o.d_fake, o.wasserstein, penalty, penalty_norm};
    for (double& v : mine) v *= weight;  // batch means: the shards' weighted sum
    figures = mine;
    parts[i] = pack_shard(buckets ? std::vector<Variable>{} : opt_d_->parameters(),
                          float_buffers({g_.get(), d_.get()}), mine);
  };
  for_each_shard(state.get(), std::ref(shard_step));  // by reference: no copy on the heap
  rng_.set_state(rng_.seed(), penalty_block + static_cast<uint64_t>(sharded() ? shards_->shards() : 1) * penalty_blocks);
  if (state) {
    state->finish();
    if (buckets) buckets->finish();
    reduce_shards(parts, buckets ? std::vector<Variable>{} : opt_d_->parameters(), figures);
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
  if (sharded()) state = std::make_unique<ShardState>(std::vector<nn::Module*>{g_.get(), d_.get()}, local_shards(),
                                         sync_batchnorm());
  std::unique_ptr<GradientBuckets> buckets = gradient_buckets(opt_g_->parameters());
  std::vector<std::vector<float>> parts(state ? local_shards().size() : 0);  // shards' packed gradients
  std::vector<double> figures;
  FrozenParams judge_only(opt_d_->parameters());  // D's parameters get no gradients here
  Variable loss;
  auto shard_step = [&](int k, size_t i) {
    const Tensor y = shard_rows(labels, k);
    Variable fake = g_->generate(Variable(shard_rows(z, k)), y);  // recorded: G is trained
    Rng augment_rng = augment_draws(Phase::G, k);
    Variable fake_out = judge(augment(fake, augment_rng), y);  // D(T(G(z))): T passes G's gradient
    Variable l = objective_.g_loss(fake_out);
    for (auto& hook : forward_hooks_) hook(*this, Phase::G, Variable(), fake_out);
    opt_g_->zero_grad();
    backward_into(sharded() ? l * weight : l, buckets.get());
    if (!state) {
      loss = l;
      return;
    }
    figures = {l.item() * weight};
    parts[i] = pack_shard(buckets ? std::vector<Variable>{} : opt_g_->parameters(),
                          float_buffers({g_.get(), d_.get()}), figures);
  };
  for_each_shard(state.get(), std::ref(shard_step));  // by reference: no copy on the heap
  if (state) {
    state->finish();
    if (buckets) buckets->finish();
    reduce_shards(parts, buckets ? std::vector<Variable>{} : opt_g_->parameters(), figures);
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
