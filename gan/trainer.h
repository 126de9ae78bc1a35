// Trainer: one object that runs the training loop of every GAN family in nash.
//   GAN   (Goodfellow et al. 2014, Algorithm 1): k D steps, then one G step.
//   CGAN  (Mirza & Osindero 2014): the same, with class labels fed to G and D.
//   WGAN  (Arjovsky et al. 2017): n_critic critic steps with weight clipping, RMSprop.
//   WGAN-GP (Gulrajani et al. 2017): the clipping replaced by a gradient penalty.
// The steps themselves are in trainer.cpp, written straight through with their loss formulas.
//
//   Rng rng(0);
//   auto G = make_toy_generator(1, 1, 16, rng);  auto D = make_toy_discriminator(1, 16, 1, rng);
//   Trainer t(G, D, toy_sampler(ToyData("gaussian1d")), TrainConfig::defaults(Family::Gan));
//   for (int i = 0; i < 1000; ++i) StepStats s = t.step();
#pragma once
#include <functional>
#include <memory>
#include <string>

#include "gan/data/toy.h"
#include "gan/losses.h"
#include "gan/models.h"
#include "nn/data/loader.h"
#include "nn/optim.h"

namespace nash::gan {

enum class Family { Gan, Cgan, Wgan, WganGp };
const char* family_name(Family family);  // "gan", "cgan", "wgan", "wgan-gp"
Family parse_family(const std::string& name);

enum class Noise { Normal, Uniform };  // z ~ N(0, I) or U[0, 1)^Z

struct TrainConfig {
  Family family = Family::Gan;
  int64_t batch_size = 64;
  int64_t k = 1;               // D steps per G step (GAN, CGAN)
  int64_t n_critic = 5;        // critic steps per G step (WGAN, WGAN-GP)
  double clip = 0.01;          // WGAN: critic weights clipped to [-clip, clip]
  double gp_lambda = 10.0;     // WGAN-GP: penalty weight
  GeneratorLoss g_loss = GeneratorLoss::NonSaturating;
  bool least_squares = false;  // LSGAN objectives instead of the log losses
  double label_smoothing = 0;  // one-sided: real label = 1 - label_smoothing
  int64_t pack = 1;            // PacGAN: D scores `pack` samples at once
  Noise noise = Noise::Normal;
  // Optimizers: Adam (GAN, CGAN, WGAN-GP) or RMSprop (WGAN).
  double lr_d = 2e-4, lr_g = 2e-4;
  double beta1 = 0.5, beta2 = 0.999;
  uint64_t seed = 0;

  // The papers' defaults: GAN/CGAN Adam 2e-4 betas (0.5, 0.999) (DCGAN); WGAN RMSprop 5e-5,
  // clip 0.01, n_critic 5; WGAN-GP Adam 1e-4 betas (0, 0.9), lambda 10, n_critic 5.
  static TrainConfig defaults(Family family);
};

// What one G step (with its D steps before it) measured. D figures are from the last D step.
struct StepStats {
  int64_t step = 0;          // G steps done, this one included
  double d_loss = 0, g_loss = 0;
  double d_real = 0, d_fake = 0;  // mean D(x), D(G(z)): probabilities (GAN) or scores (WGAN)
  double wasserstein = 0;    // E f(x) - E f(G(z)) (WGAN, WGAN-GP)
  double gp_norm = 0;        // mean ||grad f(xhat)|| (WGAN-GP)
  double grad_norm_d = 0, grad_norm_g = 0;  // L2 norm of all of a network's gradients
  double clipped_fraction = 0;              // share of critic weights at +-clip (WGAN)
  double seconds = 0;
};

// The learning-rate schedule of the presets: the factor (of the initial rate) at `step` of a
// `total`-step run: 1 until decay_start * total, then linear down to `end` at the last step.
double linear_decay_factor(int64_t step, int64_t total, double decay_start, double end = 0.0);

// The running average of a network's weights (Polyak / EMA, as in progressive GANs):
// avg <- decay * avg + (1 - decay) * w for every parameter; buffers (BatchNorm statistics) are
// copied. `avg` must have model's architecture. Samples from the average are smoother than G's.
void ema_update(nn::Module& avg, const nn::Module& model, double decay);
// Starts a weight average: `blank` (a network of model's architecture) stops requiring gradients
// and takes model's parameters and buffers. Returns blank.
std::shared_ptr<Generator> start_average(std::shared_ptr<Generator> blank,
                                            const Generator& model);

// Where real samples come from: a batch of n (x [n, ...], labels [n] when conditional).
using Sampler = std::function<nn::Batch(int64_t n, Rng& rng)>;
Sampler toy_sampler(const ToyData& data);
// Draws successive batches from a DataLoader (its batch size must equal the config's).
Sampler loader_sampler(std::shared_ptr<nn::DataLoader> loader);

class Trainer {
 public:
  Trainer(std::shared_ptr<Generator> g, std::shared_ptr<Discriminator> d, Sampler real,
          TrainConfig config);

  StepStats step();  // k (or n_critic) D steps, then one G step

  // Samples from G without recording a graph: noise -> [n, ...]. labels may be undefined.
  Tensor sample(const Tensor& z, const Tensor& labels = Tensor());
  Tensor noise(int64_t n);              // z for n samples, drawn from the trainer's Rng
  Tensor random_labels(int64_t n);      // uniform class labels for a conditional G

  Generator& generator() { return *g_; }
  Discriminator& discriminator() { return *d_; }
  nn::optim::Optimizer& g_optimizer() { return *opt_g_; }
  nn::optim::Optimizer& d_optimizer() { return *opt_d_; }
  Rng& rng() { return rng_; }
  const TrainConfig& config() const { return config_; }
  int64_t steps_done() const { return steps_; }
  void set_steps_done(int64_t steps) { steps_ = steps; }

 private:
  void discriminator_step(StepStats& s);
  void critic_step(StepStats& s);
  void generator_step(StepStats& s);
  Variable pack(const Variable& x) const;  // [N, ...] -> [N / m, m * D] for PacGAN

  std::shared_ptr<Generator> g_;
  std::shared_ptr<Discriminator> d_;
  Sampler real_;
  TrainConfig config_;
  Rng rng_;
  std::unique_ptr<nn::optim::Optimizer> opt_g_, opt_d_;
  int64_t steps_ = 0;
};

}  // namespace nash::gan
