// gan::Run's construction, sampling and state (see run.h; the training step is run_steps.cpp).
// A checkpoint is one safetensors file:
//   generator.*, discriminator.*, generator_ema.* (runs with a weight average)
//   optim_g.*, optim_d.*                       both optimisers' state and options
//   extra.fixed_noise [n, Z], extra.fixed_labels [n] (conditional runs)
//   metadata: config (JSON), step, d_steps (D steps done), rng ("seed offset" of the run's
//   stream), data (the source's position), dropout_rng ("seed offset;..." per Dropout layer),
//   shards (sharded runs only: N), nash_version
#include "gan/run.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <sstream>

#include "gan/seeds.h"
#include "nn/averaged.h"
#include "nn/checkpoint.h"
#include "nn/optim/scheduler.h"
#include "nn/layers/dropout.h"
#include "tensor/io/safetensors.h"
#include "tensor/ops.h"

#ifndef NASH_VERSION
#define NASH_VERSION "unknown"
#endif

namespace nash::gan {

namespace {
constexpr int64_t kGenerateChunk = 1000;

// How many fixed samples a grid shows: an 8x8 grid, 10 per class for CGAN, clouds for toys.
int64_t fixed_count(const RunConfig& c) {
  if (c.toy()) return c.data == "gaussian1d" ? 5000 : 2000;
  return c.conditional() ? 10 * c.num_classes : 64;
}

uint64_t parse_u64(const std::string& s, const std::string& what, const std::string& path) {
  uint64_t v = 0;
  int used = 0;
  NASH_CHECK(!s.empty() && s[0] != '-' && std::sscanf(s.c_str(), "%" SCNu64 "%n", &v, &used) == 1 &&
                 used == static_cast<int>(s.size()),
             path, ": metadata '", what, "' is not a non-negative integer: '", s, "'");
  return v;
}

std::pair<uint64_t, uint64_t> parse_pair(const std::string& s, const std::string& what,
                                         const std::string& path) {
  auto space = s.find(' ');
  NASH_CHECK(space != std::string::npos, path, ": metadata '", what, "' should be two integers, got '", s, "'");
  return {parse_u64(s.substr(0, space), what, path), parse_u64(s.substr(space + 1), what, path)};
}

const std::string& meta(const std::map<std::string, std::string>& m, const std::string& key,
                        const std::string& path) {
  auto it = m.find(key);
  NASH_CHECK(it != m.end(), path, ": not a nash training checkpoint (no '", key, "' metadata)");
  return it->second;
}

std::vector<nn::Dropout*> dropouts_of(const std::vector<std::pair<std::string, nn::Module*>>& modules) {
  std::vector<nn::Module*> ms;
  for (auto& [name, m] : modules) ms.push_back(m);
  return dropout_layers(ms);
}

std::unique_ptr<nn::optim::Optimizer> make_optimizer(const RunConfig& c, std::vector<Variable> params,
                                                     double lr) {
  if (c.optimizer == "rmsprop")
    return std::make_unique<nn::optim::RMSprop>(std::move(params), nn::optim::RMSpropOptions{.lr = lr});
  NASH_CHECK(c.optimizer == "adam", "gan::Run: unknown optimizer '", c.optimizer, "' (adam or rmsprop)");
  return std::make_unique<nn::optim::Adam>(
      std::move(params), nn::optim::AdamOptions{.lr = lr, .beta1 = c.beta1, .beta2 = c.beta2});
}
}  // namespace

Run::Run(RunConfig config) : config_(std::move(config)), rng_(config_.seed) {
  data_ = open_data(config_);  // image data completes the config (size, channels, classes)
  init(network_builder(config_));
}

Run::Run(RunConfig config, std::shared_ptr<DataSource> data)
    : config_(std::move(config)), data_(std::move(data)), rng_(config_.seed) {
  init(network_builder(config_));
}

Run::Run(RunConfig config, NetworkBuilder build, std::shared_ptr<DataSource> data)
    : config_(std::move(config)), data_(std::move(data)), rng_(config_.seed) {
  NASH_CHECK(build != nullptr, "gan::Run: no network builder given");
  init(std::move(build));
}

void Run::init(NetworkBuilder build) {
  validate(config_);
  objective_ = make_objective(config_);
  augment_ = parse_diff_augment(config_.diffaugment);
  augmenting_ = augment_.color || augment_.translation || augment_.cutout;
  Rng init(stream_seed(config_.seed, Stream::Init));
  Networks nets = build(init);
  NASH_CHECK(nets.g && nets.d, "gan::Run: the network builder returned no generator or discriminator");
  g_ = std::move(nets.g);
  d_ = std::move(nets.d);
  const bool conditional = config_.conditional();
  NASH_CHECK(conditional == (g_->num_classes > 0) && conditional == (d_->num_classes > 0),
             "gan::Run: model '", config_.model, "' needs ", conditional ? "conditional" : "unconditional",
             " networks; G has ", g_->num_classes, " classes and D ", d_->num_classes);
  NASH_CHECK(g_->noise_dim == config_.noise_dim, "gan::Run: G takes noise of ", g_->noise_dim,
             " dimensions, the config says ", config_.noise_dim);
  if (config_.ema > 0) {  // G's weight average, a copy of G at first
    Rng unused(stream_seed(config_.seed, Stream::Init));
    average_ = build(unused).g;
    NASH_CHECK(average_ != nullptr, "gan::Run: the network builder returned no generator");
    average_->requires_grad_(false);
    nn::copy_weights(*average_, *g_);
  }
  opt_g_ = make_optimizer(config_, g_->parameters(), config_.lr_g);
  opt_d_ = make_optimizer(config_, d_->parameters(), config_.lr_d);
  Rng fixed(stream_seed(config_.seed, Stream::FixedNoise));
  const int64_t n = fixed_count(config_);
  fixed_noise_ = noise(n, fixed);
  if (conditional) fixed_labels_ = class_blocks(n);
}

void Run::set_total_steps(int64_t steps) {
  NASH_CHECK(steps >= 1, "gan::Run: steps must be >= 1, got ", steps);
  config_.steps = steps;
}

void Run::set_shards(std::shared_ptr<ShardReducer> shards) {
  NASH_CHECK(shards != nullptr, "gan::Run: no shards given");
  const int64_t n = shards->shards(), b = config_.batch;
  NASH_CHECK(b % n == 0, "gan::Run: batch ", b, " does not split into ", n, " equal shards");
  const int64_t m = b / n;
  NASH_CHECK(m % config_.pack == 0, "gan::Run: a shard of ", m, " rows (batch ", b, " / ", n,
             " shards) is not a multiple of pack ", config_.pack);
  // A penalty draws one value per row, 4 per Philox block: a shard must start on a block.
  NASH_CHECK(n == 1 || !objective_.penalty || m % 4 == 0, "gan::Run: the ", objective_.name,
             " penalty needs shards of a multiple of 4 rows, got ", m, " (batch ", b, " / ", n, " shards)");
  shards_ = std::move(shards);
  lockstep_ = nullptr;  // its threads are per local shard
}

double Run::lr_factor(int64_t step) const {
  return nn::optim::linear_decay_factor(step, config_.steps, config_.decay_start, config_.lr_end);
}

Tensor Run::noise(int64_t n, Rng& rng) const {
  Shape shape{n, config_.noise_dim};
  return config_.noise == "uniform" ? uniform(shape, 0.0, 1.0, rng) : normal(shape, 0.0, 1.0, rng);
}

Tensor Run::random_labels(int64_t n) {
  return config_.conditional() ? randint({n}, 0, config_.num_classes, rng_) : Tensor();
}

Tensor Run::class_blocks(int64_t n) const {
  if (!config_.conditional()) return Tensor();
  const int64_t k = config_.num_classes;
  std::vector<int64_t> labels(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) labels[static_cast<size_t>(i)] = std::min(k - 1, i * k / n);
  return from_vector(labels, {n});
}

double Run::average_decay(int64_t step) const {
  const double t = static_cast<double>(step);
  return std::min(config_.ema, (1.0 + t) / (10.0 + t));
}

Tensor Run::generate(const Tensor& z, const Tensor& labels, bool from_average) const {
  Generator& g = from_average ? sampler() : *g_;
  const bool was_training = g.is_training();
  g.eval();
  NoGradGuard no_grad;
  std::vector<Tensor> parts;
  const int64_t n = z.size(0);
  try {
    for (int64_t start = 0; start < n; start += kGenerateChunk) {
      const int64_t len = std::min(kGenerateChunk, n - start);
      Tensor l = labels.defined() ? labels.narrow(0, start, len) : Tensor();
      parts.push_back(g.generate(Variable(z.narrow(0, start, len)), l).value());
    }
  } catch (...) {
    g.train(was_training);
    throw;
  }
  g.train(was_training);
  return parts.size() == 1 ? parts[0] : cat(parts, 0);
}

Tensor Run::evaluation_samples(int64_t n, const Tensor& labels) const {
  Rng eval(stream_seed(config_.seed, Stream::Eval));
  return generate(noise(n, eval), labels);
}

// ---- state ----------------------------------------------------------------------------------
std::vector<std::pair<std::string, nn::Module*>> Run::modules() const {
  std::vector<std::pair<std::string, nn::Module*>> m = {{"generator", g_.get()}, {"discriminator", d_.get()}};
  if (average_) m.emplace_back("generator_ema", average_.get());
  return m;
}

void Run::save(const std::string& path) const {
  nn::Checkpoint ck{.modules = modules(), .optimizers = {{"optim_g", opt_g_.get()}, {"optim_d", opt_d_.get()}}};
  ck.tensors.emplace_back("fixed_noise", fixed_noise_);
  if (fixed_labels_.defined()) ck.tensors.emplace_back("fixed_labels", fixed_labels_);
  ck.metadata["config"] = to_json(config_to_json(config_));
  ck.metadata["step"] = std::to_string(steps_);
  ck.metadata["d_steps"] = std::to_string(d_steps_done_);
  ck.metadata["rng"] = std::to_string(rng_.seed()) + " " + std::to_string(rng_.offset());
  ck.metadata["data"] = data_ ? data_->state() : "";
  std::ostringstream o;
  auto ds = dropouts_of(modules());
  for (size_t i = 0; i < ds.size(); ++i) o << (i ? ";" : "") << ds[i]->rng.seed() << " " << ds[i]->rng.offset();
  ck.metadata["dropout_rng"] = o.str();
  if (shards() > 1) ck.metadata["shards"] = std::to_string(shards());
  ck.metadata["nash_version"] = NASH_VERSION;
  nn::save_checkpoint(path, ck);
}

void Run::load(const std::string& path) {
  // Check the metadata before load_checkpoint changes the networks.
  SafetensorsFile file = load_safetensors(path);
  const auto& m = file.metadata;
  const int64_t step = static_cast<int64_t>(parse_u64(meta(m, "step", path), "step", path));
  const int64_t d_steps = static_cast<int64_t>(parse_u64(meta(m, "d_steps", path), "d_steps", path));
  NASH_CHECK(step <= 1000000000 && d_steps <= 1000 * step, path, ": step ", step, " or D steps ",
             d_steps, " out of range");
  auto [rng_seed, rng_offset] = parse_pair(meta(m, "rng", path), "rng", path);
  const std::string data_state = meta(m, "data", path);
  NASH_CHECK(file.contains("extra.fixed_noise") && file.get("extra.fixed_noise").shape() == fixed_noise_.shape(),
             path, ": missing or mis-shaped fixed noise (expected ", fixed_noise_.shape(), ")");
  std::vector<std::pair<uint64_t, uint64_t>> dropout;
  std::stringstream in(meta(m, "dropout_rng", path));
  for (std::string part; std::getline(in, part, ';');) dropout.push_back(parse_pair(part, "dropout_rng", path));
  const auto saved_shards = m.find("shards");
  const uint64_t written_by = saved_shards == m.end() ? 1 : parse_u64(saved_shards->second, "shards", path);
  NASH_CHECK(written_by == static_cast<uint64_t>(shards()), path, ": the run was trained in ", written_by,
             " shard", written_by == 1 ? "" : "s", " and this one has ", shards(),
             " (mpirun -np, --shards): BatchNorm and Dropout see each shard apart, so it continues"
             " exactly only with ", written_by);
  auto ds = dropouts_of(modules());
  NASH_CHECK(dropout.size() == ds.size(), path, ": the checkpoint has ", dropout.size(),
             " dropout streams, the networks have ", ds.size());
  if (data_) {  // a dry run: restore checks before it moves, and the old position is put back
    const std::string before = data_->state();
    data_->restore(data_state.empty() ? before : data_state, path);
    data_->restore(before, path);
  }

  nn::Checkpoint ck{.modules = modules(), .optimizers = {{"optim_g", opt_g_.get()}, {"optim_d", opt_d_.get()}}};
  nn::load_checkpoint(path, ck);
  for (size_t i = 0; i < ds.size(); ++i) ds[i]->rng.set_state(dropout[i].first, dropout[i].second);
  for (auto& [name, tensor] : ck.tensors) {
    if (name == "fixed_noise") fixed_noise_ = tensor;
    if (name == "fixed_labels") fixed_labels_ = tensor;
  }
  rng_.set_state(rng_seed, rng_offset);
  steps_ = step;
  d_steps_done_ = d_steps;
  if (data_ && !data_state.empty()) data_->restore(data_state, path);
}

CheckpointInfo Run::read_info(const std::string& path) {
  SafetensorsFile file = load_safetensors(path);
  CheckpointInfo info;
  const std::string& config = meta(file.metadata, "config", path);
  try {
    info.config = config_from_json(parse_json(config));
  } catch (const Error& e) {
    fail(path, ": bad run configuration in the checkpoint: ", e.what());
  }
  info.step = static_cast<int64_t>(parse_u64(meta(file.metadata, "step", path), "step", path));
  return info;
}

}  // namespace nash::gan
