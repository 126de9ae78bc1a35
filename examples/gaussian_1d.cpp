// A GAN in about 60 lines: G learns to turn uniform noise into samples of N(4, 1.25^2).
// The C++ counterpart of "GAN in 50 lines of PyTorch", written straight against the library so
// every phase of Goodfellow et al.'s Algorithm 1 is visible. Usage: gaussian_1d [seed] [steps]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "gan/data/toy.h"
#include "gan/losses.h"
#include "gan/metrics/toy_metrics.h"
#include "nn/nn.h"
#include "nn/optim.h"
#include "tensor/ops.h"

using namespace nash;

int main(int argc, char** argv) try {
  const uint64_t seed = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 0;
  const int steps = argc > 2 ? std::atoi(argv[2]) : 3000;
  const int64_t batch = 128, hidden = 32;
  Rng rng(seed);

  // G: z ~ U[0, 1) -> x~ (a non-linear map is needed: uniform in, Gaussian out)
  nn::Sequential G(std::make_shared<nn::Linear>(1, hidden, true, rng), std::make_shared<nn::ELU>(),
                   std::make_shared<nn::Linear>(hidden, hidden, true, rng), std::make_shared<nn::ELU>(),
                   std::make_shared<nn::Linear>(hidden, 1, true, rng));
  // D: x -> logit of "x is real" (the sigmoid lives inside the loss)
  nn::Sequential D(std::make_shared<nn::Linear>(1, hidden, true, rng), std::make_shared<nn::ELU>(),
                   std::make_shared<nn::Linear>(hidden, hidden, true, rng), std::make_shared<nn::ELU>(),
                   std::make_shared<nn::Linear>(hidden, 1, true, rng));
  // D learns 5x faster than G, and both rates decay linearly to 0 over the second half: without
  // these G's std keeps oscillating by +-0.3 (measured over 30 seeds, gan/presets.cpp).
  const double lr_d = 1e-3, lr_g = 2e-4;
  nn::optim::Adam opt_d(D.parameters(), {.lr = lr_d, .beta1 = 0.5});
  nn::optim::Adam opt_g(G.parameters(), {.lr = lr_g, .beta1 = 0.5});

  for (int step = 1; step <= steps; ++step) {
    const double decay = std::min(1.0, 2.0 * (steps - step + 1) / steps);  // 1, then down to 0
    opt_d.set_lr(lr_d * decay);
    opt_g.set_lr(lr_g * decay);
    // ---- D step: ascend log D(x) + log(1 - D(G(z))) ----
    Tensor real = gan::sample_gaussian1d(batch, rng);             // x ~ N(4, 1.25^2)
    Variable fake = G(Variable(uniform({batch, 1}, 0, 1, rng)));   // x~ = G(z)
    Variable d_loss = gan::discriminator_loss(D(real), D(fake.detach()));  // detach: G untouched
    opt_d.zero_grad();
    d_loss.backward();
    opt_d.step();

    // ---- G step: descend -log D(G(z)) (the non-saturating loss) ----
    D.requires_grad_(false);  // D only judges here
    Variable g_loss = gan::generator_loss(D(G(Variable(uniform({batch, 1}, 0, 1, rng)))));
    opt_g.zero_grad();
    g_loss.backward();
    opt_g.step();
    D.requires_grad_(true);

    if (step % 500 == 0 || step == steps) {
      NoGradGuard no_grad;
      Tensor samples = G(Variable(uniform({10000, 1}, 0, 1, rng))).value();
      gan::GaussianStats s = gan::gaussian_stats(samples);
      std::printf("step %5d  d_loss %.3f  g_loss %.3f  mean %.3f  std %.3f  ks %.3f\n", step,
                  d_loss.item(), g_loss.item(), s.mean, s.std, s.ks);
    }
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "gaussian_1d: %s\n", e.what());
  return 1;
}
