// Matrix products. matmul follows torch.matmul (1-D operands promoted, batch dims broadcast);
// linear is the fused x w^T + b of a fully connected layer, one GEMM each way.
#include "autograd/function.h"
#include "autograd/ops.h"
#include "tensor/ops.h"

namespace nash {

namespace {
// [..., M, K] @ [..., K, N] -> [..., M, N] with both operands at least 2-D.
//   da = dy b^T (summed over broadcast batch dims), db = a^T dy
Variable matmul_nd(const Variable& a, const Variable& b) {
  return make_op("matmul", nash::matmul(a.value(), b.value()), {a, b},
                 {[a, b](const Variable& dy) { return sum_to(matmul(dy, transpose(b, -1, -2)), a.shape()); },
                  [a, b](const Variable& dy) { return sum_to(matmul(transpose(a, -1, -2), dy), b.shape()); }});
}
}  // namespace

Variable matmul(const Variable& a, const Variable& b) {
  NASH_CHECK(a.dim() >= 1 && b.dim() >= 1, "matmul: both operands need at least 1 dim, got ",
             a.shape(), " and ", b.shape());
  if (a.dim() == 1 && b.dim() == 1) {  // dot product -> []
    NASH_CHECK(a.size(0) == b.size(0), "matmul: inner dimensions differ: a is ", a.shape(),
               ", b is ", b.shape());
    return sum(a * b);
  }
  if (a.dim() == 1) return squeeze(matmul_nd(unsqueeze(a, 0), b), -2);  // [K] -> [1, K]
  if (b.dim() == 1) return squeeze(matmul_nd(a, unsqueeze(b, -1)), -1);  // [K] -> [K, 1]
  return matmul_nd(a, b);
}

// y = x w^T + b.  x [N, D_in], w [D_out, D_in], b [D_out] -> y [N, D_out]
//   dx = dy w, dw = dy^T x, db = sum_N dy
Variable linear(const Variable& x, const Variable& w, const Variable& b) {
  NASH_CHECK(w.dim() == 2, "linear: expected weight [D_out, D_in], got ", w.shape());
  NASH_CHECK(x.dim() >= 1 && x.size(-1) == w.size(1), "linear: input ", x.shape(),
             " does not end in D_in = ", w.size(1), " of weight ", w.shape());
  NASH_CHECK(!b.defined() || b.shape() == Shape{w.size(0)}, "linear: expected bias [",
             w.size(0), "] for weight ", w.shape(), ", got ", b.shape());
  if (x.dim() != 2) {  // [..., D_in]: flatten the leading dims, then restore them
    Shape out_shape = x.shape();
    out_shape.back() = w.size(0);
    return reshape(linear(reshape(x, {-1, w.size(1)}), w, b), out_shape);
  }
  Tensor y = empty({x.size(0), w.size(0)}, x.dtype());
  if (b.defined()) copy_(y, b.value());
  matmul_out(y, x.value(), w.value().t(), 1.0, b.defined() ? 1.0 : 0.0);
  OpInputs inputs{x, w};
  OpDerivatives derivatives{
      [w](const Variable& dy) { return matmul(dy, w); },
      [x](const Variable& dy) { return matmul(transpose(dy, 0, 1), x); }};
  if (b.defined()) {
    inputs.push_back(b);
    derivatives.push_back([](const Variable& dy) { return sum(dy, {0}); });
  }
  return make_op("linear", std::move(y), std::move(inputs), std::move(derivatives));
}

}  // namespace nash
