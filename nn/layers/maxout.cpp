// Maxout: one linear op to all pieces, a reshape that groups each unit's pieces last, and amax
// (whose gradient goes to the winning piece).
#include "nn/layers/maxout.h"

#include <cmath>

#include "nn/layers/common.h"
#include "nn/layers/linear.h"
#include "tensor/creation.h"

namespace nash::nn {

Maxout::Maxout(const MaxoutOptions& o, Rng& rng) : Module("Maxout"), options(o) {
  NASH_CHECK(o.in_features > 0 && o.out_features > 0 && o.pieces > 0,
             "Maxout: in_features, out_features and pieces must be positive, got ",
             o.in_features, ", ", o.out_features, " and ", o.pieces);
  register_parameter("weight", weight, empty({o.out_features * o.pieces, o.in_features}));
  if (o.bias) register_parameter("bias", bias, empty({o.out_features * o.pieces}));
  reset_parameters(rng);
}

void Maxout::reset_parameters(Rng& rng) {
  init::kaiming_uniform_(weight, std::sqrt(5.0), init::FanMode::FanIn,
                         init::Nonlinearity::LeakyReLU, rng);
  init_bias_like_torch(bias, weight, rng);
}

Variable Maxout::forward(const Variable& x) {
  const auto& o = options;
  NASH_CHECK(x.dim() >= 1 && x.size(-1) == o.in_features, "Maxout(", extra_repr(),
             "): expected input [..., ", o.in_features, "], got ", x.shape());
  Shape out_shape = x.shape();  // [..., D_in] -> [..., D_out]
  out_shape.back() = o.out_features;
  Variable z = linear(reshape(x, {-1, o.in_features}), weight, bias);  // [M, D_out * pieces]
  Variable y = amax(reshape(z, {-1, o.out_features, o.pieces}), {2});  // [M, D_out]
  return reshape(y, out_shape);
}

std::string Maxout::extra_repr() const {
  return "in_features=" + std::to_string(options.in_features) +
         ", out_features=" + std::to_string(options.out_features) +
         ", pieces=" + std::to_string(options.pieces) +
         (options.bias ? std::string() : ", bias=false");
}

}  // namespace nash::nn
