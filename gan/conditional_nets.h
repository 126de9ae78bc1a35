// Class-conditional DCGAN-shaped networks with the components of later GANs:
//   make_conditional_dcgan_generator  make_dcgan_generator's layers (gan/models.h) with every
//       BatchNorm2d replaced by a ConditionalBatchNorm2d (per-class gain and bias), C output
//       channels, and optionally a SAGAN self-attention block at the S/2 stage
//   make_projection_discriminator     make_dcgan_discriminator's conv trunk phi (conv3 stride 2,
//       16 -> 32 -> 64 -> 128, LeakyReLU 0.2, Dropout2d) with a projection head (Miyato &
//       Koyama 2018): score = psi(phi(x)) + <embed(y), phi(x)>, psi linear, embed [K, F];
//       optionally spectral norm on every conv, linear and the embedding (Miyato et al. 2018),
//       self-attention after the second conv, and a minibatch-std channel before the head
// Both implement gan::Generator / gan::Discriminator. Images [N, C, S, S] in [-1, 1], S a
// multiple of 4 (28 and 32 as the DCGAN presets; attention needs S <= 32 in G, S <= 64 in D,
// so that it runs on feature maps of at most 16x16). Weights: convs N(0, 0.02), conditional-BN gains N(1, 0.02), biases 0 (dcgan.py's
// weights_init_normal), the projection embedding N(0, 0.02).
//
//   auto g = gan::make_conditional_dcgan_generator({.noise_dim = 100, .num_classes = 10}, rng);
//   auto d = gan::make_projection_discriminator({.num_classes = 10}, rng);
//   Variable logits = d->score(g->generate(z, labels), labels);   // [N, 1]
#pragma once
#include <cstdint>
#include <memory>

#include "gan/models.h"

namespace nash::gan {

struct ConditionalGeneratorOptions {
  int64_t noise_dim = 100;   // Z
  int64_t num_classes = 10;  // K >= 1
  int64_t image_size = 28;   // S
  int64_t channels = 1;      // C
  bool self_attention = false;
};
std::shared_ptr<Generator> make_conditional_dcgan_generator(const ConditionalGeneratorOptions& options,
                                                            Rng& rng);

struct ProjectionDiscriminatorOptions {
  int64_t num_classes = 10;  // K; 0 makes an unconditional D (psi only)
  int64_t image_size = 28;   // S
  int64_t channels = 1;      // C
  bool spectral_norm = true;
  bool self_attention = false;
  bool minibatch_std = false;  // group size 4
  double dropout = 0.25;       // Dropout2d after each conv, as dcgan.py (0 turns it off)
};
std::shared_ptr<Discriminator> make_projection_discriminator(
    const ProjectionDiscriminatorOptions& options, Rng& rng);

}  // namespace nash::gan
