// Adam / AdamW: torch's single-tensor algorithm as one fused pass per parameter
// (tensor/kernels/optim_update.h). AdamOptions and AdamWOptions have the same fields, so one
// template serves both.
#include "nn/optim/adam.h"

#include "tensor/kernels/optim_update.h"

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
  const int64_t t = increment_step(state);
  Tensor none;
  Tensor& m = state_tensor(state, "exp_avg", p);
  Tensor& v = state_tensor(state, "exp_avg_sq", p);
  Tensor& v_max = o.amsgrad ? state_tensor(state, "max_exp_avg_sq", p) : none;
  kernels::adam_update_(op, p, grad, m, v, v_max,
                        {.lr = o.lr, .beta1 = o.beta1, .beta2 = o.beta2, .eps = o.eps,
                         .weight_decay = o.weight_decay, .amsgrad = o.amsgrad,
                         .maximize = o.maximize, .decoupled = decoupled, .t = t});
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
