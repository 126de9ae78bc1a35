// The GAN objectives nash knows, each one definition, and the registry that names them. To add
// one: write a function returning an Objective below, add a line to kRegistry, add a test.
// With D(x) = sigmoid(logit) for logit objectives, and a critic f for score objectives:
//   minimax  D: -[log D(x) + log(1 - D(G(z)))]    G: log(1 - D(G(z)))      Goodfellow et al. 2014
//   ns       D: as minimax                         G: -log D(G(z))          (its Section 3 fix)
//   lsgan    D: 1/2 (D(x) - 1)^2 + 1/2 D(G(z))^2   G: 1/2 (D(G(z)) - 1)^2   Mao et al. 2017
//   wgan     f: E f(G(z)) - E f(x), clip weights   G: -E f(G(z))            Arjovsky et al. 2017
//   wgan-gp  wgan + lambda E (||grad f(x^)|| - 1)^2, no clipping            Gulrajani et al. 2017
//   hinge    D: E relu(1 - D(x)) + E relu(1 + D(G(z)))   G: -E D(G(z))      Lim & Ye 2017
//   r1       ns + gamma/2 E ||grad_x D(x)||^2 on real data                  Mescheder et al. 2018
#include <cmath>
#include <utility>

#include "gan/objective.h"
#include "nn/optim/clip.h"
#include "tensor/ops.h"

namespace nash::gan {

void Objective::report(const Tensor& real_out, const Tensor& fake_out, StepStats& s) const {
  if (logit) {
    s.d_real = nash::mean(nash::sigmoid(real_out)).item();
    s.d_fake = nash::mean(nash::sigmoid(fake_out)).item();
  } else {
    s.d_real = nash::mean(real_out).item();
    s.d_fake = nash::mean(fake_out).item();
    s.wasserstein = s.d_real - s.d_fake;
  }
}

namespace {

// ---- the log losses of Goodfellow et al. 2014 -------------------------------------------------
Objective log_loss(const ObjectiveOptions& o, std::string name, GeneratorLoss g) {
  Objective obj;
  obj.name = std::move(name);
  obj.reference = "Goodfellow et al. 2014";
  obj.d_formula = "-[log D(x) + log(1 - D(G(z)))]";
  obj.d_steps = o.d_steps;
  const double real_label = 1.0 - o.label_smoothing;
  NASH_CHECK(real_label > 0 && real_label <= 1, obj.name,
             ": label_smoothing must be in [0, 1), got ", o.label_smoothing);
  if (o.label_smoothing > 0) obj.d_formula = "-[(1-s) log D(x) + s log(1 - D(x)) + log(1 - D(G(z)))]";
  obj.d_loss = [real_label](const Variable& real, const Variable& fake) {
    return discriminator_loss(real, fake, real_label);
  };
  obj.g_loss = [g](const Variable& fake) { return generator_loss(fake, g); };
  return obj;
}

Objective minimax(const ObjectiveOptions& o) {
  Objective obj = log_loss(o, "minimax", GeneratorLoss::Minimax);
  obj.g_formula = "log(1 - D(G(z)))";
  return obj;
}

Objective non_saturating(const ObjectiveOptions& o) {
  Objective obj = log_loss(o, "ns", GeneratorLoss::NonSaturating);
  obj.g_formula = "-log D(G(z))";
  return obj;
}

// ---- least squares (Mao et al. 2017), on D's raw output ---------------------------------------
Objective lsgan(const ObjectiveOptions& o) {
  Objective obj;
  obj.name = "lsgan";
  obj.reference = "Mao et al. 2017";
  obj.d_formula = "1/2 (D(x) - 1)^2 + 1/2 D(G(z))^2";
  obj.g_formula = "1/2 (D(G(z)) - 1)^2";
  obj.logit = false;
  obj.d_steps = o.d_steps;
  obj.d_loss = least_squares_discriminator_loss;
  obj.g_loss = [](const Variable& fake) { return generator_loss(fake, GeneratorLoss::LeastSquares); };
  return obj;
}

// ---- Wasserstein: a critic f, no sigmoid, no logs ---------------------------------------------
Objective wasserstein_base(const ObjectiveOptions& o, std::string name) {
  Objective obj;
  obj.name = std::move(name);
  obj.logit = false;
  obj.d_steps = o.d_steps;
  obj.d_formula = "E f(G(z)) - E f(x)";
  obj.g_formula = "-E f(G(z))";
  obj.d_loss = critic_loss;
  obj.g_loss = wasserstein_generator_loss;
  return obj;
}

Objective wgan(const ObjectiveOptions& o) {
  NASH_CHECK(o.clip > 0, "wgan: clip must be > 0, got ", o.clip);
  Objective obj = wasserstein_base(o, "wgan");
  obj.reference = "Arjovsky et al. 2017";
  obj.d_formula += ", then every weight clipped to [-c, c]";
  const double c = o.clip;
  // Keeps f K-Lipschitz (for some K) by clipping every weight to [-c, c] after each update.
  obj.after_d_step = [c](nn::Module& d, StepStats& s) {
    const auto params = d.parameters();
    nn::optim::clamp_parameters_(params, c);
    int64_t at_edge = 0, total = 0;
    for (const auto& p : params) {
      at_edge += static_cast<int64_t>(nash::sum(nash::ge(nash::abs(p.value()), c * (1 - 1e-6))).item());
      total += p.numel();
    }
    s.clipped_fraction = total ? static_cast<double>(at_edge) / total : 0.0;
  };
  return obj;
}

Objective wgan_gp(const ObjectiveOptions& o) {
  NASH_CHECK(o.gp_lambda >= 0, "wgan-gp: lambda must be >= 0, got ", o.gp_lambda);
  Objective obj = wasserstein_base(o, "wgan-gp");
  obj.reference = "Gulrajani et al. 2017";
  obj.d_formula += " + lambda E (||grad f(x^)|| - 1)^2, x^ = eps x + (1 - eps) G(z)";
  const double lambda = o.gp_lambda;
  obj.penalty = [lambda](const PenaltyInputs& in) {
    return gradient_penalty(in.critic, in.real, in.fake, lambda, in.rng);
  };
  return obj;
}

// ---- hinge (Lim & Ye 2017; SNGAN, BigGAN) ------------------------------------------------------
Objective hinge(const ObjectiveOptions& o) {
  Objective obj;
  obj.name = "hinge";
  obj.reference = "Lim & Ye 2017";
  obj.d_formula = "E relu(1 - D(x)) + E relu(1 + D(G(z)))";
  obj.g_formula = "-E D(G(z))";
  obj.logit = false;
  obj.d_steps = o.d_steps;
  obj.d_loss = [](const Variable& real, const Variable& fake) {
    return mean(relu(1.0 - real)) + mean(relu(fake + 1.0));
  };
  obj.g_loss = [](const Variable& fake) { return neg(mean(fake)); };
  return obj;
}

// ---- R1 (Mescheder et al. 2018), optionally lazy (Karras et al. 2020) -------------------------
Objective r1(const ObjectiveOptions& o) {
  NASH_CHECK(o.r1_gamma >= 0 && o.r1_every >= 1, "r1: gamma must be >= 0 and every >= 1, got ",
             o.r1_gamma, " and ", o.r1_every);
  Objective obj = non_saturating(o);
  obj.name = "r1";
  obj.reference = "Mescheder et al. 2018";
  obj.d_formula += " + gamma/2 E ||grad_x D(x)||^2 on real x";
  if (o.r1_every > 1)
    obj.d_formula += " (every " + std::to_string(o.r1_every) + " D steps, times " +
                     std::to_string(o.r1_every) + ")";
  const double gamma = o.r1_gamma;
  const int64_t every = o.r1_every;
  obj.penalty = [gamma, every](const PenaltyInputs& in) {
    if (in.d_step % every != 0) return PenaltyResult{};  // lazy: skipped this step
    // every * gamma/2 * mean_i ||grad_x D(x_i)||^2: the same expected gradient as every step.
    return r1_penalty(in.critic, in.real, gamma * static_cast<double>(every));
  };
  return obj;
}

using Factory = Objective (*)(const ObjectiveOptions&);
const std::pair<const char*, Factory> kRegistry[] = {
    {"ns", non_saturating}, {"minimax", minimax}, {"lsgan", lsgan}, {"wgan", wgan},
    {"wgan-gp", wgan_gp},   {"hinge", hinge},     {"r1", r1},
};

}  // namespace

std::vector<std::string> objective_names() {
  std::vector<std::string> names;
  for (const auto& [name, factory] : kRegistry) names.emplace_back(name);
  return names;
}

Objective make_objective(const std::string& name, const ObjectiveOptions& o) {
  NASH_CHECK(o.d_steps >= 1, "objective ", name, ": D steps per G step must be >= 1, got ", o.d_steps);
  for (const auto& [known, factory] : kRegistry)
    if (name == known) return factory(o);
  std::string list;
  for (const auto& n : objective_names()) list += (list.empty() ? "" : ", ") + n;
  fail("unknown objective '", name, "' (expected one of ", list, ")");
}

}  // namespace nash::gan
