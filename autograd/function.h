// How an op joins the graph: compute the forward value with tensor kernels, then
//   return make_op("exp", std::move(y), {x}, {[](const Variable& dy, const Variable& y) {
//     return dy * y;                                     // d/dx exp(x) = exp(x) = y
//   }});
// One derivative per input, written with Variable ops so that create_graph differentiates it
// again. The engine calls a derivative only when its input needs a gradient.
#pragma once
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "autograd/variable.h"

namespace nash {

// Wraps a derivative written as f(dy) or f(dy, y); nullptr marks an input with no gradient
// (integer indices, masks).
struct Derivative {
  DerivativeFn fn;
  Derivative(std::nullptr_t) {}  // NOLINT(google-explicit-constructor)
  template <class F>
    requires(!std::is_same_v<F, Derivative>)
  Derivative(F f) {  // NOLINT(google-explicit-constructor)
    if constexpr (std::is_invocable_r_v<Variable, F&, const Variable&, const Variable&>) {
      fn = std::move(f);
    } else {
      static_assert(std::is_invocable_r_v<Variable, F&, const Variable&>,
                    "a derivative is f(dy) or f(dy, y) returning a Variable");
      fn = [f = std::move(f)](const Variable& dy, const Variable&) { return f(dy); };
    }
  }
};

// An op's inputs and derivatives, in pooled memory: `{x, w}` and `{[..](..) {..}, ..}` at a call
// site take nothing from the heap.
using OpInputs = PoolVector<Variable>;
using OpDerivatives = PoolVector<Derivative>;

// Records `op` (a string literal) when grad mode is on and some input requires a gradient;
// otherwise returns a plain value. Checks NaN/Inf in anomaly mode.
Variable make_op(const char* op, Tensor value, OpInputs inputs, OpDerivatives derivatives);

namespace detail {
// backward() without the vectors: Variable::backward calls it with its one output.
void run_backward(std::span<const Variable> outputs, std::span<const Tensor> grad_outputs,
                  bool retain_graph, bool create_graph);
}  // namespace detail

// In anomaly mode, throws if t holds NaN or Inf: "anomaly: op 'log' produced NaN or Inf in
// forward (inputs [3], output [3])". No-op otherwise. phase is "forward" or "backward".
void check_anomaly(const char* phase, const std::string& op, const Tensor& t,
                   const std::string& detail);

// Set by the engine while a derivative runs: anomaly checks then name the differentiated op
// and the backward phase rather than the ops the derivative is built from.
class InBackwardGuard {
 public:
  InBackwardGuard();
  ~InBackwardGuard();
  InBackwardGuard(const InBackwardGuard&) = delete;
  InBackwardGuard& operator=(const InBackwardGuard&) = delete;

 private:
  bool prev_;
};

}  // namespace nash
