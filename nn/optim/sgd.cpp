// SGD: torch.optim.SGD's update, composed from the in-place tensor ops.
#include "nn/optim/sgd.h"

#include "tensor/ops.h"

namespace nash::optim {

namespace {
OptionValues to_values(const SGDOptions& o) {
  return {{"lr", o.lr},
          {"momentum", o.momentum},
          {"dampening", o.dampening},
          {"weight_decay", o.weight_decay},
          {"nesterov", o.nesterov ? 1.0 : 0.0},
          {"maximize", o.maximize ? 1.0 : 0.0}};
}
}  // namespace

SGD::SGD(std::vector<Variable> params, SGDOptions options)
    : Optimizer("SGD", std::move(params)) {
  set_options(options);
}

void SGD::set_options(const SGDOptions& options) {
  check_option_values(to_values(options));
  options_ = options;
}

OptionValues SGD::option_values() const { return to_values(options_); }

std::vector<std::string> SGD::check_option_values(const OptionValues& v) const {
  const std::string& t = type_name();
  for (const char* name : {"lr", "momentum", "dampening", "weight_decay"})
    check_nonnegative_option(t, name, v.at(name));
  bool nesterov = option_flag(t, v, "nesterov");
  option_flag(t, v, "maximize");
  NASH_CHECK(!nesterov || (v.at("momentum") > 0.0 && v.at("dampening") == 0.0), t,
             ": nesterov momentum requires momentum > 0 and zero dampening (got momentum ",
             v.at("momentum"), ", dampening ", v.at("dampening"), ")");
  if (v.at("momentum") != 0.0) return {"momentum_buffer"};
  return {};
}

void SGD::assign_option_values(const OptionValues& v) {
  options_.lr = v.at("lr");
  options_.momentum = v.at("momentum");
  options_.dampening = v.at("dampening");
  options_.weight_decay = v.at("weight_decay");
  options_.nesterov = v.at("nesterov") == 1.0;
  options_.maximize = v.at("maximize") == 1.0;
}

void SGD::update(Tensor& p, const Tensor& grad, ParamState& state) {
  const SGDOptions& o = options_;
  Tensor g = o.maximize ? neg(grad) : grad;  // g may alias .grad: never written in place
  if (o.weight_decay != 0.0) {
    g = g.clone();
    axpy_(g, o.weight_decay, p);  // g + wd p
  }
  if (o.momentum != 0.0) {
    auto it = state.find("momentum_buffer");
    if (it == state.end()) {
      it = state.emplace("momentum_buffer", g.clone()).first;  // b = g
    } else {
      mul_(it->second, o.momentum);                // b = momentum b + (1 - dampening) g
      axpy_(it->second, 1.0 - o.dampening, g);
    }
    const Tensor& b = it->second;
    if (o.nesterov) {
      g = g.clone();
      axpy_(g, o.momentum, b);  // g + momentum b
    } else {
      g = b;
    }
  }
  axpy_(p, -o.lr, g);  // p -= lr g
}

}  // namespace nash::optim
