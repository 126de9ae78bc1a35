// The GAN training steps. Read discriminator_step, critic_step and generator_step in order: the
// D/G boundary is explicit — in D's step the fake batch is detached, so G gets no gradient; in
// G's step D's parameters are frozen, so only G's parameters get gradients.
#include "gan/trainer.h"

#include <chrono>
#include <cmath>

#include "tensor/ops.h"

namespace nash::gan {

const char* family_name(Family family) {
  switch (family) {
    case Family::Gan: return "gan";
    case Family::Cgan: return "cgan";
    case Family::Wgan: return "wgan";
    case Family::WganGp: return "wgan-gp";
  }
  return "?";
}

Family parse_family(const std::string& name) {
  for (Family f : {Family::Gan, Family::Cgan, Family::Wgan, Family::WganGp})
    if (name == family_name(f)) return f;
  fail("unknown GAN family '", name, "' (expected gan, cgan, wgan or wgan-gp)");
}

TrainConfig TrainConfig::defaults(Family family) {
  TrainConfig c;
  c.family = family;
  if (family == Family::Wgan) {
    c.lr_d = c.lr_g = 5e-5;  // RMSprop
  } else if (family == Family::WganGp) {
    c.lr_d = c.lr_g = 1e-4;
    c.beta1 = 0.0;
    c.beta2 = 0.9;
  }
  return c;
}

double linear_decay_factor(int64_t step, int64_t total, double decay_start, double end) {
  NASH_CHECK(decay_start >= 0 && decay_start <= 1 && end >= 0,
             "linear_decay_factor: decay_start must be in [0, 1] and end >= 0, got ", decay_start,
             " and ", end);
  const double start = decay_start * static_cast<double>(total);
  if (step < start || total <= start) return 1.0;
  const double t = (step - start) / (total - start);  // 0 at the decay's start, 1 at the end
  return 1.0 + t * (end - 1.0);
}

namespace {
// avg <- decay * avg + (1 - decay) * model for every parameter (a plain copy at decay 0); buffers
// copied. `op` names the caller in errors.
void blend_into(nn::Module& avg, const nn::Module& model, double decay, const char* op) {
  auto w = model.parameters(), a = avg.parameters();
  auto wb = model.named_buffers(), ab = avg.named_buffers();
  NASH_CHECK(w.size() == a.size() && wb.size() == ab.size(), op, ": the average has ", a.size(),
             " parameters and ", ab.size(), " buffers, the model ", w.size(), " and ", wb.size());
  NoGradGuard no_grad;
  for (size_t i = 0; i < w.size(); ++i) {
    NASH_CHECK(a[i].shape() == w[i].shape(), op, ": parameter ", i, " is ", a[i].shape(),
               " in the average but ", w[i].shape(), " in the model");
    Tensor& t = a[i].mutable_value();
    if (decay == 0) {
      copy_(t, w[i].value());
    } else {
      mul_(t, decay);
      add_(t, mul(w[i].value(), 1.0 - decay));
    }
  }
  for (size_t i = 0; i < wb.size(); ++i) copy_(ab[i].second, wb[i].second);
}
}  // namespace

void ema_update(nn::Module& avg, const nn::Module& model, double decay) {
  NASH_CHECK(decay >= 0 && decay < 1, "ema_update: decay must be in [0, 1), got ", decay);
  blend_into(avg, model, decay, "ema_update");
}

std::shared_ptr<Generator> start_average(std::shared_ptr<Generator> blank,
                                            const Generator& model) {
  NASH_CHECK(blank != nullptr, "start_average: no network given for the average");
  blank->requires_grad_(false);
  blend_into(*blank, model, 0.0, "start_average");
  return blank;
}

Sampler toy_sampler(const ToyData& data) {
  return [data](int64_t n, Rng& rng) { return nn::Batch{data.sample(n, rng), Tensor()}; };
}

Sampler loader_sampler(std::shared_ptr<nn::DataLoader> loader) {
  return [loader](int64_t n, Rng&) {
    nn::Batch b = loader->next();
    if (b.x.size(0) != n) b = loader->next();  // skip an epoch's short last batch
    NASH_CHECK(b.x.size(0) == n, "loader_sampler: loader batches of ", b.x.size(0),
               " do not match the batch size ", n);
    return b;
  };
}

namespace {
bool wasserstein(Family f) { return f == Family::Wgan || f == Family::WganGp; }

std::unique_ptr<nn::optim::Optimizer> make_optimizer(const TrainConfig& c, std::vector<Variable> params,
                                                 double lr) {
  if (c.family == Family::Wgan)
    return std::make_unique<nn::optim::RMSprop>(std::move(params), nn::optim::RMSpropOptions{.lr = lr});
  return std::make_unique<nn::optim::Adam>(
      std::move(params), nn::optim::AdamOptions{.lr = lr, .beta1 = c.beta1, .beta2 = c.beta2});
}

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

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

Trainer::Trainer(std::shared_ptr<Generator> g, std::shared_ptr<Discriminator> d,
                 Sampler real, TrainConfig config)
    : g_(std::move(g)), d_(std::move(d)), real_(std::move(real)), config_(config),
      rng_(config.seed) {
  NASH_CHECK(g_ && d_ && real_, "Trainer: generator, discriminator and sampler are required");
  const TrainConfig& c = config_;
  NASH_CHECK(c.batch_size >= 1 && c.k >= 1 && c.n_critic >= 1 && c.pack >= 1,
             "Trainer: batch_size, k, n_critic and pack must be >= 1");
  NASH_CHECK(c.batch_size % c.pack == 0, "Trainer: batch_size ", c.batch_size,
             " must be a multiple of pack ", c.pack);
  NASH_CHECK(c.label_smoothing >= 0 && c.label_smoothing < 1,
             "Trainer: label_smoothing must be in [0, 1), got ", c.label_smoothing);
  NASH_CHECK(c.clip > 0 && c.gp_lambda >= 0, "Trainer: clip must be > 0 and lambda >= 0");
  bool conditional = c.family == Family::Cgan;
  NASH_CHECK(conditional == (g_->num_classes > 0) && conditional == (d_->num_classes > 0),
             "Trainer: family '", family_name(c.family), "' needs ",
             conditional ? "conditional" : "unconditional", " networks");
  NASH_CHECK(!conditional || c.pack == 1, "Trainer: packing is not supported with CGAN");
  opt_g_ = make_optimizer(c, g_->parameters(), c.lr_g);
  opt_d_ = make_optimizer(c, d_->parameters(), c.lr_d);
}

Tensor Trainer::noise(int64_t n) {
  Shape shape{n, g_->noise_dim};
  return config_.noise == Noise::Normal ? normal(shape, 0.0, 1.0, rng_) : uniform(shape, 0.0, 1.0, rng_);
}

Tensor Trainer::random_labels(int64_t n) {
  return g_->num_classes > 0 ? randint({n}, 0, g_->num_classes, rng_) : Tensor();
}

Tensor Trainer::sample(const Tensor& z, const Tensor& labels) {
  NoGradGuard no_grad;
  return g_->generate(Variable(z), labels).value();
}

Variable Trainer::pack(const Variable& x) const {
  if (config_.pack == 1) return x;
  return reshape(x, {x.size(0) / config_.pack, -1});
}

// ---- Discriminator: ascend log D(x) + log(1 - D(G(z))) ----------------------------------------
void Trainer::discriminator_step(StepStats& s) {
  const int64_t n = config_.batch_size;
  nn::Batch real = real_(n, rng_);
  Tensor labels = real.labels;                      // CGAN: D judges (x, y) pairs
  Tensor fake_labels = random_labels(n);
  Tensor fake = sample(noise(n), fake_labels);      // x~ = G(z), no graph: G is not trained here

  Variable real_logits = d_->score(pack(Variable(real.x)), labels);
  Variable fake_logits = d_->score(pack(Variable(fake)), fake_labels);
  // loss_D = -[log D(x) + log(1 - D(x~))]  (or LSGAN's 1/2 (D(x) - 1)^2 + 1/2 D(x~)^2)
  Variable loss = config_.least_squares
                      ? least_squares_discriminator_loss(real_logits, fake_logits)
                      : discriminator_loss(real_logits, fake_logits, 1.0 - config_.label_smoothing);
  opt_d_->zero_grad();
  loss.backward();
  s.grad_norm_d = grad_norm(d_->parameters());
  opt_d_->step();

  s.d_loss = loss.item();
  s.d_real = nash::mean(nash::sigmoid(real_logits.value())).item();
  s.d_fake = nash::mean(nash::sigmoid(fake_logits.value())).item();
}

// ---- Critic: ascend E f(x) - E f(G(z)), then clip (WGAN) or penalise (WGAN-GP) -------------
void Trainer::critic_step(StepStats& s) {
  const int64_t n = config_.batch_size;
  nn::Batch real = real_(n, rng_);
  Tensor fake = sample(noise(n), Tensor());

  Variable real_scores = d_->score(pack(Variable(real.x)), Tensor());
  Variable fake_scores = d_->score(pack(Variable(fake)), Tensor());
  // loss_f = E f(x~) - E f(x)  (the negated Wasserstein estimate)
  Variable loss = critic_loss(real_scores, fake_scores);
  if (config_.family == Family::WganGp) {
    // + lambda E (||grad_xhat f(xhat)||_2 - 1)^2,  xhat = eps x + (1 - eps) x~
    auto critic = [this](const Variable& x) { return d_->score(pack(x), Tensor()); };
    PenaltyResult gp = gradient_penalty(critic, real.x, fake, config_.gp_lambda, rng_);
    loss = loss + gp.penalty;
    s.gp_norm = gp.mean_grad_norm;
  }
  opt_d_->zero_grad();
  loss.backward();
  s.grad_norm_d = grad_norm(d_->parameters());
  opt_d_->step();

  if (config_.family == Family::Wgan) {
    // Keep f K-Lipschitz (for some K) by clipping every weight to [-c, c].
    nn::optim::clamp_parameters_(d_->parameters(), config_.clip);
    int64_t at_edge = 0, total = 0;
    for (const auto& p : d_->parameters()) {
      at_edge += static_cast<int64_t>(
          nash::sum(nash::ge(nash::abs(p.value()), config_.clip * (1 - 1e-6))).item());
      total += p.numel();
    }
    s.clipped_fraction = total ? static_cast<double>(at_edge) / total : 0.0;
  }
  s.d_loss = loss.item();
  s.d_real = nash::mean(real_scores.value()).item();
  s.d_fake = nash::mean(fake_scores.value()).item();
  s.wasserstein = s.d_real - s.d_fake;
}

// ---- Rng: descend -log D(G(z)) (non-saturating) or -E f(G(z)) ---------------------------
void Trainer::generator_step(StepStats& s) {
  const int64_t n = config_.batch_size;
  Tensor labels = random_labels(n);
  Frozen judge(*d_);  // D only judges here: its parameters get no gradients
  Variable fake = g_->generate(Variable(noise(n)), labels);  // recorded: G is trained
  Variable scores = d_->score(pack(fake), labels);
  Variable loss;
  if (wasserstein(config_.family)) {
    loss = wasserstein_generator_loss(scores);                       // -E f(G(z))
  } else if (config_.least_squares) {
    loss = generator_loss(scores, GeneratorLoss::LeastSquares);      // 1/2 (D(G(z)) - 1)^2
  } else {
    loss = generator_loss(scores, config_.g_loss);                   // -log D(G(z)) by default
  }
  opt_g_->zero_grad();
  loss.backward();
  s.grad_norm_g = grad_norm(g_->parameters());
  opt_g_->step();
  s.g_loss = loss.item();
}

StepStats Trainer::step() {
  auto t0 = std::chrono::steady_clock::now();
  StepStats s;
  int64_t d_steps = wasserstein(config_.family) ? config_.n_critic : config_.k;
  for (int64_t i = 0; i < d_steps; ++i) {
    if (wasserstein(config_.family)) {
      critic_step(s);
    } else {
      discriminator_step(s);
    }
  }
  generator_step(s);
  s.step = ++steps_;
  s.seconds = seconds_since(t0);
  return s;
}

}  // namespace nash::gan
