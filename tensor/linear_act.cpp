// linear_act: checks, the operands' GEMM layouts, and the epilogue that carries b and act.
#include "tensor/linear_act.h"

#include <algorithm>
#include <type_traits>

#include "tensor/creation.h"
#include "tensor/gemm.h"
#include "tensor/kernels/dispatch.h"
#include "tensor/ops.h"

namespace nash {
namespace {

// A [rows, cols] view GEMM reads in place: row-major (trans false) or column-major (trans
// true) with leading dimension ld; anything else is copied to row-major first.
struct Operand {
  Tensor t;
  bool trans = false;
  int64_t ld = 1;
};
Operand gemm_operand(const Tensor& m) {
  const int64_t rows = m.size(0), cols = m.size(1), sr = m.stride(0), sc = m.stride(1);
  if ((sc == 1 || cols <= 1) && (rows <= 1 || sr >= std::max<int64_t>(cols, 1)))
    return {m, false, rows <= 1 ? std::max<int64_t>(cols, 1) : sr};
  if ((sr == 1 || rows <= 1) && (cols <= 1 || sc >= std::max<int64_t>(rows, 1)))
    return {m, true, cols <= 1 ? std::max<int64_t>(rows, 1) : sc};
  return {m.contiguous(), false, std::max<int64_t>(cols, 1)};
}

// The activations the GEMM epilogue applies. Sigmoid (exp) and float64 tanh (xsimd::tanh)
// have vector and scalar forms that may differ in the last bit, and kernels::map picks the
// form by position in the whole tensor: they run after the GEMM over all of y, as the
// unfused op does.
gemm::Activation gemm_activation(LinearActivation act, bool is_double) {
  if (act == LinearActivation::kTanh) return gemm::Activation::kNone;  // tanh: one pass after, bitwise the unfused kernel at every -O level
  switch (act) {
    case LinearActivation::kReLU: return gemm::Activation::kReLU;
    case LinearActivation::kLeakyReLU: return gemm::Activation::kLeakyReLU;
    case LinearActivation::kTanh: return gemm::Activation::kTanh;
    default: return gemm::Activation::kNone;
  }
}

}  // namespace

const char* activation_name(LinearActivation act) {
  switch (act) {
    case LinearActivation::kNone: return "none";
    case LinearActivation::kReLU: return "relu";
    case LinearActivation::kLeakyReLU: return "leaky_relu";
    case LinearActivation::kTanh: return "tanh";
    case LinearActivation::kSigmoid: return "sigmoid";
  }
  return "?";
}

Tensor linear_act(const Tensor& x, const Tensor& w, const Tensor& b, LinearActivation act,
                  double slope) {
  kernels::check_float(x, "linear_act");
  kernels::check_same_dtype(x, w, "linear_act");
  NASH_CHECK(x.dim() == 2 && w.dim() == 2 && x.size(1) == w.size(1),
             "linear_act: expected input [N, D_in] and weight [D_out, D_in], got ", x.shape(),
             " and ", w.shape());
  NASH_CHECK(!b.defined() || (b.dtype() == x.dtype() && b.shape() == Shape{w.size(0)}),
             "linear_act: expected bias [", w.size(0), "] of the input's dtype, got ",
             b.shape());
  NASH_CHECK(act != LinearActivation::kLeakyReLU || slope >= 0.0,
             "linear_act: leaky_relu slope must be >= 0, got ", slope);
  const int64_t N = x.size(0), K = x.size(1), D = w.size(0);
  Tensor y = empty({N, D}, x.dtype());
  if (N == 0 || D == 0) return y;
  const Operand a = gemm_operand(x);
  const Operand wt = gemm_operand(w);  // op(B) = w^T: a row-major w is read transposed
  const Tensor bias = b.defined() ? b.contiguous() : Tensor();
  kernels::dispatch_float(x.dtype(), "linear_act", [&](auto tag) {
    using T = decltype(tag);
    gemm::Epilogue<T> ep;
    ep.bias = bias.defined() ? bias.data<T>() : nullptr;
    ep.act = gemm_activation(act, std::is_same_v<T, double>);
    ep.slope = slope;
    if constexpr (std::is_same_v<T, float>)
      gemm::sgemm(a.trans, !wt.trans, N, D, K, 1.f, a.t.data<T>(), a.ld, wt.t.data<T>(), wt.ld,
                  y.data<T>(), D, ep);
    else
      gemm::dgemm(a.trans, !wt.trans, N, D, K, 1.0, a.t.data<T>(), a.ld, wt.t.data<T>(), wt.ld,
                  y.data<T>(), D, ep);
  });
  if (act == LinearActivation::kSigmoid) return sigmoid(y);
  if (act == LinearActivation::kTanh) return tanh(y);
  return y;
}

}  // namespace nash
