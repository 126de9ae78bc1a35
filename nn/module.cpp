// Module: registration of parameters, buffers and children; the recursive walks over them.
#include "nn/module.h"

#include <set>
#include <sstream>

#include "tensor/ops.h"

namespace nash::nn {

Variable Module::forward(const Variable& x) {
  fail(type_name_, ": forward(Variable) is not defined for this module (input ", x.shape(), ")");
}

Variable& Module::register_parameter(const std::string& name, Variable& field, Tensor value,
                                     bool requires_grad) {
  NASH_CHECK(!name.empty() && name.find('.') == std::string::npos, type_name_,
             ": invalid parameter name '", name, "'");
  for (const auto& [n, p] : params_)
    NASH_CHECK(n != name, type_name_, ": parameter '", name, "' registered twice");
  field = Variable(std::move(value), requires_grad);
  field.set_name(name);
  params_.emplace_back(name, &field);
  return field;
}

Tensor& Module::register_buffer(const std::string& name, Tensor& field, Tensor value) {
  NASH_CHECK(!name.empty() && name.find('.') == std::string::npos, type_name_,
             ": invalid buffer name '", name, "'");
  field = std::move(value);
  buffers_.emplace_back(name, &field);
  return field;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> module) {
  NASH_CHECK(module != nullptr, type_name_, ": child '", name, "' is null");
  NASH_CHECK(!name.empty() && name.find('.') == std::string::npos, type_name_,
             ": invalid child name '", name, "'");
  for (const auto& [n, c] : children_)
    NASH_CHECK(n != name, type_name_, ": child '", name, "' registered twice");
  children_.emplace_back(name, std::move(module));
}

void Module::collect(const std::string& prefix,
                     std::vector<std::pair<std::string, Variable>>* params,
                     std::vector<std::pair<std::string, Tensor*>>* buffers) const {
  if (params)
    for (const auto& [n, p] : params_) params->emplace_back(prefix + n, *p);
  if (buffers)
    for (const auto& [n, b] : buffers_) buffers->emplace_back(prefix + n, b);
  for (const auto& [n, c] : children_) c->collect(prefix + n + ".", params, buffers);
}

std::vector<std::pair<std::string, Variable>> Module::named_parameters(bool recurse) const {
  std::vector<std::pair<std::string, Variable>> out;
  if (!recurse) {
    for (const auto& [n, p] : params_) out.emplace_back(n, *p);
    return out;
  }
  collect("", &out, nullptr);
  // A module shared by two parents is listed once (its first name), like PyTorch.
  std::set<VariableImpl*> seen;
  std::vector<std::pair<std::string, Variable>> unique;
  for (auto& [n, v] : out)
    if (seen.insert(v.impl().get()).second) unique.emplace_back(n, v);
  return unique;
}

std::vector<Variable> Module::parameters(bool recurse) const {
  std::vector<Variable> out;
  for (auto& [n, v] : named_parameters(recurse)) out.push_back(v);
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers(bool recurse) const {
  std::vector<std::pair<std::string, Tensor*>> ptrs;
  if (recurse) {
    collect("", nullptr, &ptrs);
  } else {
    for (const auto& [n, b] : buffers_) ptrs.emplace_back(n, b);
  }
  std::vector<std::pair<std::string, Tensor>> out;
  std::set<const Tensor*> seen;  // a shared module's buffers are listed once
  for (auto& [n, b] : ptrs)
    if (seen.insert(b).second) out.emplace_back(n, *b);
  return out;
}

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_children() const {
  return children_;
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  for (const auto& v : parameters()) n += v.numel();
  return n;
}

std::vector<std::pair<std::string, Tensor>> Module::state_dict() const {
  std::vector<std::pair<std::string, Tensor>> out;
  for (auto& [n, v] : named_parameters()) out.emplace_back(n, v.value());
  for (auto& [n, b] : named_buffers()) out.emplace_back(n, b);
  return out;
}

void Module::load_state_dict(const std::vector<std::pair<std::string, Tensor>>& state) {
  std::vector<std::pair<std::string, Variable>> params;
  std::vector<std::pair<std::string, Tensor*>> buffers;
  collect("", &params, &buffers);
  // name -> the module's tensor (shares storage); a module shared by two parents is listed once
  // (its first name), exactly as state_dict() lists it.
  std::map<std::string, Tensor> targets;
  std::set<const void*> seen;
  for (auto& [n, v] : params)
    if (seen.insert(v.impl().get()).second) targets.emplace(n, v.value());
  for (auto& [n, b] : buffers)
    if (seen.insert(b).second) targets.emplace(n, *b);

  std::map<std::string, const Tensor*> given;
  for (const auto& [n, t] : state) {
    NASH_CHECK(given.emplace(n, &t).second, "load_state_dict: '", n, "' appears twice");
    auto it = targets.find(n);
    NASH_CHECK(it != targets.end(), "load_state_dict: unexpected key '", n, "' for ", type_name_);
    NASH_CHECK(t.shape() == it->second.shape(), "load_state_dict: '", n, "' has shape ",
               t.shape(), " but the module expects ", it->second.shape());
    NASH_CHECK(t.dtype() == it->second.dtype(), "load_state_dict: '", n, "' is ",
               dtype_name(t.dtype()), " but the module expects ", dtype_name(it->second.dtype()));
  }
  for (const auto& [n, t] : targets)
    NASH_CHECK(given.count(n), "load_state_dict: missing key '", n, "' (shape ", t.shape(),
               ") for ", type_name_);
  // All checked: now copy, so a failed load changes nothing.
  for (auto& [n, t] : targets) copy_(t, *given.at(n));
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [n, c] : children_) c->train(on);
}

void Module::zero_grad() {
  for (auto& v : parameters()) v.zero_grad();
}

void Module::requires_grad_(bool requires_grad) {
  for (auto& v : parameters()) v.requires_grad_(requires_grad);
}

Module& Module::apply(const std::function<void(Module&)>& fn) {
  std::set<const Module*> seen;
  apply_once(fn, seen);
  return *this;
}

void Module::apply_once(const std::function<void(Module&)>& fn, std::set<const Module*>& seen) {
  if (!seen.insert(this).second) return;
  for (auto& [n, c] : children_) c->apply_once(fn, seen);
  fn(*this);
}

Frozen::Frozen(Module& module) {
  for (auto& v : module.parameters()) {
    saved_.emplace_back(v, v.requires_grad());
    v.requires_grad_(false);
  }
}

Frozen::~Frozen() {
  for (auto& [v, flag] : saved_) v.requires_grad_(flag);
}

void Module::to(DType dtype) {
  for (auto& [n, p] : params_) {
    bool rg = p->requires_grad();
    std::string name = p->name();
    *p = Variable(p->value().to(dtype), rg);
    p->set_name(name);
  }
  for (auto& [n, b] : buffers_)  // like torch, only floating-point buffers convert
    if (b->dtype() != DType::Int64) *b = b->to(dtype);
  for (auto& [n, c] : children_) c->to(dtype);
}

// ---- printing -----------------------------------------------------------------------------
void Module::repr_into(std::string& out, int indent) const {
  std::string pad(indent, ' ');
  out += type_name_ + "(" + extra_repr();
  if (params_.empty() && children_.empty()) {
    out += ")";
    return;
  }
  out += ")";
  for (const auto& [n, p] : params_) {
    out += "\n" + pad + "  " + n + ": " + shape_str(p->shape()) +
           (p->requires_grad() ? "" : " (frozen)");
  }
  for (const auto& [n, c] : children_) {
    out += "\n" + pad + "  (" + n + "): ";
    c->repr_into(out, indent + 2);
  }
}

std::string Module::repr() const {
  std::string out;
  repr_into(out, 0);
  out += "\n[" + std::to_string(num_parameters()) + " parameters]";
  return out;
}

}  // namespace nash::nn
