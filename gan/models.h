// The networks of the GAN families. A generator maps noise z [N, Z] (plus class labels [N] when
// conditional) to samples; a discriminator maps samples (plus labels) to one raw score per row:
// a logit for GAN/CGAN (the sigmoid lives inside the loss, for stability) or a critic value
// for WGAN. Shapes: N batch, Z noise dim, K classes, C/H/W image channels and size.
#pragma once
#include <memory>

#include "nn/nn.h"

namespace nash::gan {

class Generator : public nn::Module {
 public:
  using nn::Module::Module;
  // z [N, Z], labels [N] int64 (undefined when unconditional) -> samples [N, ...sample_shape]
  virtual Variable generate(const Variable& z, const Tensor& labels) = 0;
  int64_t noise_dim = 0;
  int64_t num_classes = 0;  // > 0 for a conditional generator
  Shape sample_shape;       // one sample's shape, e.g. [2] or [1, 28, 28]
};

class Discriminator : public nn::Module {
 public:
  using nn::Module::Module;
  // x [N, ...], labels [N] int64 (undefined when unconditional) -> scores [N, 1]
  virtual Variable score(const Variable& x, const Tensor& labels) = 0;
  int64_t num_classes = 0;
};

// ---- toy MLPs (VEEGAN protocol): G z -> 128 -> 128 -> D_out, D D_in*pack -> 128 -> 128 -> 1 ----
std::shared_ptr<Generator> make_toy_generator(int64_t noise_dim, int64_t out_dim,
                                                 int64_t hidden, Rng& rng);
// pack > 1 (PacGAN): D scores m samples at once, so its input is D_in * pack wide.
std::shared_ptr<Discriminator> make_toy_discriminator(int64_t in_dim, int64_t hidden,
                                                         int64_t pack, Rng& rng);

// ---- image MLPs of PyTorch-GAN's gan.py / cgan.py, for images [C, S, S] -----------------------
// G: z (+ label embedding) -> 128 -> 256 -> 512 -> 1024 -> C*S*S, LeakyReLU 0.2, BatchNorm on the
// 256/512/1024 layers (eps 0.8, as gan.py passes it), Tanh, reshaped to [N, C, S, S].
std::shared_ptr<Generator> make_mlp_generator(int64_t noise_dim, int64_t num_classes,
                                              const Shape& image, Rng& rng);
// D: C*S*S -> 512 -> 256 -> 1 with LeakyReLU 0.2 (gan.py); conditional: [x, embed(label)] ->
// 512 -> 512 -> 512 -> 1 with Dropout 0.4 (cgan.py).
std::shared_ptr<Discriminator> make_mlp_discriminator(int64_t num_classes, const Shape& image,
                                                      Rng& rng);

// ---- DCGAN (PyTorch-GAN's dcgan.py) for images [C, S, S], S a multiple of 4 (28, 32, 64) -----
// G: z -> Linear -> [128, S/4, S/4] -> BN -> up x2 + conv3 128 -> BN LReLU -> up x2 + conv3 64
//    -> BN LReLU -> conv3 C -> Tanh.   D: conv3 s2 C->16->32->64->128 (LReLU 0.2, Dropout2d
//    0.25, BN after the first) -> Linear -> 1. Weights N(0, 0.02), BN weights N(1, 0.02).
// Each "up x2 + conv3" is one nn::UpsampleConv2d (the same function as Upsample then Conv2d, with
// Conv2d's parameters, in 4/9 of the work). batch_norm = false drops D's BatchNorm (a critic with a gradient penalty must not normalise
// across samples).
std::shared_ptr<Generator> make_dcgan_generator(int64_t noise_dim, int64_t image_size,
                                                int64_t channels, Rng& rng);
std::shared_ptr<Discriminator> make_dcgan_discriminator(int64_t image_size, int64_t channels,
                                                        bool batch_norm, Rng& rng);

}  // namespace nash::gan
