// A fully connected layer and its activation as one op: y = act(x w^T + b), computed by one
// GEMM whose epilogue adds b and applies act (tensor/linear_act.h). Same values as
// linear(x, w, b) followed by the activation op, bit for bit, forward and backward, with one
// node instead of two and no pre-activation tensor kept: act' is read off y.
//   x [N, D_in], w [D_out, D_in], b [D_out] -> y [N, D_out];   dz = dy act'(z), then
//   dx = dz w,  dw = dz^T x,  db = sum_N dz
//   act'(z) from y: relu [y > 0], leaky_relu (y > 0 ? 1 : slope), tanh 1 - y^2,
//   sigmoid y (1 - y), none 1.
#include <memory>

#include "autograd/function.h"
#include "autograd/ops.h"
#include "autograd/ops/activation_grad.h"
#include "tensor/ops.h"

namespace nash {

namespace {
// dz = dy act'(z), written with differentiable ops (y is the op's output Variable, so under
// create_graph the second derivative flows through it, as in ops/activation.cpp).
Variable activation_grad(LinearActivation act, double slope, const Variable& dy,
                         const Variable& y) {
  switch (act) {
    case LinearActivation::kNone: return dy;
    case LinearActivation::kReLU: return dy * Variable(nash::gt(y.value(), 0.0), false);
    case LinearActivation::kLeakyReLU: return leaky_relu_grad(y.value(), dy, slope);
    case LinearActivation::kTanh: return dy * (1.0 - y * y);
    case LinearActivation::kSigmoid: return dy * y * (1.0 - y);
  }
  return dy;
}

// The three derivatives share dz. Without create_graph (derivatives run under no-grad, dz
// records nothing) it is computed once per dy and kept for the other two; the key is a weak
// reference to dy, so a later backward with another dy never sees a stale dz. Under
// create_graph each derivative recomputes it: a recorded dz kept here would hold the graph
// that holds this op, a cycle.
struct SharedDz {
  LinearActivation act;
  double slope;
  std::weak_ptr<VariableImpl> for_dy;
  Variable dz;

  Variable get(const Variable& dy, const Variable& y) {
    if (grad_enabled()) return activation_grad(act, slope, dy, y);
    if (!dz.defined() || for_dy.expired() || for_dy.lock() != dy.impl()) {
      dz = activation_grad(act, slope, dy, y);
      for_dy = dy.impl();
    }
    return dz;
  }
};
}  // namespace

Variable linear_act(const Variable& x, const Variable& w, const Variable& b,
                    LinearActivation act, double slope) {
  NASH_CHECK(w.dim() == 2, "linear_act: expected weight [D_out, D_in], got ", w.shape());
  NASH_CHECK(x.dim() >= 1 && x.size(-1) == w.size(1), "linear_act: input ", x.shape(),
             " does not end in D_in = ", w.size(1), " of weight ", w.shape());
  NASH_CHECK(!b.defined() || b.shape() == Shape{w.size(0)}, "linear_act: expected bias [",
             w.size(0), "] for weight ", w.shape(), ", got ", b.shape());
  if (x.dim() != 2) {  // [..., D_in]: flatten the leading dims, then restore them
    Shape out_shape = x.shape();
    out_shape.back() = w.size(0);
    return reshape(linear_act(reshape(x, {-1, w.size(1)}), w, b, act, slope), out_shape);
  }
  Tensor y = nash::linear_act(x.value(), w.value(), b.defined() ? b.value() : Tensor(), act,
                              slope);
  auto dz = std::allocate_shared<SharedDz>(PoolAllocator<SharedDz>(), SharedDz{act, slope, {}, {}});  // pooled: no heap
  OpInputs inputs{x, w};
  OpDerivatives derivatives{
      [w, dz](const Variable& dy, const Variable& y) { return matmul(dz->get(dy, y), w); },
      [x, dz](const Variable& dy, const Variable& y) {
        return matmul(transpose(dz->get(dy, y), 0, 1), x);
      }};
  if (b.defined()) {
    inputs.push_back(b);
    derivatives.push_back(
        [dz](const Variable& dy, const Variable& y) { return sum(dz->get(dy, y), {0}); });
  }
  return make_op("linear_act", std::move(y), std::move(inputs), std::move(derivatives));
}

}  // namespace nash
