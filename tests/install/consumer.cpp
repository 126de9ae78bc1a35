// An outside project: includes only <nash/nash.h> from the installed package, checks one backward
// pass, then trains a GAN through gan::Run whose discriminator uses a layer defined here.
#include <cmath>
#include <cstdio>
#include <memory>

#include <nash/nash.h>

using namespace nash;

// A layer nash does not have: y = x * sigmoid(beta * x) with a learned beta per feature (a
// learnable Swish), written with nash's differentiable ops, so it needs no backward of its own.
class LearnedSwish : public nn::Module {
 public:
  Variable beta;  // [features]
  explicit LearnedSwish(int64_t features) : nn::Module("LearnedSwish") {
    register_parameter("beta", beta, full({features}, 1.0));
  }
  Variable forward(const Variable& x) override { return x * sigmoid(x * beta); }
};

// D for 2-D points: x * 10 -> Linear -> LearnedSwish -> Linear, one logit per row (the input
// scale, as the ring preset's D has, lets D resolve the ring's narrow modes sooner).
class SwishCritic : public gan::Discriminator {
 public:
  std::shared_ptr<nn::Linear> fc1, fc2;
  std::shared_ptr<LearnedSwish> act;
  explicit SwishCritic(Rng& rng) : gan::Discriminator("SwishCritic") {
    fc1 = register_module("fc1", std::make_shared<nn::Linear>(2, 64, true, rng));
    act = register_module("act", std::make_shared<LearnedSwish>(64));
    fc2 = register_module("fc2", std::make_shared<nn::Linear>(64, 1, true, rng));
  }
  Variable score(const Variable& x, const Tensor&) override {
    return fc2->forward(act->forward(fc1->forward(x * 10.0)));
  }
  Variable forward(const Variable& x) override { return score(x, Tensor()); }
};

int main() {
  Variable x(tensor({1.0, 2.0, 3.0}), true);
  Variable y = sum(x * x);
  y.backward();
  std::printf("%g %g\n", y.item(), sum(x.grad().value()).item());  // 14 12

  // The ring's preset with a smaller budget, G from the library, D from this file.
  gan::RunConfig c = gan::default_config("ring", "");
  c.steps = 400;
  c.batch = 128;
  c.pack = 1;
  gan::NetworkBuilder build = [&c](Rng& init) {
    auto g = gan::make_mlp_toy_generator(c.noise_dim, 2, c.g, init);
    return gan::Networks{g, std::make_shared<SwishCritic>(init)};
  };
  gan::Run run(c, build, gan::toy_source("ring"));
  auto* critic = dynamic_cast<SwishCritic*>(&run.discriminator());
  const double beta_before = mean(critic->act->beta.value()).item();
  const double radius_before = mean(sqrt(sum(square(run.evaluation_samples(1000)), {1}))).item();
  while (!run.done()) run.step();
  const double beta_after = mean(critic->act->beta.value()).item();
  // The ring's 8 modes lie on the unit circle: a trained G puts its samples near radius 1.
  const double radius = mean(sqrt(sum(square(run.evaluation_samples(1000)), {1}))).item();
  std::printf("radius %.3f -> %.3f, mean beta %.4f -> %.4f\n", radius_before, radius, beta_before, beta_after);
  const bool learned = std::abs(radius - 1.0) < 0.15 && std::abs(radius_before - 1.0) > 0.3;
  return learned && beta_after != beta_before ? 0 : 1;
}
