// Elementwise binary ops with NumPy broadcasting. A broadcast input's gradient is the upstream
// gradient summed back to the input's shape (sum_to), so every derivative ends in sum_to.
#include "autograd/function.h"
#include "autograd/ops.h"
#include "tensor/ops.h"

namespace nash {

namespace {
Variable constant(const Tensor& t) { return Variable(t, false); }
Variable zero_like_scalar(const Variable& v) { return constant(zeros({}, v.dtype())); }
}  // namespace

// y = a + b;  da = dy, db = dy
Variable add(const Variable& a, const Variable& b) {
  return make_op("add", nash::add(a.value(), b.value()), {a, b},
                 {[sa = a.shape()](const Variable& dy) { return sum_to(dy, sa); },
                  [sb = b.shape()](const Variable& dy) { return sum_to(dy, sb); }});
}

// y = a - b;  da = dy, db = -dy
Variable sub(const Variable& a, const Variable& b) {
  return make_op("sub", nash::sub(a.value(), b.value()), {a, b},
                 {[sa = a.shape()](const Variable& dy) { return sum_to(dy, sa); },
                  [sb = b.shape()](const Variable& dy) { return sum_to(neg(dy), sb); }});
}

// y = a * b;  da = dy * b, db = dy * a
Variable mul(const Variable& a, const Variable& b) {
  return make_op("mul", nash::mul(a.value(), b.value()), {a, b},
                 {[a, b](const Variable& dy) { return sum_to(dy * b, a.shape()); },
                  [a, b](const Variable& dy) { return sum_to(dy * a, b.shape()); }});
}

// y = a / b;  da = dy / b, db = -dy * a / b^2 = -dy * y / b
Variable div(const Variable& a, const Variable& b) {
  return make_op("div", nash::div(a.value(), b.value()), {a, b},
                 {[a, b](const Variable& dy) { return sum_to(dy / b, a.shape()); },
                  [b](const Variable& dy, const Variable& y) {
                    return sum_to(neg(dy * y / b), b.shape());
                  }});
}

// y = a^b;  da = dy * b * a^(b-1), db = dy * y * log(a)
// At a = 0 with b >= 0, torch defines db = 0 (the limit of y log a), not 0 * -inf = NaN.
Variable pow(const Variable& a, const Variable& b) {
  return make_op("pow", nash::pow(a.value(), b.value()), {a, b},
                 {[a, b](const Variable& dy) {
                    // b == 0 makes a^b constant: da = 0 even where a^(b-1) is inf
                    Tensor b_zero = nash::eq(b.value(), 0.0);
                    return sum_to(where(b_zero, zero_like_scalar(dy), dy * b * pow(a, b - 1.0)), a.shape());
                  },
                  [a, b](const Variable& dy, const Variable& y) {
                    Tensor zero_base = nash::mul(nash::eq(a.value(), 0.0), nash::ge(b.value(), 0.0));
                    Variable safe_log = log(where(zero_base, constant(ones({}, a.dtype())), a));
                    return sum_to(where(zero_base, zero_like_scalar(dy), dy * y * safe_log), b.shape());
                  }});
}

// y = max(a, b);  dy goes to the larger input, split evenly on ties (like torch.maximum).
Variable maximum(const Variable& a, const Variable& b) {
  Tensor to_a = nash::add(nash::gt(a.value(), b.value()), nash::mul(nash::eq(a.value(), b.value()), 0.5));
  Tensor to_b = nash::rsub(to_a, 1.0);
  return make_op("maximum", nash::maximum(a.value(), b.value()), {a, b},
                 {[sa = a.shape(), to_a](const Variable& dy) { return sum_to(dy * constant(to_a), sa); },
                  [sb = b.shape(), to_b](const Variable& dy) { return sum_to(dy * constant(to_b), sb); }});
}

// y = min(a, b);  dy goes to the smaller input, split evenly on ties.
Variable minimum(const Variable& a, const Variable& b) {
  Tensor to_a = nash::add(nash::lt(a.value(), b.value()), nash::mul(nash::eq(a.value(), b.value()), 0.5));
  Tensor to_b = nash::rsub(to_a, 1.0);
  return make_op("minimum", nash::minimum(a.value(), b.value()), {a, b},
                 {[sa = a.shape(), to_a](const Variable& dy) { return sum_to(dy * constant(to_a), sa); },
                  [sb = b.shape(), to_b](const Variable& dy) { return sum_to(dy * constant(to_b), sb); }});
}

// y = cond ? a : b;  da = cond ? dy : 0, db = cond ? 0 : dy
Variable where(const Tensor& cond, const Variable& a, const Variable& b) {
  return make_op("where", nash::where(cond, a.value(), b.value()), {a, b},
                 {[cond, sa = a.shape()](const Variable& dy) {
                    return sum_to(where(cond, dy, zero_like_scalar(dy)), sa);
                  },
                  [cond, sb = b.shape()](const Variable& dy) {
                    return sum_to(where(cond, zero_like_scalar(dy), dy), sb);
                  }});
}
Variable where(const Tensor& cond, const Variable& a, double b) {
  return where(cond, a, constant(full({}, b, a.dtype())));
}
Variable where(const Tensor& cond, double a, const Variable& b) {
  return where(cond, constant(full({}, a, b.dtype())), b);
}

// y = mask ? value : x, mask broadcast to x (never the other way);  dx = where(mask, 0, dy)
Variable masked_fill(const Variable& x, const Tensor& mask, double value) {
  NASH_CHECK(mask.defined(), "masked_fill: mask is undefined");
  Variable y = where(mask, value, x);
  NASH_CHECK(y.shape() == x.shape(), "masked_fill: mask ", mask.shape(),
             " does not broadcast to the input ", x.shape());
  return y;
}

// ---- with a scalar ---------------------------------------------------------------------------
Variable add(const Variable& a, double b) {  // dy
  return make_op("add_scalar", nash::add(a.value(), b), {a}, {[](const Variable& dy) { return dy; }});
}
Variable sub(const Variable& a, double b) { return add(a, -b); }
Variable rsub(const Variable& a, double b) {  // y = b - a;  da = -dy
  return make_op("rsub_scalar", nash::rsub(a.value(), b), {a},
                 {[](const Variable& dy) { return neg(dy); }});
}
Variable mul(const Variable& a, double b) {  // da = b dy
  return make_op("mul_scalar", nash::mul(a.value(), b), {a},
                 {[b](const Variable& dy) { return mul(dy, b); }});
}
Variable div(const Variable& a, double b) {  // da = dy / b
  return make_op("div_scalar", nash::div(a.value(), b), {a},
                 {[b](const Variable& dy) { return div(dy, b); }});
}
Variable rdiv(const Variable& a, double b) {  // y = b / a;  da = -dy b / a^2 = -dy y / a
  return make_op("rdiv_scalar", nash::div(full_like(a.value(), b), a.value()), {a},
                 {[a](const Variable& dy, const Variable& y) { return neg(dy * y / a); }});
}
Variable pow(const Variable& a, double e) {  // da = dy e a^(e-1);  0 when e == 0 (y constant)
  return make_op("pow_scalar", nash::pow(a.value(), e), {a}, {[a, e](const Variable& dy) {
                   if (e == 0.0) return dy * 0.0;
                   if (e == 1.0) return dy;
                   if (e == 2.0) return dy * a * 2.0;
                   return dy * pow(a, e - 1.0) * e;
                 }});
}

Variable operator-(const Variable& x) { return neg(x); }
Variable operator+(const Variable& a, const Variable& b) { return add(a, b); }
Variable operator-(const Variable& a, const Variable& b) { return sub(a, b); }
Variable operator*(const Variable& a, const Variable& b) { return mul(a, b); }
Variable operator/(const Variable& a, const Variable& b) { return div(a, b); }
Variable operator+(const Variable& a, double b) { return add(a, b); }
Variable operator-(const Variable& a, double b) { return sub(a, b); }
Variable operator*(const Variable& a, double b) { return mul(a, b); }
Variable operator/(const Variable& a, double b) { return div(a, b); }
Variable operator+(double a, const Variable& b) { return add(b, a); }
Variable operator-(double a, const Variable& b) { return rsub(b, a); }
Variable operator*(double a, const Variable& b) { return mul(b, a); }
Variable operator/(double a, const Variable& b) { return rdiv(b, a); }

}  // namespace nash
