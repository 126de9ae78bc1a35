// Training health (gan/health.h): a non-finite loss stops the run naming the step and quantity,
// the checkpoint from before it resumes, and the classic failure signatures are reported once.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <limits>

#include "gan/health.h"
#include "tensor/ops.h"

using namespace nash;
using namespace nash::gan;

namespace {
// A toy critic that starts answering NaN from its `nan_from`-th call on (a stand-in for a run
// that diverges); the same parameters as a healthy one, so their checkpoints are interchangeable.
class BreakingD : public Discriminator {
 public:
  std::shared_ptr<Discriminator> body;
  int64_t calls = 0, nan_from;
  BreakingD(Rng& rng, int64_t nan_from_call) : Discriminator("BreakingD"), nan_from(nan_from_call) {
    body = register_module("body", make_mlp_toy_discriminator(2, 1, MlpSpec{.hidden = 16, .layers = 1}, rng));
  }
  Variable score(const Variable& x, const Tensor& labels) override {
    Variable y = body->score(x, labels);
    return ++calls >= nan_from ? y * std::numeric_limits<double>::quiet_NaN() : y;
  }
  Variable forward(const Variable& x) override { return score(x, Tensor()); }
};

RunConfig small_ring() {
  RunConfig c = default_config("ring", "");
  c.batch = 32;
  c.pack = 1;
  c.noise_dim = 4;
  c.steps = 20;
  return c;
}

NetworkBuilder breaking(int64_t nan_from_call) {
  return [nan_from_call](Rng& init) {
    auto g = make_mlp_toy_generator(4, 2, MlpSpec{.hidden = 16, .layers = 1}, init);
    return Networks{g, std::make_shared<BreakingD>(init, nan_from_call)};
  };
}
}  // namespace

TEST_CASE("a non-finite loss stops the run naming the step; the checkpoint before it resumes",
          "[gan][health]") {
  const std::string path = (std::filesystem::temp_directory_path() / "nash_test_health.safetensors").string();
  // Each step calls D three times (real and fake in D's step, fake in G's): call 7 is in step 3.
  Run run(small_ring(), breaking(7), toy_source("ring"));
  std::vector<HealthWarning> warnings;
  watch_health(run, [&](const HealthWarning& w) { warnings.push_back(w); });
  run.step();
  run.step();
  run.save(path);  // the last good checkpoint
  REQUIRE_THROWS_WITH(run.step(), Catch::Contains("training broke at step 3: D's loss is NaN") &&
                                      Catch::Contains("resume from it"));
  // Resumed from the checkpoint with a critic that does not break, training continues.
  Run resumed(small_ring(), breaking(1000000), toy_source("ring"));
  watch_health(resumed, {});
  resumed.load(path);
  CHECK(resumed.steps_done() == 2);
  StepStats s = resumed.step();
  CHECK(s.step == 3);
  CHECK(std::isfinite(s.d_loss));
  std::filesystem::remove(path);
}

TEST_CASE("the classic failure signatures are reported once, after they last", "[gan][health]") {
  // A critic clipped to +-1e-6 answers ~0 for every input: its weights sit at the bound and G's
  // gradient through it vanishes.
  RunConfig c = small_ring();
  c.model = "wgan";
  c.loss = "wgan";
  c.optimizer = "rmsprop";
  c.clip = 1e-6;
  c.lr_d = c.lr_g = 1e-2;
  c.d_steps = 1;
  c.steps = 40;
  Run run(c);
  std::vector<HealthWarning> warnings;
  watch_health(run, [&](const HealthWarning& w) { warnings.push_back(w); }, {.patience = 10});
  for (int i = 0; i < 30; ++i) run.step();
  REQUIRE(!warnings.empty());
  CHECK(warnings[0].step == 10);  // reported when the streak reaches the patience
  CHECK(warnings[0].text().rfind("step 10: " + warnings[0].what + ": ", 0) == 0);
  CHECK(warnings[0].text().find("; try ") != std::string::npos);
  bool vanished = false;
  for (size_t i = 0; i < warnings.size(); ++i) {
    vanished = vanished || warnings[i].what == "G's gradient has vanished";
    for (size_t j = i + 1; j < warnings.size(); ++j) CHECK(warnings[i].what != warnings[j].what);  // once each
  }
  CHECK(vanished);
}
