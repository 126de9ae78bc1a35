// nash::Variable: a tensor value plus what reverse-mode autodiff needs — whether it requires a
// gradient, the graph node that produced it (grad_fn), and its accumulated .grad.
//
// How the graph is owned: a Variable owns its grad_fn Node; a Node owns its input Variables.
// Ownership therefore runs from outputs to inputs only, so graphs never form cycles (a Node
// refers to its own output weakly). Releasing the last handle of a long chain is iterative.
// One exception, as in PyTorch: backward(create_graph=true) stores in a leaf's .grad a graph
// that may read the leaf itself; zero_grad() breaks that cycle. grad(..., create_graph=true)
// returns the gradients instead and never forms it — prefer it for penalties (WGAN-GP).
//
// Worked example (the derivative of y = x^3 at x = 2 is 3x^2 = 12):
//   Variable x(nash::tensor({2.0}), /*requires_grad=*/true);
//   Variable y = x * x * x;
//   y.sum().backward();
//   x.grad().value().item();  // 12
#pragma once
#include <functional>
#include <memory>
#include <new>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "tensor/block_pool.h"
#include "tensor/tensor.h"

namespace nash {

class Variable;
struct Node;
struct VariableImpl;

using GradHook = std::function<void(const Variable& grad)>;

class Variable {
 public:
  Variable() = default;  // undefined: defined() == false
  // A leaf holding `value`. Implicit, so tensors mix with variables in expressions.
  Variable(Tensor value, bool requires_grad = false);  // NOLINT(google-explicit-constructor)
  explicit Variable(std::shared_ptr<VariableImpl> impl) : impl_(std::move(impl)) {}

  bool defined() const { return impl_ != nullptr; }
  const Tensor& value() const;
  Tensor& mutable_value();  // for in-place updates of leaves (optimizers); no graph is recorded
  const Shape& shape() const { return value().shape(); }
  int64_t dim() const { return value().dim(); }
  int64_t size(int64_t d) const { return value().size(d); }
  int64_t numel() const { return value().numel(); }
  DType dtype() const { return value().dtype(); }
  double item() const { return value().item(); }

  bool requires_grad() const;
  // Only leaves may change it (like torch): freezing a parameter is requires_grad_(false).
  Variable& requires_grad_(bool requires_grad = true);
  bool is_leaf() const;
  const std::shared_ptr<Node>& grad_fn() const;
  std::string op_name() const;  // "leaf" for leaves

  // The accumulated gradient (undefined until a backward reaches this variable).
  const Variable& grad() const;
  void set_grad(const Variable& grad);
  void zero_grad();  // drops .grad (like torch's set_to_none)
  // Non-leaves keep their .grad only when asked.
  void retain_grad();
  bool retains_grad() const;
  // Called with this variable's total gradient during every backward that reaches it.
  void register_hook(GradHook hook);

  // Backpropagate from this variable. Without grad_output it must hold one element.
  void backward(const Tensor& grad_output = Tensor(), bool retain_graph = false,
                bool create_graph = false) const;

  // Same value, cut from the graph: gradients stop here.
  Variable detach() const;

  // A name for graph export (parameters get their dotted names from nn).
  const std::string& name() const;
  Variable& set_name(std::string name);

  const std::shared_ptr<VariableImpl>& impl() const { return impl_; }
  bool same(const Variable& other) const { return impl_ == other.impl_; }

 private:
  std::shared_ptr<VariableImpl> impl_;
};

// One input's derivative: given dy (the gradient of the output) and y (the output itself),
// return this input's gradient. Written with Variable ops, so it is differentiable again.
// Like std::function<Variable(const Variable& dy, const Variable& y)>, but the closure lives in
// the small-block pool (std::function would take every capturing closure from the heap).
class DerivativeFn {
 public:
  DerivativeFn() = default;
  DerivativeFn(std::nullptr_t) {}  // NOLINT(google-explicit-constructor)
  template <class F>
    requires(!std::is_same_v<std::decay_t<F>, DerivativeFn> &&
             std::is_invocable_r_v<Variable, std::decay_t<F>&, const Variable&, const Variable&>)
  DerivativeFn(F&& f) {  // NOLINT(google-explicit-constructor)
    using Fn = std::decay_t<F>;
    static_assert(alignof(Fn) <= 16, "a derivative closure must fit the pool's alignment");
    obj_ = new (detail::pool_allocate(sizeof(Fn))) Fn(std::forward<F>(f));
    ops_ = &kOps<Fn>;
  }
  DerivativeFn(const DerivativeFn& o) : ops_(o.ops_) { obj_ = o.obj_ ? ops_->copy(o.obj_) : nullptr; }
  DerivativeFn(DerivativeFn&& o) noexcept : obj_(std::exchange(o.obj_, nullptr)), ops_(o.ops_) {}
  DerivativeFn& operator=(DerivativeFn o) noexcept {
    std::swap(obj_, o.obj_);
    std::swap(ops_, o.ops_);
    return *this;
  }
  ~DerivativeFn() {
    if (obj_) ops_->destroy(obj_);
  }
  explicit operator bool() const { return obj_ != nullptr; }
  Variable operator()(const Variable& dy, const Variable& y) const;

 private:
  struct Ops {
    Variable (*call)(void*, const Variable&, const Variable&);
    void* (*copy)(const void*);
    void (*destroy)(void*);
  };
  template <class Fn>
  static constexpr Ops kOps{
      [](void* o, const Variable& dy, const Variable& y) -> Variable { return (*static_cast<Fn*>(o))(dy, y); },
      [](const void* o) -> void* {
        return new (detail::pool_allocate(sizeof(Fn))) Fn(*static_cast<const Fn*>(o));
      },
      [](void* o) {
        static_cast<Fn*>(o)->~Fn();
        detail::pool_free(o, sizeof(Fn));
      }};
  void* obj_ = nullptr;
  const Ops* ops_ = nullptr;
};

// A recorded operation: its name, the inputs it read, and one derivative per input. Its lists
// live in the small-block pool, so recording an op takes nothing from the heap.
struct Node {
  const char* op = "";  // a string literal: the name make_op was given
  PoolVector<Variable> inputs;
  PoolVector<DerivativeFn> derivatives;  // cleared when the graph is freed after backward
  std::weak_ptr<VariableImpl> output;
  PoolVector<Shape> input_shapes;        // kept for messages and graph export after freeing
  PoolVector<uint64_t> input_versions;   // storage versions the op read (in-place check)
  uint64_t output_version = 0;
  bool released = false;
  ~Node();  // releases long chains iteratively (no recursion, no stack overflow)
};

struct VariableImpl {
  Tensor value;
  bool requires_grad = false;
  bool retains_grad = false;
  std::shared_ptr<Node> grad_fn;  // null for leaves
  Variable grad;
  std::vector<GradHook> hooks;
  std::string name;
  ~VariableImpl();
};
// A new VariableImpl from the small-block pool (what every Variable is made with).
std::shared_ptr<VariableImpl> make_variable_impl();

inline Variable DerivativeFn::operator()(const Variable& dy, const Variable& y) const {
  return ops_->call(obj_, dy, y);
}

// ---- grad mode ---------------------------------------------------------------------------------
bool grad_enabled();
// While alive, ops record nothing (like torch.no_grad()). Nests.
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};
// Re-enables recording inside a no-grad region (used for create_graph).
class EnableGradGuard {
 public:
  explicit EnableGradGuard(bool enabled);
  ~EnableGradGuard();
  EnableGradGuard(const EnableGradGuard&) = delete;
  EnableGradGuard& operator=(const EnableGradGuard&) = delete;

 private:
  bool prev_;
};

// ---- anomaly mode ------------------------------------------------------------------------------
// When on, the first op whose forward output or backward gradient holds NaN or Inf throws,
// naming the op, the phase and the shapes (like torch.autograd.detect_anomaly).
void set_anomaly_mode(bool enabled);
bool anomaly_mode();
class AnomalyGuard {
 public:
  AnomalyGuard() : prev_(anomaly_mode()) { set_anomaly_mode(true); }
  ~AnomalyGuard() { set_anomaly_mode(prev_); }
  AnomalyGuard(const AnomalyGuard&) = delete;
  AnomalyGuard& operator=(const AnomalyGuard&) = delete;

 private:
  bool prev_;
};

// ---- leaf gradients as they become final -------------------------------------------------------
// While a LeafGradListener is alive, every backward() on this thread calls it once per leaf it
// reaches, right after the leaf's .grad received that backward's last contribution: from then on
// backward only works on other variables, so the gradient may already be sent elsewhere
// (data-parallel training starts reducing a layer's gradients while backward goes on into the
// earlier layers, gan/distributed.h). grad() fills no .grad and calls no listener. Listeners
// nest; the innermost is called.
class LeafGradListener {
 public:
  using Fn = std::function<void(const Variable& leaf)>;
  explicit LeafGradListener(Fn fn);
  ~LeafGradListener();
  LeafGradListener(const LeafGradListener&) = delete;
  LeafGradListener& operator=(const LeafGradListener&) = delete;
  static void notify(const Variable& leaf);  // called by the engine

 private:
  Fn fn_;
  LeafGradListener* prev_;
};

// ---- the engine --------------------------------------------------------------------------------
// Gradients of `outputs` with respect to `inputs` (like torch.autograd.grad), without touching
// any .grad. grad_outputs may be empty (each output must then hold one element). With
// create_graph the result is itself differentiable (second derivatives, gradient penalties).
// An input the outputs do not depend on gets an undefined Variable if allow_unused, else throws.
std::vector<Variable> grad(const std::vector<Variable>& outputs, const std::vector<Variable>& inputs,
                           const std::vector<Tensor>& grad_outputs = {}, bool retain_graph = false,
                           bool create_graph = false, bool allow_unused = false);

// backward() on several roots at once (their gradients accumulate into leaves' .grad).
void backward(const std::vector<Variable>& outputs, const std::vector<Tensor>& grad_outputs = {},
              bool retain_graph = false, bool create_graph = false);

}  // namespace nash
