// The configuration -> networks map (see zoo.h).
#include "gan/zoo.h"

#include "gan/conditional_nets.h"
#include "gan/data/toy.h"
#include "gan/objective.h"

namespace nash::gan {

NetworkBuilder network_builder(const RunConfig& c) {
  const std::string arch = c.architecture();
  const int64_t z = c.noise_dim;
  if (arch == "toy-mlp") {
    const int64_t dim = ToyData(c.data).dim();
    return [c, z, dim](Rng& init) {
      auto g = make_mlp_toy_generator(z, dim, c.g, init);
      auto d = make_mlp_toy_discriminator(dim, c.pack, c.d, init);
      return Networks{g, d};
    };
  }
  NASH_CHECK(c.image_size >= 1 && c.channels >= 1, "networks for ", c.data,
             ": the image size and channels are not known yet (open the data first)");
  const Shape image{c.channels, c.image_size, c.image_size};
  const int64_t k = c.conditional() ? c.num_classes : 0;
  if (arch == "dcgan") {
    NASH_CHECK(c.image_size % 4 == 0 && c.image_size >= 8, c.data, ": DCGAN needs an image size that",
               " is a multiple of 4 (28, 32, 64, ...), got ", c.image_size);
    // D's trunk as a projection discriminator (gan/conditional_nets.h): dcgan.py's convs with a
    // class embedding when conditional, spectral norm on every layer when asked. Spectral norm
    // takes the place of the DCGAN D's BatchNorm, as in SNGAN's discriminators.
    const ProjectionDiscriminatorOptions projection{.num_classes = k, .image_size = c.image_size,
                                                    .channels = c.channels, .spectral_norm = c.spectral_norm};
    if (c.cond == "projection") {  // class-conditional: conditional-BatchNorm G, projection D
      NASH_CHECK(k >= 1, "cond projection: the data has no class labels");
      const ConditionalGeneratorOptions generator{.noise_dim = z, .num_classes = k, .image_size = c.image_size,
                                                  .channels = c.channels};
      return [generator, projection](Rng& init) {
        auto g = make_conditional_dcgan_generator(generator, init);
        auto d = make_projection_discriminator(projection, init);
        return Networks{g, d};
      };
    }
    NASH_CHECK(k == 0, "dcgan: a class-conditional DCGAN takes cond projection");
    // A critic whose objective penalises its input gradient must not normalise across samples.
    const bool batch_norm = !make_objective(c).penalty;
    return [c, z, batch_norm, projection](Rng& init) {
      auto g = make_dcgan_generator(z, c.image_size, c.channels, init);
      auto d = c.spectral_norm ? make_projection_discriminator(projection, init)
                               : make_dcgan_discriminator(c.image_size, c.channels, batch_norm, init);
      return Networks{g, d};
    };
  }
  return [z, k, image](Rng& init) {
    auto g = make_mlp_generator(z, k, image, init);
    auto d = make_mlp_discriminator(k, image, init);
    return Networks{g, d};
  };
}

}  // namespace nash::gan
