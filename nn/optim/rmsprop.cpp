// RMSprop: torch's single-tensor algorithm as one fused pass per parameter
// (tensor/kernels/optim_update.h).
#include "nn/optim/rmsprop.h"

#include "tensor/kernels/optim_update.h"

namespace nash::nn::optim {

RMSprop::RMSprop(std::vector<Variable> params, RMSpropOptions options)
    : OptimizerWith("RMSprop", std::move(params)) {
  set_options(options);
}

std::vector<std::string> RMSprop::check_options(const RMSpropOptions& o) const {
  const std::string& t = type_name();
  check_nonnegative_option(t, "lr", o.lr);
  check_nonnegative_option(t, "alpha", o.alpha);
  check_nonnegative_option(t, "eps", o.eps);
  check_nonnegative_option(t, "weight_decay", o.weight_decay);
  check_nonnegative_option(t, "momentum", o.momentum);
  std::vector<std::string> keys = {"step", "square_avg"};
  if (o.centered) keys.push_back("grad_avg");
  if (o.momentum > 0.0) keys.push_back("momentum_buffer");
  return keys;
}

void RMSprop::update(Tensor& p, const Tensor& grad, ParamState& state) {
  const RMSpropOptions& o = options();
  increment_step(state);
  Tensor none_a, none_b;
  Tensor& v = state_tensor(state, "square_avg", p);
  Tensor& a = o.centered ? state_tensor(state, "grad_avg", p) : none_a;
  Tensor& b = o.momentum > 0.0 ? state_tensor(state, "momentum_buffer", p) : none_b;
  kernels::rmsprop_update_("RMSprop", p, grad, v, a, b,
                           {.lr = o.lr, .alpha = o.alpha, .eps = o.eps,
                            .weight_decay = o.weight_decay, .momentum = o.momentum,
                            .centered = o.centered, .maximize = o.maximize});
}

}  // namespace nash::nn::optim
