// DCGAN on Fashion-MNIST with PyTorch-GAN's dcgan.py networks: G upsamples a 128 x 7 x 7 map
// through 3x3 convolutions with BatchNorm; D is four stride-2 convolutions 1->16->32->64->128.
// Weights N(0, 0.02). The vanilla GAN objective, Adam 2e-4 betas (0.5, 0.999).
//   fashion_dcgan --steps 1000 --out runs/fashion_dcgan
#include "examples/fashion_common.h"

int main(int argc, char** argv) try {
  using namespace nash::gan;
  example::Flags f = example::parse_flags(argc, argv, "runs/fashion_dcgan");
  nash::Rng init(f.seed);
  TrainConfig c = TrainConfig::defaults(Family::Gan);
  c.seed = f.seed;
  Trainer t(make_dcgan_generator(100, 28, init), make_dcgan_discriminator(28, true, init),
            loader_sampler(example::fashion_loader(f, c.batch_size)), c);
  example::train_and_sample(t, f);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "fashion_dcgan: %s\n", e.what());
  return 1;
}
