// Training sessions and their checkpoints (see session.h). A checkpoint is one safetensors file:
//   generator.*, discriminator.*, generator_ema.* (runs with a weight average, --ema > 0)
//   optim_g.*, optim_d.*                       both optimisers' state and options
//   extra.fixed_noise [n, Z], extra.fixed_labels [n] (CGAN)
//   metadata: config (JSON), step, rng ("seed offset" of the Trainer's stream), loader
//   ("epoch position", image runs), dropout_rng ("seed offset;..." per Dropout layer), nash_version
// Nothing time-dependent goes in, so the same training gives byte-identical files.
#include "gan/cli/session.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <sstream>

#include "nn/checkpoint.h"
#include "tensor/io/safetensors.h"
#include "tensor/ops.h"
#include "tensor/random.h"

#ifndef NASH_VERSION
#define NASH_VERSION "unknown"
#endif

namespace nash::cli {

namespace {
constexpr int64_t kGenerateChunk = 1000;

// Independent streams of one seed: network initialisation, data order, fixed noise.
uint64_t stream_seed(uint64_t seed, uint64_t stream) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * (stream + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
enum : uint64_t { kInitStream = 1, kLoaderStream = 2, kFixedNoiseStream = 3 };

// How many fixed samples a grid shows: an 8x8 grid, 10 per class for CGAN, clouds for toys.
int64_t fixed_count(const RunConfig& c) {
  if (c.toy()) return c.data == "gaussian1d" ? 5000 : 2000;
  return c.conditional() ? 10 * c.num_classes : 64;
}

uint64_t parse_u64(const std::string& s, const std::string& what, const std::string& path) {
  uint64_t v = 0;
  int used = 0;
  NASH_CHECK(!s.empty() && std::sscanf(s.c_str(), "%" SCNu64 "%n", &v, &used) == 1 &&
                 used == static_cast<int>(s.size()) && s[0] != '-',
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

void collect_dropouts(nn::Module& m, std::vector<nn::Dropout*>& out) {
  if (auto* d = dynamic_cast<nn::Dropout*>(&m)) out.push_back(d);
  for (auto& [name, child] : m.named_children()) collect_dropouts(*child, out);
}

nn::Batch no_data(int64_t, Rng&) {
  fail("nash: this session was opened for sampling only and has no training data");
}
}  // namespace

CheckpointInfo read_checkpoint_info(const std::string& path) {
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

MnistSplit load_training_images(RunConfig& c) {
  MnistSplit split = load_mnist(c.data_dir, /*train=*/true);
  const Shape& s = split.images.shape();  // [N, 1, H, W]
  NASH_CHECK(s[2] == s[3], c.data_dir, ": images are ", s[2], "x", s[3], "; nash trains on square images");
  if (c.model == "dcgan") {
    NASH_CHECK(s[2] % 4 == 0 && s[2] >= 8, c.data_dir, ": DCGAN needs an image size that is a multiple"
               " of 4, got ", s[2]);
  } else {
    NASH_CHECK(s[2] == 28, c.data_dir, ": the MLP networks of --model ", c.model,
               " need 28x28 images, got ", s[2], "x", s[3], " (use --model dcgan)");
  }
  NASH_CHECK(s[0] >= c.train().batch_size, c.data_dir, ": ", s[0], " images are fewer than one batch of ",
             c.train().batch_size);
  c.image_size = s[2];
  c.num_classes = 10;
  return split;
}

MnistSplit load_reference_images(const RunConfig& c) {
  try {
    return load_mnist(c.data_dir, /*train=*/false);
  } catch (const Error&) {
    return load_mnist(c.data_dir, /*train=*/true);
  }
}

Session::Session(const RunConfig& config, const MnistSplit* data) : config_(config) {
  const uint64_t seed = config_.seed;
  config_.preset.train.seed = seed;
  if (config_.toy()) {
    toy_ = std::make_unique<gan::ToyRun>(config_.preset, seed, config_.preset.steps);
  } else {
    Rng init(stream_seed(seed, kInitStream));
    const int64_t z = config_.preset.noise_dim, k = config_.conditional() ? config_.num_classes : 0;
    std::shared_ptr<gan::Generator> g;
    std::shared_ptr<gan::Discriminator> d;
    if (config_.model == "dcgan") {
      g = gan::make_dcgan_generator(z, config_.image_size, init);
      d = gan::make_dcgan_discriminator(config_.image_size, /*batch_norm=*/true, init);
    } else {
      g = gan::make_mlp_generator(z, k, init);
      d = gan::make_mlp_discriminator(k, init);
    }
    gan::Sampler real = no_data;
    if (data) {
      loader_ = std::make_shared<nn::DataLoader>(
          data->images, k > 0 ? data->labels : Tensor(),
          nn::DataLoaderOptions{.batch_size = config_.train().batch_size, .shuffle = true,
                                .seed = stream_seed(seed, kLoaderStream), .drop_last = true});
      real = gan::loader_sampler(loader_);
    }
    trainer_ = std::make_unique<gan::Trainer>(g, d, real, config_.train());
    if (config_.preset.ema > 0) {  // the weight average samples are drawn from, a copy of G at first
      Rng unused(stream_seed(seed, kInitStream));
      average_ = gan::start_average(config_.model == "dcgan"
                                        ? gan::make_dcgan_generator(z, config_.image_size, unused)
                                        : gan::make_mlp_generator(z, k, unused),
                                    *g);
    }
  }
  Rng fixed(stream_seed(seed, kFixedNoiseStream));
  const int64_t n = fixed_count(config_);
  fixed_noise_ = noise(n, fixed);
  if (config_.conditional()) fixed_labels_ = class_blocks(n);
}

gan::Trainer& Session::trainer() const { return toy_ ? toy_->trainer() : *trainer_; }
double Session::lr_d() const { return trainer().d_optimizer().lr(); }
double Session::lr_g() const { return trainer().g_optimizer().lr(); }

gan::StepStats Session::step() {
  if (toy_) return toy_->step();
  return gan::scheduled_step(*trainer_, config_.preset, config_.preset.steps, average_.get());
}

gan::Generator& Session::sampler() const {
  if (toy_) return toy_->sampler();
  return average_ ? *average_ : trainer_->generator();
}

Tensor Session::noise(int64_t n, Rng& rng) const {
  Shape shape{n, config_.preset.noise_dim};
  return config_.train().noise == gan::Noise::Normal ? normal(shape, 0.0, 1.0, rng)
                                                     : uniform(shape, 0.0, 1.0, rng);
}

Tensor Session::class_blocks(int64_t n) const {
  const int64_t k = config_.num_classes;
  std::vector<int64_t> labels(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) labels[static_cast<size_t>(i)] = std::min(k - 1, i * k / n);
  return from_vector(labels, {n});
}

Tensor Session::generate(const Tensor& z, const Tensor& labels) const {
  gan::Generator& g = sampler();
  const bool was_training = g.is_training();
  g.eval();  // BatchNorm uses its running statistics: a sample does not depend on its batch
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

std::vector<std::pair<std::string, nn::Module*>> Session::modules() const {
  std::vector<std::pair<std::string, nn::Module*>> m = {{"generator", &trainer().generator()},
                                                       {"discriminator", &trainer().discriminator()}};
  if (&sampler() != &trainer().generator()) m.emplace_back("generator_ema", &sampler());
  return m;
}

std::vector<nn::Dropout*> Session::dropouts() const {
  std::vector<nn::Dropout*> ds;
  for (auto& [name, m] : modules()) collect_dropouts(*m, ds);
  return ds;
}

std::string Session::dropout_state() const {
  std::ostringstream o;
  auto ds = dropouts();
  for (size_t i = 0; i < ds.size(); ++i)
    o << (i ? ";" : "") << ds[i]->rng.seed() << " " << ds[i]->rng.offset();
  return o.str();
}

std::vector<std::pair<uint64_t, uint64_t>> Session::parse_dropout_state(const std::string& text,
                                                                        const std::string& path) const {
  std::vector<std::pair<uint64_t, uint64_t>> states;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ';');) states.push_back(parse_pair(part, "dropout_rng", path));
  NASH_CHECK(states.size() == dropouts().size(), path, ": the checkpoint has ", states.size(),
             " dropout streams, the networks have ", dropouts().size());
  return states;
}

void Session::save(const std::string& path) const {
  gan::Trainer& t = trainer();
  nn::Checkpoint ck{.modules = modules(),
                    .optimizers = {{"optim_g", &t.g_optimizer()}, {"optim_d", &t.d_optimizer()}}};
  ck.tensors.emplace_back("fixed_noise", fixed_noise_);
  if (fixed_labels_.defined()) ck.tensors.emplace_back("fixed_labels", fixed_labels_);
  ck.metadata["config"] = to_json(config_to_json(config_));
  ck.metadata["step"] = std::to_string(t.steps_done());
  ck.metadata["rng"] = std::to_string(t.rng().seed()) + " " + std::to_string(t.rng().offset());
  if (loader_)
    ck.metadata["loader"] = std::to_string(loader_->epoch()) + " " + std::to_string(loader_->position());
  ck.metadata["dropout_rng"] = dropout_state();
  ck.metadata["nash_version"] = NASH_VERSION;
  nn::save_checkpoint(path, ck);
}

void Session::load(const std::string& path) {
  gan::Trainer& t = trainer();
  // Check the metadata before load_checkpoint changes the networks.
  SafetensorsFile file = load_safetensors(path);
  const auto& m = file.metadata;
  const int64_t step = static_cast<int64_t>(parse_u64(meta(m, "step", path), "step", path));
  auto [rng_seed, rng_offset] = parse_pair(meta(m, "rng", path), "rng", path);
  std::pair<uint64_t, uint64_t> position{0, 0};
  if (loader_) {
    position = parse_pair(meta(m, "loader", path), "loader", path);
    NASH_CHECK(static_cast<int64_t>(position.second) <= loader_->batches_per_epoch(), path,
               ": data loader position ", position.second, " is past an epoch of ",
               loader_->batches_per_epoch(), " batches (was the data set changed?)");
  }
  NASH_CHECK(file.contains("extra.fixed_noise") &&
                 file.get("extra.fixed_noise").shape() == fixed_noise_.shape(),
             path, ": missing or mis-shaped fixed noise (expected ", fixed_noise_.shape(), ")");
  const auto dropout = parse_dropout_state(meta(m, "dropout_rng", path), path);

  nn::Checkpoint ck{.modules = modules(),
                    .optimizers = {{"optim_g", &t.g_optimizer()}, {"optim_d", &t.d_optimizer()}}};
  nn::load_checkpoint(path, ck);
  auto ds = dropouts();
  for (size_t i = 0; i < ds.size(); ++i) ds[i]->rng.set_state(dropout[i].first, dropout[i].second);
  for (auto& [name, tensor] : ck.tensors) {
    if (name == "fixed_noise") fixed_noise_ = tensor;
    if (name == "fixed_labels") fixed_labels_ = tensor;
  }
  t.rng().set_state(rng_seed, rng_offset);
  t.set_steps_done(step);
  if (loader_) loader_->restore(static_cast<int64_t>(position.first), static_cast<int64_t>(position.second));
}

}  // namespace nash::cli
