// Configurable MLPs for the toy data sets (gaussian1d, ring, grid): the depth, width and
// activation of G and D are the knobs the toy presets (gan/presets.h) tune, which the fixed
// VEEGAN-size nets of gan/models.h do not expose. Shapes: N batch, Z noise dim, D sample dim.
//   G: z [N, Z] -> (Linear, act) x layers -> Linear -> [N, D]
//   D: x [N, D * pack] -> x * input_scale -> (Linear or Maxout, act) x layers -> Linear -> [N, 1]
#pragma once
#include <memory>
#include <string>

#include "gan/models.h"

namespace nash::gan {

enum class Activation { Relu, LeakyRelu, Elu, Tanh, Maxout };
const char* activation_name(Activation a);  // "relu", "lrelu", "elu", "tanh", "maxout"
Activation parse_activation(const std::string& name);

struct MlpSpec {
  int64_t hidden = 128;                  // units per hidden layer
  int64_t layers = 2;                    // hidden layers
  Activation activation = Activation::Relu;
  double slope = 0.2;                    // LeakyReLU's negative slope
  int64_t pieces = 5;                    // Maxout's pieces per unit (Maxout replaces Linear+act)
  bool batch_norm = false;               // BatchNorm1d after each hidden Linear (G only)
  double input_scale = 1.0;              // D only: scores x * input_scale. With Adam this is a
                                         // first layer whose weights move input_scale x faster,
                                         // so D resolves fine structure (ring std 0.01) sooner
};

std::shared_ptr<Generator> make_mlp_toy_generator(int64_t noise_dim, int64_t out_dim,
                                                     const MlpSpec& spec, Rng& rng);
// pack > 1 (PacGAN): D scores `pack` samples at once, its input is in_dim * pack wide.
std::shared_ptr<Discriminator> make_mlp_toy_discriminator(int64_t in_dim, int64_t pack,
                                                             const MlpSpec& spec, Rng& rng);

}  // namespace nash::gan
