// gan::Objective: what a GAN optimises, as one value. It says what D's loss is, what G's loss is,
// how many D steps run per G step, and what happens around a D step (a penalty added to D's loss,
// a hook after D's update such as weight clipping). The training run (gan/run.h) knows nothing
// else about the objective: a new one is one definition in gan/objectives.cpp, one registry line
// there, and a test.
//
//   Objective o = make_objective("hinge");
//   Variable d_loss = o.d_loss(D(x), D(G(z)));    // E relu(1 - D(x)) + E relu(1 + D(G(z)))
//   Variable g_loss = o.g_loss(D(G(z)));          // -E D(G(z))
//
// D's raw output is a logit (objective.logit: D(x) = sigmoid(output) is a probability) or a
// critic score (Wasserstein, hinge). Shapes: outputs are [N, 1] (N/pack rows with PacGAN).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "autograd/ops.h"
#include "gan/losses.h"
#include "nn/module.h"
#include "tensor/random.h"

namespace nash::gan {

// What one G step (with its D steps before it) measured. D figures are from the last D step.
struct StepStats {
  int64_t step = 0;               // G steps done, this one included
  double d_loss = 0, g_loss = 0;
  double d_real = 0, d_fake = 0;  // mean D(x), D(G(z)): probabilities (logit objectives) or scores
  double wasserstein = 0;         // E f(x) - E f(G(z)) (critic objectives)
  double penalty = 0;             // the D step's penalty term (gradient penalty, R1), as added
  double penalty_norm = 0;        // mean ||grad_x D|| at the penalised points
  double grad_norm_d = 0, grad_norm_g = 0;  // L2 norm of all of a network's gradients
  double clipped_fraction = 0;    // share of critic weights at +-clip (WGAN)
  double seconds = 0;
};

// The settings an objective may read; each objective uses the ones its formulas name.
struct ObjectiveOptions {
  int64_t d_steps = 1;          // D steps per G step: k (Goodfellow et al.) or n_critic (WGAN)
  double label_smoothing = 0;   // one-sided: D's target for real data is 1 - label_smoothing
  double clip = 0.01;           // wgan: critic weights clipped to [-clip, clip]
  double gp_lambda = 10;        // wgan-gp: penalty weight lambda
  double r1_gamma = 10;         // r1: penalty weight gamma
  int64_t r1_every = 1;         // r1: applied every N D steps, scaled by N (lazy regularisation)
};

// What a D-step penalty sees. `critic` scores a batch x [N, ...] with this step's labels and
// packing; real and fake are the step's batches; d_step counts the D steps done before this one.
struct PenaltyInputs {
  const std::function<Variable(const Variable&)>& critic;
  const Tensor& real;
  const Tensor& fake;
  int64_t d_step;
  Rng& rng;
};

struct Objective {
  std::string name;                  // the registry name: "ns", "hinge", ...
  std::string reference;             // where it comes from, e.g. "Lim & Ye 2017"
  std::string d_formula, g_formula;  // the losses in plain text, for banners and explanations
  bool logit = true;                 // D's output is a logit (else a critic score)
  int64_t d_steps = 1;               // D steps per G step
  // D minimises d_loss(D(x), D(G(z))) [+ penalty]; G minimises g_loss(D(G(z))).
  std::function<Variable(const Variable& real_out, const Variable& fake_out)> d_loss;
  std::function<Variable(const Variable& fake_out)> g_loss;
  // Optional: a term added to D's loss (undefined penalty: none this step).
  std::function<PenaltyResult(const PenaltyInputs&)> penalty;
  // Optional: runs after each D update (e.g. weight clipping), may fill telemetry.
  std::function<void(nn::Module& d, StepStats& stats)> after_d_step;
  // D's mean outputs as telemetry: probabilities for logits, scores (and E f(x) - E f(G(z))) else.
  void report(const Tensor& real_out, const Tensor& fake_out, StepStats& stats) const;
};

// The registry: every objective by name, in the order --help lists them.
std::vector<std::string> objective_names();
// Throws nash::Error naming the known objectives for an unknown name, or a bad option.
Objective make_objective(const std::string& name, const ObjectiveOptions& options = {});

}  // namespace nash::gan
