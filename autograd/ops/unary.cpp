// Elementwise unary math: each op's derivative sits beside it, written with Variable ops.
#include "autograd/function.h"
#include "autograd/ops.h"
#include "tensor/ops.h"

namespace nash {

namespace {
Variable constant(const Tensor& t) { return Variable(t, false); }
}  // namespace

// y = -x;  dx = -dy
Variable neg(const Variable& x) {
  return make_op("neg", nash::neg(x.value()), {x}, {[](const Variable& dy) { return neg(dy); }});
}

// y = e^x;  dx = dy * y
Variable exp(const Variable& x) {
  return make_op("exp", nash::exp(x.value()), {x},
                 {[](const Variable& dy, const Variable& y) { return dy * y; }});
}

// y = ln x;  dx = dy / x
Variable log(const Variable& x) {
  return make_op("log", nash::log(x.value()), {x}, {[x](const Variable& dy) { return dy / x; }});
}

// y = ln(1 + x);  dx = dy / (1 + x)
Variable log1p(const Variable& x) {
  return make_op("log1p", nash::log1p(x.value()), {x},
                 {[x](const Variable& dy) { return dy / (x + 1.0); }});
}

// y = sqrt(x);  dx = dy / (2 y)
Variable sqrt(const Variable& x) {
  return make_op("sqrt", nash::sqrt(x.value()), {x},
                 {[](const Variable& dy, const Variable& y) { return dy / (y * 2.0); }});
}

// y = |x|;  dx = dy * sign(x)  (0 at x = 0, like torch)
Variable abs(const Variable& x) {
  return make_op("abs", nash::abs(x.value()), {x}, {[x](const Variable& dy) {
                   return dy * constant(nash::sign(x.value()));
                 }});
}

// y = x^2;  dx = 2 x dy
Variable square(const Variable& x) {
  return make_op("square", nash::square(x.value()), {x},
                 {[x](const Variable& dy) { return dy * x * 2.0; }});
}

// y = erf(x);  dx = dy 2/sqrt(pi) e^(-x^2)
Variable erf(const Variable& x) {
  return make_op("erf", nash::erf(x.value()), {x}, {[x](const Variable& dy) {
                   return dy * exp(-square(x)) * 1.1283791670955126;  // 2 / sqrt(pi)
                 }});
}

// y = min(max(x, lo), hi);  dx = dy where lo <= x <= hi, else 0
Variable clamp(const Variable& x, double lo, double hi) {
  NASH_CHECK(lo <= hi, "clamp: lo must be <= hi, got lo=", lo, " hi=", hi, " for ", x.shape());
  return make_op("clamp", nash::clamp(x.value(), lo, hi), {x}, {[x, lo, hi](const Variable& dy) {
                   Tensor inside = nash::mul(nash::ge(x.value(), lo), nash::le(x.value(), hi));
                   return dy * constant(inside);
                 }});
}

}  // namespace nash
