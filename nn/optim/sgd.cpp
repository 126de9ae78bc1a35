// SGD: torch.optim.SGD's update as one fused pass per parameter (tensor/kernels/optim_update.h).
#include "nn/optim/sgd.h"

#include "tensor/kernels/optim_update.h"

namespace nash::nn::optim {

SGD::SGD(std::vector<Variable> params, SGDOptions options)
    : OptimizerWith("SGD", std::move(params)) {
  set_options(options);
}

std::vector<std::string> SGD::check_options(const SGDOptions& o) const {
  const std::string& t = type_name();
  check_nonnegative_option(t, "lr", o.lr);
  check_nonnegative_option(t, "momentum", o.momentum);
  check_nonnegative_option(t, "dampening", o.dampening);
  check_nonnegative_option(t, "weight_decay", o.weight_decay);
  NASH_CHECK(!o.nesterov || (o.momentum > 0.0 && o.dampening == 0.0), t,
             ": nesterov momentum requires momentum > 0 and zero dampening (got momentum ",
             o.momentum, ", dampening ", o.dampening, ")");
  if (o.momentum != 0.0) return {"momentum_buffer"};
  return {};
}

void SGD::update(Tensor& p, const Tensor& grad, ParamState& state) {
  const SGDOptions& o = options();
  const bool momentum = o.momentum != 0.0;
  const bool first = momentum && !state.count("momentum_buffer");
  Tensor none;
  Tensor& b = momentum ? state_tensor(state, "momentum_buffer", p) : none;
  kernels::sgd_update_("SGD", p, grad, b,
                       {.lr = o.lr, .momentum = o.momentum, .dampening = o.dampening,
                        .weight_decay = o.weight_decay, .nesterov = o.nesterov,
                        .maximize = o.maximize, .first = first});
}

}  // namespace nash::nn::optim
