// The project's best configuration per toy data set, and the loop that trains it.
//   toy_preset("gaussian1d" | "ring" | "grid") -> Preset: G/D networks, noise, family, batch,
//   optimiser settings, D steps, PacGAN packing, step budget, the final learning-rate decay and
//   the average of G's weights (EMA) that samples are drawn from.
//
//   gan::Preset p = gan::toy_preset("ring");
//   gan::ToyStats s = gan::run_toy(p, /*seed=*/3);          // full budget, then 2500 samples
//   std::printf("%lld/8 modes, %.1f%% high quality\n", s.modes.modes_covered, 100 * s.modes.high_quality);
//
// The figures these presets reach are measured by scripts/toy_sweep.sh (issue 6).
#pragma once
#include <functional>
#include <memory>
#include <string>

#include "gan/metrics/toy_metrics.h"
#include "gan/toy_models.h"
#include "gan/trainer.h"

namespace nash::gan {

struct Preset {
  std::string data;            // "gaussian1d", "ring" or "grid"
  int64_t noise_dim = 2;       // Z; the kind (normal/uniform) is train.noise
  MlpSpec g, d;                // the networks (D's input is dim * train.pack wide)
  TrainConfig train;           // family, batch, k / n_critic, pack, noise, lr, betas, losses
  int64_t steps = 1000;        // G iterations
  double decay_start = 1.0;    // lr held until this fraction of the steps, then linear ...
  double lr_end = 0.0;         // ... down to lr_end x the initial lr at the last step
  double ema = 0.0;            // decay of the running average of G's weights (0: off)
  int64_t eval_samples = 2500; // samples the final figures are measured on
};

Preset toy_preset(const std::string& data);
// Overrides one field from "key=value" (keys as printed by describe, e.g. "lr_g=1e-4",
// "pack=3", "g_act=lrelu", "family=wgan-gp"); throws on an unknown key or a bad value.
void set_preset_option(Preset& preset, const std::string& key_value);
// One line, "key=value ..." for every tunable field.
std::string describe(const Preset& preset);

// One Trainer step under a preset's schedule (toy runs here, image runs in the CLI): both
// learning rates set to linear_decay_factor(step, total_steps, decay_start, lr_end) times the
// trainer's configured rates, the step, then `average` (G's weight average; may be null) moved
// towards G with decay preset.ema.
StepStats scheduled_step(Trainer& trainer, const Preset& preset, int64_t total_steps,
                         Generator* average);

// What a toy run measured on preset.eval_samples samples (gaussian for gaussian1d, modes else).
struct ToyStats {
  int64_t step = 0;
  GaussianStats gaussian;
  ModeStats modes;
  double seconds = 0;  // training time so far
};

// One seeded training run of a preset: G, D, the Trainer, the lr schedule and the weight EMA.
class ToyRun {
 public:
  ToyRun(const Preset& preset, uint64_t seed, int64_t steps = 0);  // 0: preset.steps
  StepStats step();                 // sets the scheduled lr, one Trainer step, updates the EMA
  bool done() const { return trainer_->steps_done() >= steps_; }
  Tensor sample(int64_t n);         // from sampler() on fixed noise (the same at every call)
  Generator& sampler();          // the running average of G's weights if ema > 0, else G
  ToyStats evaluate();              // on preset.eval_samples samples
  double lr_factor(int64_t step) const;  // the schedule: lr = factor x initial lr at `step`
  Trainer& trainer() { return *trainer_; }
  const Preset& preset() const { return preset_; }
  int64_t total_steps() const { return steps_; }

 private:
  Preset preset_;
  uint64_t seed_;
  int64_t steps_;
  ToyData data_;
  std::shared_ptr<Generator> average_;  // the EMA of G's weights (null when off)
  std::unique_ptr<Trainer> trainer_;
  double seconds_ = 0;
};

// Trains a preset to the end (steps 0: preset.steps), calling on_step after every step, and
// returns the final evaluation.
ToyStats run_toy(const Preset& preset, uint64_t seed, int64_t steps = 0,
                 const std::function<void(ToyRun&, const StepStats&)>& on_step = {});

}  // namespace nash::gan
