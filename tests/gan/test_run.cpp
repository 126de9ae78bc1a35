// gan::Run: the D/G boundary, WGAN clipping after every critic step, seeded reproducibility,
// hooks, exact resume through save/load, and a user's own networks.
#include <catch2/catch.hpp>

#include <filesystem>

#include "gan/run.h"
#include "tensor/io/file.h"
#include "tensor/ops.h"

using namespace nash;
using namespace nash::gan;

namespace {
std::vector<Tensor> snapshot(const nn::Module& m) {
  std::vector<Tensor> out;
  for (const auto& p : m.parameters()) out.push_back(p.value().clone());
  return out;
}
bool same(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  for (size_t i = 0; i < a.size(); ++i)
    if (!equal(a[i], b[i])) return false;
  return true;
}

// A small ring run: the model's paper defaults on the ring's networks, shrunk.
RunConfig small_ring(const std::string& model, uint64_t seed, int64_t d_steps = 5) {
  RunConfig c = default_config("ring", model);
  c.batch = 32;
  c.pack = 1;
  c.g.hidden = c.d.hidden = 16;
  c.noise_dim = 4;
  c.d_steps = model == "gan" ? 1 : d_steps;
  c.seed = seed;
  c.steps = 100;
  return c;
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("nash_test_run_" + name)).string();
}
}  // namespace

TEST_CASE("WGAN: every critic weight stays within +-c after every critic step", "[gan][run]") {
  Run run(small_ring("wgan", 7, /*d_steps=*/1));
  const double c = run.config().clip;
  double last_fraction = 0;
  for (int i = 0; i < 20; ++i) {
    StepStats s = run.step();
    for (const auto& p : run.discriminator().parameters()) {
      REQUIRE(amax(p.value()).item() <= c);
      REQUIRE(amin(p.value()).item() >= -c);
    }
    last_fraction = s.clipped_fraction;
  }
  // PyTorch's default init draws most weights beyond 0.01, so many sit at the edge.
  CHECK(last_fraction > 0.3);
  CHECK(last_fraction <= 1.0);
}

TEST_CASE("the D step never moves G and the G step never moves D", "[gan][run]") {
  for (const char* model : {"gan", "wgan-gp"}) {
    Run run(small_ring(model, 8));
    const auto g0 = snapshot(run.generator()), d0 = snapshot(run.discriminator());
    std::vector<Tensor> d_before_g;
    run.on_forward([&](Run& r, Run::Phase phase, const Variable&, const Variable&) {
      if (phase != Run::Phase::G) return;
      CHECK(same(g0, snapshot(r.generator())));  // the D steps left G as it was
      d_before_g = snapshot(r.discriminator());
    });
    StepStats s = run.step();
    CHECK_FALSE(same(d0, d_before_g));                        // the D steps moved D
    CHECK(same(d_before_g, snapshot(run.discriminator())));  // G's step froze D
    CHECK_FALSE(same(g0, snapshot(run.generator())));         // and moved G
    CHECK(s.grad_norm_g > 0);
    for (const auto& p : run.discriminator().parameters()) CHECK(p.requires_grad());  // unfrozen
  }
  RunConfig c = small_ring("gan", 8);
  c.lr_g = 0;  // a hand-built configuration is checked like a flag or a file
  REQUIRE_THROWS_WITH(Run(c), Catch::Contains("lr_g must be a number in [1e-12, 10], got 0"));
}

TEST_CASE("the same seed reproduces a run bit for bit", "[gan][run]") {
  for (const char* model : {"gan", "wgan", "wgan-gp"}) {
    Run a(small_ring(model, 9)), b(small_ring(model, 9)), c(small_ring(model, 10));
    for (int i = 0; i < 5; ++i) {
      StepStats sa = a.step(), sb = b.step();
      CHECK(sa.d_loss == sb.d_loss);
      CHECK(sa.g_loss == sb.g_loss);
      c.step();
    }
    CHECK(same(snapshot(a.generator()), snapshot(b.generator())));
    CHECK(same(snapshot(a.discriminator()), snapshot(b.discriminator())));
    CHECK_FALSE(same(snapshot(a.generator()), snapshot(c.generator())));
  }
}

TEST_CASE("WGAN-GP reports its penalty; config errors are clear", "[gan][run]") {
  Run run(small_ring("wgan-gp", 11));
  StepStats s = run.step();
  CHECK(s.penalty_norm > 0);
  CHECK(s.penalty > 0);
  CHECK(s.wasserstein == Approx(s.d_real - s.d_fake));
  RunConfig bad = small_ring("gan", 1);
  bad.batch = 10;
  bad.pack = 4;
  REQUIRE_THROWS_WITH(Run(bad), Catch::Contains("batch 10 must be a multiple of pack 4"));
  bad = small_ring("gan", 1);
  bad.loss = "vae";
  REQUIRE_THROWS_WITH(Run(bad), Catch::Contains("loss must be one of ns, minimax, lsgan, wgan, wgan-gp, hinge, r1, got 'vae'"));
}

TEST_CASE("the schedule: rates held, then decayed linearly to lr_end", "[gan][run]") {
  RunConfig c = small_ring("gan", 0);
  c.decay_start = 0.5;
  c.lr_end = 0.1;
  Run run(c);
  CHECK(run.lr_factor(0) == 1.0);
  CHECK(run.lr_factor(49) == 1.0);
  CHECK(run.lr_factor(50) == Approx(1.0));
  CHECK(run.lr_factor(75) == Approx(0.55));  // halfway down from 1 to 0.1
  CHECK(run.lr_factor(100) == Approx(0.1));
  for (int i = 0; i < 80; ++i) run.step();  // the optimisers follow the schedule
  CHECK(run.g_optimizer().lr() == Approx(c.lr_g * run.lr_factor(79)));
  CHECK(run.d_optimizer().lr() == Approx(c.lr_d * run.lr_factor(79)));
}

TEST_CASE("samples come from the running average of G's weights when ema > 0", "[gan][run]") {
  RunConfig c = small_ring("gan", 3);
  c.ema = 0.75;
  Run run(c);
  REQUIRE(&run.sampler() != &run.generator());
  auto w = run.generator().parameters(), a = run.sampler().parameters();
  std::vector<Tensor> expected;
  for (size_t i = 0; i < w.size(); ++i) {
    CHECK(allclose(a[i].value(), w[i].value()));  // before any step the average is G itself
    expected.push_back(w[i].value().clone());
  }
  // The decay ramps up, min(ema, (1 + t) / (10 + t)): early averages follow G.
  CHECK(run.average_decay(0) == Approx(0.1));
  CHECK(run.average_decay(20) == Approx(0.7));   // 21/30
  CHECK(run.average_decay(30) == Approx(0.75));  // 31/40 > 0.75: capped at ema
  for (int step = 0; step < 25; ++step) {
    const double d = std::min(0.75, (1.0 + step) / (10.0 + step));
    CHECK(run.average_decay(step) == Approx(d));
    run.step();
    for (size_t i = 0; i < w.size(); ++i) {
      expected[i] = add(mul(expected[i], d), mul(w[i].value(), 1 - d));  // d avg + (1 - d) w
      CHECK(allclose(a[i].value(), expected[i], 1e-5, 1e-6));
    }
  }
  c.ema = 0;
  Run plain(c);
  CHECK(&plain.sampler() == &plain.generator());
}

TEST_CASE("hooks see every phase, in order, with gradients present after backward", "[gan][run]") {
  Run run(small_ring("wgan-gp", 4, /*d_steps=*/2));
  std::vector<std::string> events;
  run.on_forward([&](Run&, Run::Phase p, const Variable& real, const Variable& fake) {
    events.push_back(p == Run::Phase::D ? "fD" : "fG");
    CHECK(real.defined() == (p == Run::Phase::D));
    CHECK(fake.defined());
  });
  run.on_backward([&](Run& r, Run::Phase p, const std::vector<Variable>& params) {
    events.push_back(p == Run::Phase::D ? "bD" : "bG");
    const nn::Module& net = p == Run::Phase::D ? static_cast<const nn::Module&>(r.discriminator())
                                               : static_cast<const nn::Module&>(r.generator());
    CHECK(params.size() == net.parameters().size());
    for (const auto& v : params) CHECK(v.grad().defined());
  });
  run.on_step([&](Run& r, const StepStats& s) {
    events.push_back("step");
    CHECK(s.step == r.steps_done());
  });
  run.step();
  CHECK(events == std::vector<std::string>{"fD", "bD", "fD", "bD", "fG", "bG", "step"});
}

TEST_CASE("save/load resumes a run bit for bit", "[gan][run]") {
  for (const char* model : {"gan", "wgan-gp"}) {
    RunConfig c = small_ring(model, 5);
    c.ema = 0.9;
    c.decay_start = 0.2;
    c.steps = 12;
    Run whole(c);
    for (int i = 0; i < 12; ++i) whole.step();
    Run first(c);
    for (int i = 0; i < 5; ++i) first.step();
    const std::string path = temp_path(std::string(model) + ".safetensors");
    first.save(path);
    Run second(c);
    second.load(path);
    CHECK(second.steps_done() == 5);
    while (!second.done()) second.step();
    CHECK(same(snapshot(whole.generator()), snapshot(second.generator())));
    CHECK(same(snapshot(whole.discriminator()), snapshot(second.discriminator())));
    CHECK(same(snapshot(whole.sampler()), snapshot(second.sampler())));
    const std::string a = temp_path("a.safetensors"), b = temp_path("b.safetensors");
    whole.save(a);
    second.save(b);
    CHECK(read_file(a) == read_file(b));  // byte-identical checkpoints
    CheckpointInfo info = Run::read_info(b);
    CHECK(info.step == 12);
    CHECK(info.config.loss == c.loss);
    std::filesystem::remove(path);
    std::filesystem::remove(a);
    std::filesystem::remove(b);
  }
}

TEST_CASE("a run takes a user's own networks through a NetworkBuilder", "[gan][run]") {
  RunConfig c = small_ring("gan", 6);
  int built = 0;
  auto build = [&](Rng& init) {
    ++built;
    MlpSpec spec{.hidden = 8, .layers = 1, .activation = Activation::Tanh};
    return Networks{make_mlp_toy_generator(c.noise_dim, 2, spec, init),
                    make_mlp_toy_discriminator(2, 1, spec, init)};
  };
  c.ema = 0.5;
  Run run(c, build, toy_source("ring"));
  CHECK(built == 2);  // once for G and D, once for G's weight average
  CHECK(run.generator().parameters().size() == 4);
  run.step();
  Tensor x = run.evaluation_samples(10);
  CHECK(x.shape() == Shape{10, 2});
  Run sample_only(c, build, nullptr);
  REQUIRE_THROWS_WITH(sample_only.step(), Catch::Contains("sampling only"));
}
