// gan::Run: one GAN training run — G, D, the objective, both optimisers, the data, the
// learning-rate schedule, G's weight average, the seeds — and its complete state, saved and
// loaded so that a resumed run continues bit for bit. Every program in nash trains through it.
//
// One step is Goodfellow et al.'s Algorithm 1 for any objective (gan/objective.h):
//   for d_steps:  D descends d_loss(D(x), D(G(z))) [+ penalty], G's samples detached
//   once:         G descends g_loss(D(G(z))), D's parameters frozen
// then G's weight average moves towards G. With config.diffaugment every image D sees, real or
// fake, in either step, first goes through DiffAugment T: D(T(x)), D(T(G(z))). The steps are in
// gan/run_steps.cpp.
//
//   gan::RunConfig c = gan::default_config("ring", "");
//   gan::Run run(c);
//   run.on_step([](gan::Run& r, const gan::StepStats& s) { if (s.step % 1000 == 0) ...; });
//   while (!run.done()) run.step();
//   run.save("ring.safetensors");
//
// Your own networks (e.g. a D with a layer you wrote) go in through a NetworkBuilder:
//   gan::Run run(c, [](Rng& init) { return gan::Networks{my_g(init), my_d(init)}; },
//                gan::toy_source("ring"));
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gan/data/source.h"
#include "gan/diffaugment.h"
#include "gan/distributed.h"
#include "gan/objective.h"
#include "gan/run_config.h"
#include "gan/zoo.h"
#include "nn/optim.h"

namespace nash::gan {

class Lockstep;

// What a checkpoint holds besides the tensors, read and validated before anything is loaded.
struct CheckpointInfo {
  RunConfig config;
  int64_t step = 0;
};

class Run {
 public:
  enum class Phase { D, G };
  // After a step's forward: D's outputs on the real batch (undefined in G's step) and on fakes
  // (sharded: once per local shard, with that shard's outputs).
  using ForwardHook = std::function<void(Run&, Phase, const Variable& real_out, const Variable& fake_out)>;
  // After backward, before the optimiser step: the network's parameters hold their gradients
  // (sharded: the sum over all shards, gan/distributed.h, which the run reduces just before).
  using BackwardHook = std::function<void(Run&, Phase, const std::vector<Variable>& params)>;
  // After a whole G step (its D steps included) and the weight average's update.
  using StepHook = std::function<void(Run&, const StepStats&)>;

  // The networks of the configuration (gan/zoo.h) on its data (gan/data/source.h).
  explicit Run(RunConfig config);
  // Given data: nullptr opens a run for sampling only (a step then throws).
  Run(RunConfig config, std::shared_ptr<DataSource> data);
  // Your own networks and data.
  Run(RunConfig config, NetworkBuilder build, std::shared_ptr<DataSource> data);

  StepStats step();  // d_steps D steps, one G step, the schedule and the weight average
  bool done() const { return steps_ >= config_.steps; }
  int64_t steps_done() const { return steps_; }
  // A run continued past its planned end (the schedule follows the new total).
  void set_total_steps(int64_t steps);
  // Data parallel (gan/distributed.h): every batch split into shards->shards() shards, this
  // process computing shards->local(). Before load() and step(); throws when the batch (or a
  // shard, for the packing and the penalty's draws) does not divide.
  void set_shards(std::shared_ptr<ShardReducer> shards);
  int shards() const { return shards_ ? shards_->shards() : 1; }

  void on_forward(ForwardHook hook) { forward_hooks_.push_back(std::move(hook)); }
  void on_backward(BackwardHook hook) { backward_hooks_.push_back(std::move(hook)); }
  void on_step(StepHook hook) { step_hooks_.push_back(std::move(hook)); }

  const RunConfig& config() const { return config_; }
  const Objective& objective() const { return objective_; }
  Generator& generator() const { return *g_; }
  Discriminator& discriminator() const { return *d_; }
  // The network samples come from by default: G's weight average (config.ema > 0), else G.
  Generator& sampler() const { return average_ ? *average_ : *g_; }
  bool has_average() const { return average_ != nullptr; }
  // The decay the average moved with at a step: min(ema, (1 + t) / (10 + t)), so that early on
  // (t small) the average follows G instead of holding on to G's random initial weights.
  double average_decay(int64_t step) const;
  nn::optim::Optimizer& g_optimizer() const { return *opt_g_; }
  nn::optim::Optimizer& d_optimizer() const { return *opt_d_; }
  Rng& rng() { return rng_; }
  // The learning-rate factor (of the configured rates) at a step: the schedule.
  double lr_factor(int64_t step) const;

  // ---- sampling ---------------------------------------------------------------------------
  Tensor noise(int64_t n, Rng& rng) const;  // z [n, Z] of the configured kind
  // Labels for n samples, class by class in equal blocks (row r of a K-row grid is class r).
  // Undefined for unconditional runs.
  Tensor class_blocks(int64_t n) const;
  // Samples [n, ...] in eval mode (BatchNorm on running statistics, so a sample does not depend
  // on its batch), without a graph, in chunks so any n fits: from sampler(), or from G itself
  // when from_average is false.
  Tensor generate(const Tensor& z, const Tensor& labels, bool from_average = true) const;
  // n samples from a stream of their own (Stream::Eval): the same at every call.
  Tensor evaluation_samples(int64_t n, const Tensor& labels = Tensor()) const;
  // The fixed batch the sample grids are drawn from (labels undefined unless conditional).
  const Tensor& fixed_noise() const { return fixed_noise_; }
  const Tensor& fixed_labels() const { return fixed_labels_; }

  // ---- state ------------------------------------------------------------------------------
  // One safetensors file, written atomically; nothing time-dependent, so the same training
  // gives byte-identical files.
  void save(const std::string& path) const;
  // Validates the whole file against this run first; changes nothing on error.
  void load(const std::string& path);
  static CheckpointInfo read_info(const std::string& path);

 private:
  void init(NetworkBuilder build);
  void discriminator_step(StepStats& s);
  void generator_step(StepStats& s);
  Variable judge(const Variable& x, const Tensor& labels);  // D(x), PacGAN-packed
  Rng augment_draws(Phase phase, int shard) const;           // DiffAugment's draws for this step
  Variable augment(const Variable& x, Rng& draws) const;     // x through DiffAugment (or x)
  Tensor random_labels(int64_t n);
  bool sharded() const { return shards() > 1; }
  const std::vector<int>& local_shards() const;
  Tensor shard_rows(const Tensor& t, int shard) const;
  void reduce_shards(const std::vector<std::vector<float>>& parts, const std::vector<Variable>& params,
                     std::vector<double>& figures);
  bool sync_batchnorm() const { return sharded() && config_.sync_batchnorm; }
  // body(shard, i) for each local shard i, in its ShardState (null: unsharded); in lock step
  // when synchronised BatchNorm has several local shards meet at each layer.
  void for_each_shard(ShardState* state, const std::function<void(int, size_t)>& body);
  // Gradient buckets summed while backward runs (one local shard, a reducer with buckets), or null.
  std::unique_ptr<GradientBuckets> gradient_buckets(const std::vector<Variable>& params) const;
  std::vector<std::pair<std::string, nn::Module*>> modules() const;

  RunConfig config_;
  Objective objective_;
  std::shared_ptr<DataSource> data_;
  std::shared_ptr<Generator> g_, average_;
  std::shared_ptr<Discriminator> d_;
  std::unique_ptr<nn::optim::Optimizer> opt_g_, opt_d_;
  std::shared_ptr<ShardReducer> shards_;  // null: one shard
  std::shared_ptr<Lockstep> lockstep_;    // synchronised BatchNorm with several local shards
  DiffAugmentOptions augment_;            // from config.diffaugment
  bool augmenting_ = false;               // any transformation on
  Rng rng_;
  int64_t steps_ = 0;
  int64_t d_steps_done_ = 0;  // D steps so far: lazy regularisers count them
  Tensor fixed_noise_, fixed_labels_;
  std::vector<ForwardHook> forward_hooks_;
  std::vector<BackwardHook> backward_hooks_;
  std::vector<StepHook> step_hooks_;
};

}  // namespace nash::gan
