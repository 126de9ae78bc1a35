// Conditional GAN (Mirza & Osindero 2014) on Fashion-MNIST with cgan.py's networks: a learned
// label embedding is concatenated to G's noise and to D's input, so G(z, y) draws class y.
//   fashion_cgan --steps 3000 --out runs/fashion_cgan   (row r of each grid is class r)
#include "examples/fashion_common.h"

int main(int argc, char** argv) try {
  using namespace nash::gan;
  example::Flags f = example::parse_flags(argc, argv, "runs/fashion_cgan");
  nash::Rng init(f.seed);
  TrainConfig c = TrainConfig::defaults(Family::Cgan);  // D judges (x, y) pairs
  c.seed = f.seed;
  Trainer t(make_mlp_generator(100, 10, init), make_mlp_discriminator(10, init),
            loader_sampler(example::fashion_loader(f, c.batch_size)), c);
  example::train_and_sample(t, f);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "fashion_cgan: %s\n", e.what());
  return 1;
}
