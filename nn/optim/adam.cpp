// Adam / AdamW: torch's single-tensor algorithm, composed from the in-place tensor ops.
// AdamOptions and AdamWOptions have the same fields, so one template serves both.
#include "nn/optim/adam.h"

#include <cmath>

#include "tensor/ops.h"

namespace nash::optim {

namespace {

template <class O>
OptionValues to_values(const O& o) {
  return {{"lr", o.lr},
          {"beta1", o.beta1},
          {"beta2", o.beta2},
          {"eps", o.eps},
          {"weight_decay", o.weight_decay},
          {"amsgrad", o.amsgrad ? 1.0 : 0.0},
          {"maximize", o.maximize ? 1.0 : 0.0}};
}

template <class O>
void from_values(O& o, const OptionValues& v) {
  o.lr = v.at("lr");
  o.beta1 = v.at("beta1");
  o.beta2 = v.at("beta2");
  o.eps = v.at("eps");
  o.weight_decay = v.at("weight_decay");
  o.amsgrad = v.at("amsgrad") == 1.0;
  o.maximize = v.at("maximize") == 1.0;
}

template <class O>
void adam_update(Tensor& p, const Tensor& grad, ParamState& state, const O& o, bool decoupled) {
  Tensor g = o.maximize ? neg(grad) : grad;  // g may alias .grad: never written in place
  const int64_t t = increment_step(state);
  if (o.weight_decay != 0.0) {
    if (decoupled) {
      mul_(p, 1.0 - o.lr * o.weight_decay);  // AdamW: p *= 1 - lr wd
    } else {
      g = g.clone();
      axpy_(g, o.weight_decay, p);  // Adam: g + wd p
    }
  }
  Tensor& m = state_tensor(state, "exp_avg", p);
  Tensor& v = state_tensor(state, "exp_avg_sq", p);
  mul_(m, o.beta1);  // m = beta1 m + (1 - beta1) g
  axpy_(m, 1.0 - o.beta1, g);
  mul_(v, o.beta2);  // v = beta2 v + (1 - beta2) g^2
  axpy_(v, 1.0 - o.beta2, square(g));

  const double bias_correction1 = 1.0 - std::pow(o.beta1, static_cast<double>(t));
  const double bias_correction2 = 1.0 - std::pow(o.beta2, static_cast<double>(t));
  const double step_size = o.lr / bias_correction1;
  const double bias_correction2_sqrt = std::sqrt(bias_correction2);
  Tensor v_hat = v;
  if (o.amsgrad) {
    Tensor& v_max = state_tensor(state, "max_exp_avg_sq", p);
    copy_(v_max, maximum(v_max, v));
    v_hat = v_max;
  }
  Tensor denom = div(sqrt(v_hat), bias_correction2_sqrt);  // sqrt(v_hat) / sqrt(bc2) + eps
  add_(denom, o.eps);
  axpy_(p, -step_size, div(m, denom));
}

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
void set_checked(O& target, const O& o, const std::string& type) {
  check(type, o);
  target = o;
}

template <class O>
std::vector<std::string> check_values(const std::string& type, const OptionValues& v) {
  option_flag(type, v, "amsgrad");
  option_flag(type, v, "maximize");
  O o;
  from_values(o, v);
  return check(type, o);
}

}  // namespace

// ---- Adam --------------------------------------------------------------------------------------
Adam::Adam(std::vector<Variable> params, AdamOptions options)
    : Optimizer("Adam", std::move(params)) {
  set_options(options);
}
void Adam::set_options(const AdamOptions& options) { set_checked(options_, options, type_name()); }
OptionValues Adam::option_values() const { return to_values(options_); }
std::vector<std::string> Adam::check_option_values(const OptionValues& v) const {
  return check_values<AdamOptions>(type_name(), v);
}
void Adam::assign_option_values(const OptionValues& v) { from_values(options_, v); }
void Adam::update(Tensor& p, const Tensor& g, ParamState& state) {
  adam_update(p, g, state, options_, /*decoupled=*/false);
}

// ---- AdamW -------------------------------------------------------------------------------------
AdamW::AdamW(std::vector<Variable> params, AdamWOptions options)
    : Optimizer("AdamW", std::move(params)) {
  set_options(options);
}
void AdamW::set_options(const AdamWOptions& options) {
  set_checked(options_, options, type_name());
}
OptionValues AdamW::option_values() const { return to_values(options_); }
std::vector<std::string> AdamW::check_option_values(const OptionValues& v) const {
  return check_values<AdamWOptions>(type_name(), v);
}
void AdamW::assign_option_values(const OptionValues& v) { from_values(options_, v); }
void AdamW::update(Tensor& p, const Tensor& g, ParamState& state) {
  adam_update(p, g, state, options_, /*decoupled=*/true);
}

}  // namespace nash::optim
