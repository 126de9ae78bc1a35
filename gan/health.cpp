// Training health (see health.h).
#include "gan/health.h"

#include <cmath>
#include <memory>

namespace nash::gan {

std::string HealthWarning::text() const {
  return "step " + std::to_string(step) + ": " + what + ": " + meaning + "; try " + advice;
}

namespace {
// A signature that must hold for `patience` consecutive steps before it is reported, once.
struct Streak {
  int64_t length = 0;
  bool reported = false;
  bool update(bool holds, int64_t patience) {
    length = holds ? length + 1 : 0;
    if (length < patience || reported) return false;
    reported = true;
    return true;
  }
};

struct Watch {
  HealthOptions options;
  std::function<void(const HealthWarning&)> warn;
  Streak d_won, vanished, clipped;
};

void require_finite(double value, int64_t step, const char* network, const char* quantity) {
  if (std::isfinite(value)) return;
  fail("training broke at step ", step, ": ", network, "'s ", quantity, " is ",
       std::isnan(value) ? "NaN" : value > 0 ? "+inf" : "-inf",
       "; the last checkpoint before it is intact: resume from it with a lower learning rate");
}
}  // namespace

void watch_health(Run& run, std::function<void(const HealthWarning&)> warn, HealthOptions options) {
  auto watch = std::make_shared<Watch>(Watch{options, std::move(warn), {}, {}, {}});
  const bool logit = run.objective().logit;
  const bool clips = static_cast<bool>(run.objective().after_d_step);
  const bool non_saturating = run.objective().name == "ns" || run.objective().name == "r1";
  run.on_step([watch, logit, clips, non_saturating](Run&, const StepStats& s) {
    require_finite(s.d_loss, s.step, "D", "loss");
    require_finite(s.g_loss, s.step, "G", "loss");
    require_finite(s.grad_norm_d, s.step, "D", "gradient norm");
    require_finite(s.grad_norm_g, s.step, "G", "gradient norm");
    const HealthOptions& o = watch->options;
    auto report = [&](const char* what, const char* meaning, const char* advice) {
      if (watch->warn) watch->warn(HealthWarning{s.step, what, meaning, advice});
    };
    if (logit && watch->d_won.update(s.d_fake < o.d_won, o.patience))
      report("D has won", "D(G(z)) has stayed below 0.01: D tells every fake apart and G learns little from it",
             non_saturating ? "a lower D learning rate (--lr-d), one-sided label smoothing (--label-smoothing 0.1),"
                              " or a Wasserstein or hinge objective (--loss wgan-gp, --loss hinge)"
                            : "the non-saturating loss (--loss ns), a lower D learning rate (--lr-d), or one-sided"
                              " label smoothing (--label-smoothing 0.1)");
    if (watch->vanished.update(s.grad_norm_g < o.vanished, o.patience))
      report("G's gradient has vanished", "||grad G|| has stayed near 0, so G has stopped moving",
             "a lower D learning rate, a Wasserstein or hinge objective (--loss wgan-gp, --loss hinge)");
    if (clips && watch->clipped.update(s.clipped_fraction > o.clipped, o.patience))
      report("the critic's weights sit at the clip bound", "most critic weights are at +-clip, so the critic"
             " is a near-binary function and its gradients explode or vanish",
             "a larger --clip, or the gradient penalty instead (--loss wgan-gp)");
  });
}

}  // namespace nash::gan
