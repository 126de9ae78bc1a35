// WGAN-GP (Gulrajani et al. 2017) on Fashion-MNIST: no clipping; the critic loss gains
// lambda * E (||grad_xhat f(xhat)||_2 - 1)^2 at xhat = eps x + (1 - eps) G(z), eps ~ U[0, 1),
// a second-derivative term. Adam 1e-4 betas (0, 0.9), lambda 10, n_critic 5. The critic has
// no BatchNorm (the penalty is per sample).
//   fashion_wgan_gp --steps 2000 --out runs/fashion_wgan_gp
#include "examples/fashion_common.h"

int main(int argc, char** argv) try {
  using namespace nash::gan;
  example::Flags f = example::parse_flags(argc, argv, "runs/fashion_wgan_gp");
  nash::Rng init(f.seed);
  TrainConfig c = TrainConfig::defaults(Family::WganGp);
  c.seed = f.seed;
  Trainer t(make_mlp_generator(100, 0, init), make_mlp_discriminator(0, init),
            loader_sampler(example::fashion_loader(f, c.batch_size)), c);
  example::train_and_sample(t, f);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "fashion_wgan_gp: %s\n", e.what());
  return 1;
}
