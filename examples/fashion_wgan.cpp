// WGAN (Arjovsky et al. 2017) on Fashion-MNIST: the critic drops the sigmoid and the logs and
// ascends E f(x) - E f(G(z)); its weights are clipped to [-0.01, 0.01] after every critic step;
// RMSprop 5e-5, n_critic = 5 critic steps per G step (the paper's defaults).
//   fashion_wgan --steps 2000 --out runs/fashion_wgan
#include "examples/fashion_common.h"

int main(int argc, char** argv) try {
  using namespace nash::gan;
  example::Flags f = example::parse_flags(argc, argv, "runs/fashion_wgan");
  nash::Rng init(f.seed);
  TrainConfig c = TrainConfig::defaults(Family::Wgan);
  c.seed = f.seed;
  Trainer t(make_mlp_generator(100, 0, init), make_mlp_discriminator(0, init),
            loader_sampler(example::fashion_loader(f, c.batch_size)), c);
  example::train_and_sample(t, f);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "fashion_wgan: %s\n", e.what());
  return 1;
}
