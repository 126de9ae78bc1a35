// RMSprop: torch's single-tensor algorithm as one fused pass per parameter (nn/optim/fused.h).
#include "nn/optim/rmsprop.h"

#include "nn/optim/fused.h"

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
  const bool maximize = o.maximize, decay = o.weight_decay != 0.0, centered = o.centered;
  const bool momentum = o.momentum > 0.0;
  increment_step(state);
  Tensor none_a, none_b;
  Tensor& v = state_tensor(state, "square_avg", p);
  Tensor& a = centered ? state_tensor(state, "grad_avg", p) : none_a;
  Tensor& b = momentum ? state_tensor(state, "momentum_buffer", p) : none_b;
  fused_update("RMSprop", p, grad, [&](auto tag) {
    using T = decltype(tag);
    const T wd = T(o.weight_decay), alpha = T(o.alpha), rest = T(1.0 - o.alpha);
    const T eps = T(o.eps), mu = T(o.momentum), neg_lr = T(-o.lr);
    return [=](auto g, auto& p, auto& v, auto& a, auto& b) {
      using V = decltype(g);
      if (maximize) g = -g;
      if (decay) g = mul_add(V(wd), p, g);  // g + wd p
      v = mul_add(V(rest), g * g, v * V(alpha));  // v = alpha v + (1 - alpha) g^2
      V d;
      if (centered) {
        a = mul_add(V(rest), g, a * V(alpha));  // a = alpha a + (1 - alpha) g
        d = xsimd::sqrt(mul_add(V(-1), a * a, v));  // sqrt(v - a^2)
      } else {
        d = xsimd::sqrt(v);
      }
      d = d + V(eps);
      if (momentum) {
        b = mul_add(V(1), g / d, b * V(mu));  // b = momentum b + g / d
        p = mul_add(V(neg_lr), b, p);          // p -= lr b
      } else {
        p = mul_add(V(neg_lr), g / d, p);  // p -= lr g / d
      }
    };
  }, v, a, b);
}

}  // namespace nash::nn::optim
