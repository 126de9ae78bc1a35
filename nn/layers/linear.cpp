// Linear: checks the input's last dim, folds any leading dims into one batch dim for the
// autograd linear op, and unfolds them after.
#include "nn/layers/linear.h"

#include <cmath>

#include "nn/layers/common.h"
#include "tensor/creation.h"

namespace nash::nn {

Linear::Linear(const LinearOptions& o, Rng& rng) : Module("Linear"), options(o) {
  NASH_CHECK(o.in_features >= 0 && o.out_features >= 0,
             "Linear: in_features and out_features must be >= 0, got ", o.in_features, " and ",
             o.out_features);
  register_parameter("weight", weight, empty({o.out_features, o.in_features}));
  if (o.bias) register_parameter("bias", bias, empty({o.out_features}));
  reset_parameters(rng);
}

Linear::Linear(int64_t in_features, int64_t out_features, bool bias, Rng& rng)
    : Linear(LinearOptions{in_features, out_features, bias}, rng) {}

Linear::Linear(int64_t in_features, int64_t out_features, Rng& rng)
    : Linear(LinearOptions{in_features, out_features, true}, rng) {}

void init_bias_like_torch(Variable& bias, const Variable& weight, Rng& rng) {
  if (!bias.defined()) return;
  const int64_t fan_in = init::calculate_fan_in_and_fan_out(weight.shape()).fan_in;
  const double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
  init::uniform_(bias, -bound, bound, rng);
}

void Linear::reset_parameters(Rng& rng) {
  init::kaiming_uniform_(weight, std::sqrt(5.0), init::FanMode::FanIn,
                         init::Nonlinearity::LeakyReLU, rng);
  init_bias_like_torch(bias, weight, rng);
}

Variable Linear::forward(const Variable& x) { return forward(x, LinearActivation::kNone); }

Variable Linear::forward(const Variable& x, LinearActivation act, double slope) {
  NASH_CHECK(x.dim() >= 1 && x.size(-1) == options.in_features, "Linear(", extra_repr(),
             "): expected input [..., ", options.in_features, "], got ", x.shape());
  auto apply = [&](const Variable& x2) {
    return act == LinearActivation::kNone ? linear(x2, weight, bias)
                                          : linear_act(x2, weight, bias, act, slope);
  };
  if (x.dim() == 2) return apply(x);
  Shape out_shape = x.shape();  // [..., D_in] -> [..., D_out]
  out_shape.back() = options.out_features;
  return reshape(apply(reshape(x, {-1, options.in_features})), out_shape);
}

std::string Linear::extra_repr() const {
  return "in_features=" + std::to_string(options.in_features) +
         ", out_features=" + std::to_string(options.out_features) +
         ", bias=" + repr::boolean(options.bias);
}

}  // namespace nash::nn
