// Sequential: children named by position, run in order.
#include "nn/layers/sequential.h"

#include <typeinfo>

#include "nn/layers/activation.h"
#include "nn/layers/linear.h"

namespace nash::nn {

Sequential::Sequential(std::initializer_list<std::shared_ptr<Module>> modules)
    : Module("Sequential") {
  for (const auto& m : modules) add(m);
}

void Sequential::add(std::shared_ptr<Module> module) {
  NASH_CHECK(module != nullptr, "Sequential: cannot add a null module at index ", size());
  register_module(std::to_string(size()), module);
  modules_.push_back(std::move(module));
}

const std::shared_ptr<Module>& Sequential::operator[](size_t i) const {
  NASH_CHECK(i < modules_.size(), "Sequential: index ", i, " is out of range for ",
             modules_.size(), " modules");
  return modules_[i];
}

namespace {
// The activation a Linear can fuse when m comes right after it (exact types only: a subclass
// may override forward).
bool fusable(const Module& m, LinearActivation& act, double& slope) {
  const std::type_info& t = typeid(m);
  if (t == typeid(ReLU)) act = LinearActivation::kReLU;
  else if (t == typeid(Tanh)) act = LinearActivation::kTanh;
  else if (t == typeid(Sigmoid)) act = LinearActivation::kSigmoid;
  else if (t == typeid(LeakyReLU)) {
    act = LinearActivation::kLeakyReLU;
    slope = static_cast<const LeakyReLU&>(m).negative_slope;
  } else {
    return false;
  }
  return true;
}
}  // namespace

Variable Sequential::forward(const Variable& x) {
  Variable y = x;
  for (size_t i = 0; i < modules_.size(); ++i) {
    const Module& m = *modules_[i];
    LinearActivation act;
    double slope = 0.0;
    if (fuse_linear_activation && i + 1 < modules_.size() && typeid(m) == typeid(Linear) &&
        fusable(*modules_[i + 1], act, slope)) {
      y = static_cast<Linear&>(*modules_[i]).forward(y, act, slope);
      ++i;
      continue;
    }
    y = modules_[i]->forward(y);
  }
  return y;
}

void set_linear_activation_fusion(Module& root, bool on) {
  if (auto* s = dynamic_cast<Sequential*>(&root)) s->fuse_linear_activation = on;
  for (auto& [name, child] : root.named_children()) set_linear_activation_fusion(*child, on);
}

}  // namespace nash::nn
