// Variable, Node and the grad/anomaly modes; make_op records an op into the graph.
#include "autograd/variable.h"

#include <cmath>

#include "autograd/function.h"
#include "tensor/ops.h"

namespace nash {

namespace {
thread_local bool t_grad_enabled = true;
thread_local bool t_in_backward = false;
bool g_anomaly = false;

const Variable& undefined_variable() {
  static const Variable v;
  return v;
}

VariableImpl& checked(const std::shared_ptr<VariableImpl>& impl, const char* what) {
  NASH_CHECK(impl != nullptr, what, ": variable is undefined");
  return *impl;
}
}  // namespace

// ---- grad mode and anomaly mode -------------------------------------------------------------
bool grad_enabled() { return t_grad_enabled; }
NoGradGuard::NoGradGuard() : prev_(t_grad_enabled) { t_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { t_grad_enabled = prev_; }
EnableGradGuard::EnableGradGuard(bool enabled) : prev_(t_grad_enabled) { t_grad_enabled = enabled; }
EnableGradGuard::~EnableGradGuard() { t_grad_enabled = prev_; }
InBackwardGuard::InBackwardGuard() : prev_(t_in_backward) { t_in_backward = true; }
InBackwardGuard::~InBackwardGuard() { t_in_backward = prev_; }
void set_anomaly_mode(bool enabled) { g_anomaly = enabled; }
bool anomaly_mode() { return g_anomaly; }

// ---- Variable ---------------------------------------------------------------------------------
std::shared_ptr<VariableImpl> make_variable_impl() {
  return std::allocate_shared<VariableImpl>(PoolAllocator<VariableImpl>());
}

Variable::Variable(Tensor value, bool requires_grad) : impl_(make_variable_impl()) {
  NASH_CHECK(value.defined(), "Variable: cannot wrap an undefined tensor");
  NASH_CHECK(!requires_grad || value.dtype() != DType::Int64,
             "Variable: only float tensors can require gradients, got int64 ",
             value.shape());
  impl_->value = std::move(value);
  impl_->requires_grad = requires_grad;
}

const Tensor& Variable::value() const { return checked(impl_, "value").value; }
Tensor& Variable::mutable_value() { return checked(impl_, "mutable_value").value; }
bool Variable::requires_grad() const { return impl_ && impl_->requires_grad; }
bool Variable::is_leaf() const { return !impl_ || impl_->grad_fn == nullptr; }

Variable& Variable::requires_grad_(bool requires_grad) {
  auto& impl = checked(impl_, "requires_grad_");
  NASH_CHECK(impl.grad_fn == nullptr, "requires_grad_: only leaves can change requires_grad; ",
             "this variable was produced by '", impl.grad_fn->op, "' (use detach())");
  NASH_CHECK(!requires_grad || impl.value.dtype() != DType::Int64,
             "requires_grad_: only float tensors can require gradients, got int64 ",
             impl.value.shape());
  impl.requires_grad = requires_grad;
  return *this;
}

const std::shared_ptr<Node>& Variable::grad_fn() const { return checked(impl_, "grad_fn").grad_fn; }
std::string Variable::op_name() const {
  return std::string(impl_ && impl_->grad_fn ? impl_->grad_fn->op : "leaf");
}

const Variable& Variable::grad() const { return impl_ ? impl_->grad : undefined_variable(); }
void Variable::set_grad(const Variable& grad) {
  auto& impl = checked(impl_, "set_grad");
  NASH_CHECK(!grad.defined() || grad.shape() == impl.value.shape(), "set_grad: gradient shape ",
             grad.shape(), " does not match the variable's shape ", impl.value.shape());
  impl.grad = grad;
}
void Variable::zero_grad() {
  if (impl_) impl_->grad = Variable();
}
void Variable::retain_grad() {
  auto& impl = checked(impl_, "retain_grad");
  NASH_CHECK(impl.requires_grad, "retain_grad: the variable does not require a gradient");
  impl.retains_grad = true;
}
bool Variable::retains_grad() const { return impl_ && impl_->retains_grad; }
void Variable::register_hook(GradHook hook) {
  auto& impl = checked(impl_, "register_hook");
  NASH_CHECK(impl.requires_grad, "register_hook: the variable does not require a gradient");
  impl.hooks.push_back(std::move(hook));
}

void Variable::backward(const Tensor& grad_output, bool retain_graph, bool create_graph) const {
  detail::run_backward(std::span<const Variable>(this, 1),
                       grad_output.defined() ? std::span<const Tensor>(&grad_output, 1)
                                             : std::span<const Tensor>(),
                       retain_graph, create_graph);
}

Variable Variable::detach() const { return Variable(value(), false); }

const std::string& Variable::name() const { return checked(impl_, "name").name; }
Variable& Variable::set_name(std::string name) {
  checked(impl_, "set_name").name = std::move(name);
  return *this;
}

// ---- releasing long chains without recursion --------------------------------------------------
// Destroying the last handle of a chain x0 -> n1 -> x1 -> n2 -> ... would recurse once per op.
// Instead, a dying node moves its inputs onto a local stack and dismantles, one at a time, every
// input of which it held the last reference.
namespace {
void dismantle(PoolVector<Variable>& stack) {
  while (!stack.empty()) {
    Variable v = std::move(stack.back());
    stack.pop_back();
    auto impl = v.impl();
    v = Variable();
    if (!impl || impl.use_count() != 1) continue;  // someone else still owns it
    std::shared_ptr<Node> node = std::move(impl->grad_fn);
    impl->grad = Variable();  // a gradient may own a graph too (create_graph)
    if (!node || node.use_count() != 1) continue;
    node->derivatives.clear();  // closures may hold inputs; drop them first
    for (auto& in : node->inputs) stack.push_back(std::move(in));
    node->inputs.clear();
  }
}
}  // namespace

Node::~Node() {
  PoolVector<Variable> stack;
  derivatives.clear();
  stack.reserve(inputs.size());
  for (auto& in : inputs) stack.push_back(std::move(in));
  inputs.clear();
  dismantle(stack);
}

VariableImpl::~VariableImpl() {
  // grad_fn's destructor is already iterative; the gradient may head a chain of its own.
  if (grad.defined()) {
    PoolVector<Variable> stack;
    stack.push_back(std::move(grad));
    dismantle(stack);
  }
}

// ---- make_op ----------------------------------------------------------------------------------
namespace {
bool all_finite(const Tensor& t) {
  if (t.dtype() == DType::Int64) return true;
  for (double v : t.to_vector())
    if (!std::isfinite(v)) return false;
  return true;
}

std::string shapes_of(const OpInputs& inputs) {
  std::string s;
  for (size_t i = 0; i < inputs.size(); ++i)
    s += (i ? ", " : "") + shape_str(inputs[i].defined() ? inputs[i].shape() : Shape{});
  return s;
}
}  // namespace

void check_anomaly(const char* phase, const std::string& op, const Tensor& t,
                   const std::string& detail) {
  if (!g_anomaly || all_finite(t)) return;
  fail("anomaly: op '", op, "' produced NaN or Inf in ", phase, " (", detail, ")");
}

Variable make_op(const char* op, Tensor value, OpInputs inputs, OpDerivatives derivatives) {
  NASH_CHECK(inputs.size() == derivatives.size(), "make_op: op '", op, "' has ", inputs.size(),
             " inputs but ", derivatives.size(), " derivatives");
  if (g_anomaly && !t_in_backward)
    check_anomaly("forward", op, value,
                  "inputs " + shapes_of(inputs) + ", output " + shape_str(value.shape()));
  bool record = false;
  if (grad_enabled())
    for (size_t i = 0; i < inputs.size(); ++i)
      if (inputs[i].requires_grad() && derivatives[i].fn) record = true;
  Variable out(std::move(value), false);
  if (!record) return out;

  auto node = std::allocate_shared<Node>(PoolAllocator<Node>());
  node->op = op;
  node->input_shapes.reserve(inputs.size());
  node->input_versions.reserve(inputs.size());
  for (auto& in : inputs) {
    node->input_shapes.push_back(in.defined() ? in.shape() : Shape{});
    node->input_versions.push_back(in.defined() ? in.value().storage()->version() : 0);
  }
  node->output_version = out.value().storage()->version();
  node->inputs = std::move(inputs);
  node->derivatives.reserve(derivatives.size());
  for (auto& d : derivatives) node->derivatives.push_back(std::move(d.fn));
  node->output = out.impl();
  out.impl()->requires_grad = true;
  out.impl()->grad_fn = std::move(node);
  return out;
}

}  // namespace nash
