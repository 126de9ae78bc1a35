// Maxout (Goodfellow et al. 2013), the unit of the maxout discriminators of the original GAN
// paper and PacGAN: a Linear to out_features * pieces, then the max over each unit's pieces.
//   y[n, j] = max_k (x W^T + b)[n, j * pieces + k],  k = 0 .. pieces-1
// Shapes: x [..., D_in] -> y [..., D_out]; weight [D_out * pieces, D_in], bias [D_out * pieces].
// Initialised like a Linear of the same shape (U(-1/sqrt(D_in), 1/sqrt(D_in))).
#pragma once
#include <cstdint>
#include <string>

#include "nn/init.h"
#include "nn/module.h"

namespace nash::nn {

struct MaxoutOptions {
  int64_t in_features = 0;   // D_in
  int64_t out_features = 0;  // D_out (units)
  int64_t pieces = 5;        // linear pieces per unit (5 in the GAN paper's MNIST discriminator)
  bool bias = true;
};

class Maxout : public Module {
 public:
  Variable weight;  // [D_out * pieces, D_in]; rows j*pieces .. j*pieces+pieces-1 belong to unit j
  Variable bias;    // [D_out * pieces]; undefined when options.bias is false
  MaxoutOptions options;

  explicit Maxout(const MaxoutOptions& options, Rng& rng = default_rng());
  void reset_parameters(Rng& rng = default_rng());
  Variable forward(const Variable& x) override;
  std::string extra_repr() const override;  // "in_features=784, out_features=240, pieces=5"
};

}  // namespace nash::nn
