// nn::Module: the base of every layer and model. A module owns parameters (Variables that
// require gradients), buffers (tensors such as BatchNorm's running statistics) and child modules,
// each registered under a name, so that parameters() / named_parameters() / state_dict() see the
// whole tree with dotted names ("main.0.weight"), as in PyTorch.
//
// A layer is one small file: public parameter fields, a constructor that registers them and
// calls reset_parameters(), and forward(). Layers compose autograd ops; none writes a backward.
//
//   struct Affine : nash::nn::Module {
//     Variable scale, shift;
//     explicit Affine(int64_t d) : Module("Affine") {
//       register_parameter("scale", scale, ones({d}));
//       register_parameter("shift", shift, zeros({d}));
//     }
//     Variable forward(const Variable& x) override { return x * scale + shift; }
//   };
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "autograd/ops.h"

namespace nash::nn {

class Module {
 public:
  explicit Module(std::string type_name) : type_name_(std::move(type_name)) {}
  virtual ~Module() = default;
  Module(const Module&) = delete;  // registered fields are referred to by address
  Module& operator=(const Module&) = delete;

  // The one-input forward that Sequential chains. Modules with other inputs (labels, indices)
  // add their own overloads; calling this on them throws.
  virtual Variable forward(const Variable& x);
  Variable operator()(const Variable& x) { return forward(x); }

  // "Linear(in_features=784, out_features=512, bias=true)": the type and its options.
  virtual std::string extra_repr() const { return ""; }
  const std::string& type_name() const { return type_name_; }
  // A tree like PyTorch's module repr, with parameter shapes and counts.
  std::string repr() const;

  std::vector<Variable> parameters(bool recurse = true) const;
  std::vector<std::pair<std::string, Variable>> named_parameters(bool recurse = true) const;
  std::vector<std::pair<std::string, Tensor>> named_buffers(bool recurse = true) const;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_children() const;
  int64_t num_parameters() const;  // elements in all parameters

  // Every parameter and buffer by dotted name (values share storage with the module).
  std::vector<std::pair<std::string, Tensor>> state_dict() const;
  // Copies values in place. Names, shapes and dtypes must match exactly; the first mismatch
  // (missing, unexpected, wrong shape) throws before anything is changed.
  void load_state_dict(const std::vector<std::pair<std::string, Tensor>>& state);

  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  void zero_grad();
  // Freeze (false) or unfreeze (true) every parameter.
  void requires_grad_(bool requires_grad);
  // Converts every parameter and buffer (e.g. to float64 for gradcheck).
  void to(DType dtype);
  // Calls fn on every module of the tree, children before their parent (each child's subtree in
  // registration order), this module last; a module shared by two parents is visited once.
  // As torch's Module.apply, e.g. a custom initialisation:
  //   net.apply([](nn::Module& m) { if (auto* c = dynamic_cast<nn::Conv2d*>(&m)) init(*c); });
  Module& apply(const std::function<void(Module&)>& fn);

 protected:
  // Registers `field` (a member of the derived class) holding `value` as a leaf parameter.
  Variable& register_parameter(const std::string& name, Variable& field, Tensor value,
                               bool requires_grad = true);
  Tensor& register_buffer(const std::string& name, Tensor& field, Tensor value);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }

 private:
  void add_child(const std::string& name, std::shared_ptr<Module> module);
  void collect(const std::string& prefix, std::vector<std::pair<std::string, Variable>>* params,
               std::vector<std::pair<std::string, Tensor*>>* buffers) const;
  void repr_into(std::string& out, int indent) const;
  void apply_once(const std::function<void(Module&)>& fn, std::set<const Module*>& seen);

  std::string type_name_;
  bool training_ = true;
  std::vector<std::pair<std::string, Variable*>> params_;
  std::vector<std::pair<std::string, Tensor*>> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
};

// Freezes a module's parameters for a scope: requires_grad_(false) when made, and each
// parameter's own flag restored when the scope ends, also when it ends by an exception.
//
//   { nn::Frozen judge(d);         // D only judges: its parameters get no gradients
//     g_loss(d(g(z))).backward(); }
class Frozen {
 public:
  explicit Frozen(Module& module);
  ~Frozen();
  Frozen(const Frozen&) = delete;
  Frozen& operator=(const Frozen&) = delete;

 private:
  std::vector<std::pair<Variable, bool>> saved_;  // a parameter (shared) and its flag before
};

}  // namespace nash::nn
