// Adam / AdamW: torch's single-tensor algorithm as one fused pass per parameter
// (nn/optim/fused.h). AdamOptions and AdamWOptions have the same fields, so one template serves
// both.
#include "nn/optim/adam.h"

#include <cmath>

#include "nn/optim/fused.h"
#include "tensor/kernels/functors.h"

namespace nash::nn::optim {

namespace {

template <class O>
std::vector<std::string> check(const std::string& type, const O& o) {
  check_nonnegative_option(type, "lr", o.lr);
  check_nonnegative_option(type, "eps", o.eps);
  check_nonnegative_option(type, "weight_decay", o.weight_decay);
  check_beta_option(type, "beta1", o.beta1);
  check_beta_option(type, "beta2", o.beta2);
  if (o.amsgrad) return {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
  return {"step", "exp_avg", "exp_avg_sq"};
}

template <class O>
void adam_update(const char* op, Tensor& p, const Tensor& grad, ParamState& state, const O& o,
                 bool decoupled) {
  const bool maximize = o.maximize, decay = o.weight_decay != 0.0, amsgrad = o.amsgrad;
  const int64_t t = increment_step(state);
  const double bias_correction1 = 1.0 - std::pow(o.beta1, static_cast<double>(t));
  const double bias_correction2 = 1.0 - std::pow(o.beta2, static_cast<double>(t));
  const double step_size = o.lr / bias_correction1;
  const double bias_correction2_sqrt = std::sqrt(bias_correction2);
  Tensor none;
  Tensor& m = state_tensor(state, "exp_avg", p);
  Tensor& v = state_tensor(state, "exp_avg_sq", p);
  Tensor& v_max = amsgrad ? state_tensor(state, "max_exp_avg_sq", p) : none;
  fused_update(op, p, grad, [&](auto tag) {
    using T = decltype(tag);
    const T wd = T(o.weight_decay), shrink = T(1.0 - o.lr * o.weight_decay);
    const T beta1 = T(o.beta1), rest1 = T(1.0 - o.beta1);
    const T beta2 = T(o.beta2), rest2 = T(1.0 - o.beta2);
    const T bc2_sqrt = T(bias_correction2_sqrt), eps = T(o.eps), neg_step = T(-step_size);
    return [=](auto g, auto& p, auto& m, auto& v, auto& v_max) {
      using V = decltype(g);
      if (maximize) g = -g;
      if (decay) {
        if (decoupled) p = p * V(shrink);  // AdamW: p *= 1 - lr wd
        else g = mul_add(V(wd), p, g);      // Adam: g + wd p
      }
      m = mul_add(V(rest1), g, m * V(beta1));        // m = beta1 m + (1 - beta1) g
      v = mul_add(V(rest2), g * g, v * V(beta2));    // v = beta2 v + (1 - beta2) g^2
      V v_hat = v;
      if (amsgrad) v_hat = v_max = fn::maximum(v_max, v);  // the running maximum
      const V denom = xsimd::sqrt(v_hat) / V(bc2_sqrt) + V(eps);  // sqrt(v_hat) / sqrt(bc2) + eps
      p = mul_add(V(neg_step), m / denom, p);  // p -= lr / bc1 * m / denom
    };
  }, m, v, v_max);
}

}  // namespace

// ---- Adam --------------------------------------------------------------------------------------
Adam::Adam(std::vector<Variable> params, AdamOptions options)
    : OptimizerWith("Adam", std::move(params)) {
  set_options(options);
}
std::vector<std::string> Adam::check_options(const AdamOptions& o) const {
  return check(type_name(), o);
}
void Adam::update(Tensor& p, const Tensor& g, ParamState& state) {
  adam_update("Adam", p, g, state, options(), /*decoupled=*/false);
}

// ---- AdamW -------------------------------------------------------------------------------------
AdamW::AdamW(std::vector<Variable> params, AdamWOptions options)
    : OptimizerWith("AdamW", std::move(params)) {
  set_options(options);
}
std::vector<std::string> AdamW::check_options(const AdamWOptions& o) const {
  return check(type_name(), o);
}
void AdamW::update(Tensor& p, const Tensor& g, ParamState& state) {
  adam_update("AdamW", p, g, state, options(), /*decoupled=*/true);
}

}  // namespace nash::nn::optim
