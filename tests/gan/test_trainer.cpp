// Trainer: the D/G boundary, WGAN clipping after every critic step, seeded reproducibility.
#include <catch2/catch.hpp>

#include "gan/trainer.h"
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

Trainer toy_trainer(Family family, uint64_t seed, int64_t n_critic = 5) {
  Rng init(seed);
  ToyData ring("ring");
  TrainConfig c = TrainConfig::defaults(family);
  c.batch_size = 32;
  c.n_critic = n_critic;
  c.seed = seed;
  return Trainer(make_toy_generator(4, 2, 16, init), make_toy_discriminator(2, 16, 1, init),
                 toy_sampler(ring), c);
}
}  // namespace

TEST_CASE("WGAN: every critic weight stays within +-c after every critic step", "[gan][trainer]") {
  Trainer t = toy_trainer(Family::Wgan, 7, /*n_critic=*/1);  // one critic step per step()
  const double c = t.config().clip;
  double last_fraction = 0;
  for (int i = 0; i < 20; ++i) {
    StepStats s = t.step();
    for (const auto& p : t.discriminator().parameters()) {
      REQUIRE(amax(p.value()).item() <= c);
      REQUIRE(amin(p.value()).item() >= -c);
    }
    last_fraction = s.clipped_fraction;
  }
  // PyTorch's default init draws most weights beyond 0.01, so many sit at the edge.
  CHECK(last_fraction > 0.3);
  CHECK(last_fraction <= 1.0);
}

TEST_CASE("the D step never moves G and the G step never moves D", "[gan][trainer]") {
  for (Family f : {Family::Gan, Family::WganGp}) {
    Trainer t = toy_trainer(f, 8);
    // A step is D steps then a G step; compare G before/after with the G step's update removed
    // by setting G's learning rate to 0, and D likewise.
    t.g_optimizer().set_lr(0.0);
    auto g0 = snapshot(t.generator());
    auto d0 = snapshot(t.discriminator());
    t.step();
    CHECK(same(g0, snapshot(t.generator())));       // D steps (and a G step with lr 0)
    CHECK_FALSE(same(d0, snapshot(t.discriminator())));
    t.g_optimizer().set_lr(1e-3);
    t.d_optimizer().set_lr(0.0);
    auto g1 = snapshot(t.generator());
    auto d1 = snapshot(t.discriminator());
    StepStats s = t.step();
    CHECK(same(d1, snapshot(t.discriminator())));   // G step froze D; D steps had lr 0
    CHECK_FALSE(same(g1, snapshot(t.generator())));
    CHECK(s.grad_norm_g > 0);
    for (const auto& p : t.discriminator().parameters()) CHECK(p.requires_grad());  // unfrozen
  }
}

TEST_CASE("the same seed reproduces a run bit for bit", "[gan][trainer]") {
  for (Family f : {Family::Gan, Family::Wgan, Family::WganGp}) {
    Trainer a = toy_trainer(f, 9), b = toy_trainer(f, 9), c = toy_trainer(f, 10);
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

TEST_CASE("WGAN-GP reports a penalty norm; config errors are clear", "[gan][trainer]") {
  Trainer t = toy_trainer(Family::WganGp, 11);
  StepStats s = t.step();
  CHECK(s.gp_norm > 0);
  CHECK(s.wasserstein == Approx(s.d_real - s.d_fake));
  Rng init(1);
  TrainConfig bad = TrainConfig::defaults(Family::Gan);
  bad.batch_size = 10;
  bad.pack = 4;
  REQUIRE_THROWS_WITH(Trainer(make_toy_generator(4, 2, 8, init), make_toy_discriminator(2, 8, 4, init),
                              toy_sampler(ToyData("ring")), bad),
                      Catch::Contains("batch_size 10 must be a multiple of pack 4"));
  REQUIRE_THROWS_WITH(parse_family("vae"), Catch::Contains("unknown GAN family 'vae'"));
}
