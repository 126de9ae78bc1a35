// Vanilla GAN on Fashion-MNIST with PyTorch-GAN's gan.py networks (MLPs, BatchNorm in G),
// Adam 2e-4 betas (0.5, 0.999), batch 64, k = 1 D step per G step, non-saturating G loss.
//   fashion_gan --steps 2000 --out runs/fashion_gan
#include "examples/fashion_common.h"

int main(int argc, char** argv) try {
  using namespace nash::gan;
  example::Flags f = example::parse_flags(argc, argv, "runs/fashion_gan");
  nash::Rng init(f.seed);
  TrainConfig c = TrainConfig::defaults(Family::Gan);  // D ascends log D(x) + log(1 - D(G(z)))
  c.seed = f.seed;
  Trainer t(make_mlp_generator(100, 0, init), make_mlp_discriminator(0, init),
            loader_sampler(example::fashion_loader(f, c.batch_size)), c);
  example::train_and_sample(t, f);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "fashion_gan: %s\n", e.what());
  return 1;
}
