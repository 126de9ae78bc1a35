// A seeded short run of the conditional networks with DiffAugment: two classes of 8x8 images
// (class 0 bright on top, class 1 bright at the bottom); after training, G must draw each
// class the way round its label asks for.
#include <catch2/catch.hpp>

#include "gan/conditional_nets.h"
#include "gan/diffaugment.h"
#include "gan/losses.h"
#include "nn/optim/adam.h"
#include "tensor/ops.h"

using namespace nash;
using namespace nash::gan;

namespace {

// Top half minus bottom half brightness of each image [N, 1, 8, 8] -> [N].
Tensor top_minus_bottom(const Tensor& x) {
  return sub(mean(x.narrow(2, 0, 4), {1, 2, 3}), mean(x.narrow(2, 4, 4), {1, 2, 3}));
}

// labels [N] -> images: +0.8 on the labelled half, -0.8 on the other, plus N(0, 0.1) noise.
Tensor real_batch(const Tensor& labels, Rng& rng) {
  const int64_t n = labels.size(0);
  std::vector<float> v(static_cast<size_t>(n * 64));
  const std::vector<int64_t> y = labels.values<int64_t>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t p = 0; p < 64; ++p) {
      const bool top = p < 32;
      v[static_cast<size_t>(i * 64 + p)] = (top == (y[i] == 0)) ? 0.8f : -0.8f;
    }
  return add(from_vector(v, {n, 1, 8, 8}), normal({n, 1, 8, 8}, 0, 0.1, rng));
}

}  // namespace

TEST_CASE("conditional G and projection D learn label-dependent images", "[gan][conditional][training]") {
  Rng rng(7), aug_rng(8);
  auto g = make_conditional_dcgan_generator({.noise_dim = 16, .num_classes = 2, .image_size = 8}, rng);
  auto d = make_projection_discriminator({.num_classes = 2, .image_size = 8, .dropout = 0.0}, rng);
  nn::optim::Adam opt_g(g->parameters(), {.lr = 2e-4, .beta1 = 0.5});
  nn::optim::Adam opt_d(d->parameters(), {.lr = 2e-4, .beta1 = 0.5});
  // Translation only: a one-pixel shift keeps the top/bottom layout the labels decide.
  DiffAugmentOptions policy{.color = true, .translation = true, .cutout = false};
  const int64_t batch = 32;
  for (int step = 0; step < 300; ++step) {
    Tensor labels = randint({batch}, 0, 2, rng);
    Tensor real = real_batch(labels, rng);
    Variable fake = g->generate(Variable(normal({batch, 16}, 0, 1, rng)), labels);
    // D: bce(D(aug(x)), 1) + bce(D(aug(G(z))), 0)
    opt_d.zero_grad();
    Variable d_loss = discriminator_loss(d->score(diff_augment(Variable(real), policy, aug_rng), labels),
                                         d->score(diff_augment(fake.detach(), policy, aug_rng), labels));
    d_loss.backward();
    opt_d.step();
    // G: bce(D(aug(G(z))), 1), the non-saturating loss through the same augmentation
    opt_g.zero_grad();
    Variable g_loss = generator_loss(d->score(diff_augment(fake, policy, aug_rng), labels));
    g_loss.backward();
    opt_g.step();
  }
  g->eval();
  NoGradGuard no_grad;
  Tensor zeros_l = zeros({200}, DType::Int64), ones_l = full({200}, 1.0, DType::Int64);
  Variable z(normal({200, 16}, 0, 1, rng));
  const std::vector<double> d0 = top_minus_bottom(g->generate(z, zeros_l).value()).to_vector();
  const std::vector<double> d1 = top_minus_bottom(g->generate(z, ones_l).value()).to_vector();
  int right0 = 0, right1 = 0;
  for (double v : d0) right0 += v > 0.5;
  for (double v : d1) right1 += v < -0.5;
  INFO("class 0 right way up: " << right0 << "/200, class 1: " << right1 << "/200");
  CHECK(right0 >= 180);
  CHECK(right1 >= 180);
}
