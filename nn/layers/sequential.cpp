// Sequential: children named by position, run in order.
#include "nn/layers/sequential.h"

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

Variable Sequential::forward(const Variable& x) {
  Variable y = x;
  for (auto& m : modules_) y = m->forward(y);
  return y;
}

}  // namespace nash::nn
