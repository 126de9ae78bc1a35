// RMSprop: torch's single-tensor algorithm, composed from the in-place tensor ops.
#include "nn/optim/rmsprop.h"

#include "tensor/ops.h"

namespace nash::optim {

namespace {
OptionValues to_values(const RMSpropOptions& o) {
  return {{"lr", o.lr},
          {"alpha", o.alpha},
          {"eps", o.eps},
          {"weight_decay", o.weight_decay},
          {"momentum", o.momentum},
          {"centered", o.centered ? 1.0 : 0.0},
          {"maximize", o.maximize ? 1.0 : 0.0}};
}
}  // namespace

RMSprop::RMSprop(std::vector<Variable> params, RMSpropOptions options)
    : Optimizer("RMSprop", std::move(params)) {
  set_options(options);
}

void RMSprop::set_options(const RMSpropOptions& options) {
  check_option_values(to_values(options));
  options_ = options;
}

OptionValues RMSprop::option_values() const { return to_values(options_); }

std::vector<std::string> RMSprop::check_option_values(const OptionValues& v) const {
  const std::string& t = type_name();
  for (const char* name : {"lr", "alpha", "eps", "weight_decay", "momentum"})
    check_nonnegative_option(t, name, v.at(name));
  bool centered = option_flag(t, v, "centered");
  option_flag(t, v, "maximize");
  std::vector<std::string> keys = {"step", "square_avg"};
  if (centered) keys.push_back("grad_avg");
  if (v.at("momentum") > 0.0) keys.push_back("momentum_buffer");
  return keys;
}

void RMSprop::assign_option_values(const OptionValues& v) {
  options_.lr = v.at("lr");
  options_.alpha = v.at("alpha");
  options_.eps = v.at("eps");
  options_.weight_decay = v.at("weight_decay");
  options_.momentum = v.at("momentum");
  options_.centered = v.at("centered") == 1.0;
  options_.maximize = v.at("maximize") == 1.0;
}

void RMSprop::update(Tensor& p, const Tensor& grad, ParamState& state) {
  const RMSpropOptions& o = options_;
  Tensor g = o.maximize ? neg(grad) : grad;  // g may alias .grad: never written in place
  increment_step(state);
  if (o.weight_decay != 0.0) {
    g = g.clone();
    axpy_(g, o.weight_decay, p);  // g + wd p
  }
  Tensor& v = state_tensor(state, "square_avg", p);
  mul_(v, o.alpha);  // v = alpha v + (1 - alpha) g^2
  axpy_(v, 1.0 - o.alpha, square(g));
  Tensor d;
  if (o.centered) {
    Tensor& a = state_tensor(state, "grad_avg", p);
    mul_(a, o.alpha);  // a = alpha a + (1 - alpha) g
    axpy_(a, 1.0 - o.alpha, g);
    d = v.clone();  // sqrt(v - a^2)
    axpy_(d, -1.0, square(a));
    d = sqrt(d);
  } else {
    d = sqrt(v);
  }
  add_(d, o.eps);
  if (o.momentum > 0.0) {
    Tensor& b = state_tensor(state, "momentum_buffer", p);
    mul_(b, o.momentum);  // b = momentum b + g / d
    add_(b, div(g, d));
    axpy_(p, -o.lr, b);
  } else {
    axpy_(p, -o.lr, div(g, d));
  }
}

}  // namespace nash::optim
