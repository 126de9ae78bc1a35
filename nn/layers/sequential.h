// Sequential: a chain of modules run in order, registered as children "0", "1", ... so that
// parameter names read "0.weight", "2.bias" (and "main.0.weight" one level up), as in PyTorch.
//
//   using namespace nash::nn;
//   auto g = std::make_shared<Sequential>(std::make_shared<Linear>(100, 256),
//                                         std::make_shared<ReLU>());
//   Sequential d;
//   d.push_back(std::make_shared<Linear>(784, 1));
//   auto fc = d.emplace_back<Linear>(1, 1);              // typed handle to the new child
//   std::cout << d.repr();                               // the tree, with parameter shapes
#pragma once
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "nn/module.h"

namespace nash::nn {

class Sequential : public Module {
 public:
  Sequential() : Module("Sequential") {}
  Sequential(std::initializer_list<std::shared_ptr<Module>> modules);
  template <class... Ms>
  explicit Sequential(std::shared_ptr<Ms>... modules) : Module("Sequential") {
    (add(std::move(modules)), ...);
  }

  // Appends `module` as child std::to_string(size()); returns it (typed).
  template <class M>
  std::shared_ptr<M> push_back(std::shared_ptr<M> module) {
    add(module);
    return module;
  }
  template <class M, class... Args>
  std::shared_ptr<M> emplace_back(Args&&... args) {
    return push_back(std::make_shared<M>(std::forward<Args>(args)...));
  }

  size_t size() const { return modules_.size(); }
  bool empty() const { return modules_.empty(); }
  const std::shared_ptr<Module>& operator[](size_t i) const;
  // The i-th module as M (throws naming both types if it is something else).
  template <class M>
  std::shared_ptr<M> at(size_t i) const {
    auto m = std::dynamic_pointer_cast<M>((*this)[i]);
    NASH_CHECK(m != nullptr, "Sequential: module ", i, " is a ", (*this)[i]->type_name(),
               ", not the type requested");
    return m;
  }
  auto begin() const { return modules_.begin(); }
  auto end() const { return modules_.end(); }

  // x -> modules_[0] -> modules_[1] -> ... ; an empty Sequential is the identity.
  // A Linear directly followed by ReLU, LeakyReLU, Tanh or Sigmoid runs as one fused op
  // (Linear::forward(x, act)): the same values, one GEMM pass instead of three.
  Variable forward(const Variable& x) override;

  // Turns that fusion off (to compare against it, or to debug one layer's output).
  bool fuse_linear_activation = true;

 private:
  void add(std::shared_ptr<Module> module);
  std::vector<std::shared_ptr<Module>> modules_;
};

// Sets fuse_linear_activation on every Sequential in root's tree (root included).
void set_linear_activation_fusion(Module& root, bool on);

}  // namespace nash::nn
