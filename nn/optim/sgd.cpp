// SGD: torch.optim.SGD's update as one fused pass per parameter (nn/optim/fused.h).
#include "nn/optim/sgd.h"

#include "nn/optim/fused.h"

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
  const bool maximize = o.maximize, decay = o.weight_decay != 0.0, nesterov = o.nesterov;
  const bool momentum = o.momentum != 0.0;
  const bool first = momentum && !state.count("momentum_buffer");
  Tensor none;
  Tensor& b = momentum ? state_tensor(state, "momentum_buffer", p) : none;
  fused_update("SGD", p, grad, [&](auto tag) {
    using T = decltype(tag);
    const T wd = T(o.weight_decay), mu = T(o.momentum), keep = T(1.0 - o.dampening);
    const T neg_lr = T(-o.lr);
    return [=](auto g, auto& p, auto& b) {
      using V = decltype(g);
      if (maximize) g = -g;
      if (decay) g = mul_add(V(wd), p, g);  // g + wd p
      if (momentum) {
        if (first) b = g;
        else b = mul_add(V(keep), g, b * V(mu));  // b = momentum b + (1 - dampening) g
        if (nesterov) g = mul_add(V(mu), b, g);  // g + momentum b
        else g = b;
      }
      p = mul_add(V(neg_lr), g, p);  // p -= lr g
    };
  }, b);
}

}  // namespace nash::nn::optim
