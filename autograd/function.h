// How an op joins the graph: compute the forward value with tensor kernels, then
//   return make_op("exp", std::move(y), {x}, {[](const Variable& dy, const Variable& y) {
//     return dy * y;                                     // d/dx exp(x) = exp(x) = y
//   }});
// One derivative per input, written with Variable ops so that create_graph differentiates it
// again. The engine calls a derivative only when its input needs a gradient.
#pragma once
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

// Records `op` when grad mode is on and some input requires a gradient; otherwise returns a
// plain value. Checks NaN/Inf in anomaly mode.
Variable make_op(const char* op, Tensor value, std::vector<Variable> inputs,
                 std::vector<Derivative> derivatives);

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
