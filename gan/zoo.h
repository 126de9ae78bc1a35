// The map from a configuration to its networks, in one place: toy MLPs (gan/toy_models.h) for
// toy data, PyTorch-GAN's MLPs or DCGAN (gan/models.h) for images; with cond projection the
// conditional-BatchNorm G and projection D (gan/conditional_nets.h), and with spectral_norm the
// DCGAN D as a spectral-normed projection D without class embedding. A user's own networks bypass
// it: hand gan::Run a NetworkBuilder of your own.
#pragma once
#include <functional>
#include <memory>

#include "gan/models.h"
#include "gan/run_config.h"

namespace nash::gan {

struct Networks {
  std::shared_ptr<Generator> g;
  std::shared_ptr<Discriminator> d;
};

// Builds G and D, initialised from `init`. gan::Run calls it once for the networks and once more
// for G's weight average (only G of that second call is kept).
using NetworkBuilder = std::function<Networks(Rng& init)>;

// The networks config.architecture() names, sized by the configuration (noise, image size and
// channels, classes, PacGAN packing). Throws nash::Error for sizes the networks cannot take.
NetworkBuilder network_builder(const RunConfig& config);

}  // namespace nash::gan
