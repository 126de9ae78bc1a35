// Unary elementwise ops and the tensor-scalar forms: each one line over its functor in
// kernels/functors.h, run by kernels::unary_op (float32/float64, any shape or view).
#include "tensor/kernels/elementwise.h"
#include "tensor/kernels/functors.h"
#include "tensor/ops.h"

namespace nash {
using kernels::unary_op;

Tensor neg(const Tensor& x) { return unary_op("neg", x, fn::neg); }
Tensor abs(const Tensor& x) { return unary_op("abs", x, fn::abs); }
Tensor exp(const Tensor& x) { return unary_op("exp", x, fn::exp); }
Tensor log(const Tensor& x) { return unary_op("log", x, fn::log); }
Tensor log1p(const Tensor& x) { return unary_op("log1p", x, fn::log1p); }
Tensor expm1(const Tensor& x) { return unary_op("expm1", x, fn::expm1); }
Tensor sqrt(const Tensor& x) { return unary_op("sqrt", x, fn::sqrt); }
Tensor rsqrt(const Tensor& x) { return unary_op("rsqrt", x, fn::rsqrt); }
Tensor square(const Tensor& x) { return unary_op("square", x, fn::square); }
Tensor reciprocal(const Tensor& x) { return unary_op("reciprocal", x, fn::reciprocal); }
Tensor tanh(const Tensor& x) { return unary_op("tanh", x, fn::tanh); }
Tensor sigmoid(const Tensor& x) { return unary_op("sigmoid", x, fn::sigmoid); }
Tensor relu(const Tensor& x) { return unary_op("relu", x, fn::relu); }
Tensor sign(const Tensor& x) { return unary_op("sign", x, fn::sign); }
Tensor sin(const Tensor& x) { return unary_op("sin", x, fn::sin); }
Tensor cos(const Tensor& x) { return unary_op("cos", x, fn::cos); }
Tensor erf(const Tensor& x) { return unary_op("erf", x, fn::erf); }
Tensor softplus(const Tensor& x) { return unary_op("softplus", x, fn::softplus); }
Tensor log_sigmoid(const Tensor& x) { return unary_op("log_sigmoid", x, fn::log_sigmoid); }

Tensor leaky_relu(const Tensor& x, double slope) {
  return unary_op("leaky_relu", x, fn::leaky_relu(slope));
}
Tensor elu(const Tensor& x, double alpha) { return unary_op("elu", x, fn::elu(alpha)); }
Tensor clamp(const Tensor& x, double lo, double hi) {
  NASH_CHECK(!(lo > hi), "clamp: lo ", lo, " is greater than hi ", hi);
  return unary_op("clamp", x, fn::clamp(lo, hi));
}
Tensor pow(const Tensor& x, double exponent) { return unary_op("pow", x, fn::pow_scalar(exponent)); }

Tensor add(const Tensor& a, double b) { return unary_op("add", a, fn::add_scalar(b)); }
Tensor sub(const Tensor& a, double b) { return unary_op("sub", a, fn::add_scalar(-b)); }
Tensor mul(const Tensor& a, double b) { return unary_op("mul", a, fn::mul_scalar(b)); }
Tensor div(const Tensor& a, double b) { return unary_op("div", a, fn::div_scalar(b)); }
Tensor rsub(const Tensor& a, double b) { return unary_op("rsub", a, fn::rsub_scalar(b)); }

// The remaining scalar forms reuse the binary functors with the scalar as a broadcast operand.
namespace {
template <class F>
auto with_scalar(double s, F f) {
  return [s, f](auto v) {
    using V = decltype(v);
    return f(v, V(s));
  };
}
// Comparisons also take int64 tensors (the scalar converted to int64, like every scalar form).
template <class F>
Tensor compare_scalar(const char* op, const Tensor& a, double b, F f) {
  kernels::check_defined(a, op);
  if (a.dtype() == DType::Int64)
    return kernels::binary_op<true>(op, a, scalar_tensor(b, DType::Int64), f);
  return unary_op(op, a, with_scalar(b, f));
}
}  // namespace
Tensor maximum(const Tensor& a, double b) { return unary_op("maximum", a, with_scalar(b, fn::maximum)); }
Tensor minimum(const Tensor& a, double b) { return unary_op("minimum", a, with_scalar(b, fn::minimum)); }
Tensor eq(const Tensor& a, double b) { return compare_scalar("eq", a, b, fn::eq); }
Tensor lt(const Tensor& a, double b) { return compare_scalar("lt", a, b, fn::lt); }
Tensor le(const Tensor& a, double b) { return compare_scalar("le", a, b, fn::le); }
Tensor gt(const Tensor& a, double b) { return compare_scalar("gt", a, b, fn::gt); }
Tensor ge(const Tensor& a, double b) { return compare_scalar("ge", a, b, fn::ge); }

Tensor operator-(const Tensor& x) { return neg(x); }
Tensor operator+(const Tensor& a, double b) { return add(a, b); }
Tensor operator-(const Tensor& a, double b) { return sub(a, b); }
Tensor operator*(const Tensor& a, double b) { return mul(a, b); }
Tensor operator/(const Tensor& a, double b) { return div(a, b); }
Tensor operator+(double a, const Tensor& b) { return add(b, a); }
Tensor operator-(double a, const Tensor& b) { return rsub(b, a); }
Tensor operator*(double a, const Tensor& b) { return mul(b, a); }

}  // namespace nash
