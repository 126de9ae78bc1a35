// The math of every elementwise op, once: generic lambdas that run on xsimd::batch<T> (vector
// body) and on T (scalar tail, strided rows, and the tests' reference). Constants arrive as
// double and are converted with V(c), V being batch<T> or T.
#pragma once
#include <cmath>
#include <type_traits>


#include "tensor/kernels/map.h"

namespace nash::fn {
using kernels::ifelse;

// ---- unary -------------------------------------------------------------------------------------
inline constexpr auto neg = [](auto v) { return -v; };
inline constexpr auto abs = [](auto v) { return xsimd::abs(v); };
inline constexpr auto exp = [](auto v) { return xsimd::exp(v); };
inline constexpr auto log = [](auto v) { return xsimd::log(v); };
inline constexpr auto log1p = [](auto v) { return xsimd::log1p(v); };
inline constexpr auto expm1 = [](auto v) { return xsimd::expm1(v); };
inline constexpr auto sqrt = [](auto v) { return xsimd::sqrt(v); };
inline constexpr auto rsqrt = [](auto v) {
  using V = decltype(v);
  return V(1) / xsimd::sqrt(v);
};
inline constexpr auto square = [](auto v) { return v * v; };
inline constexpr auto reciprocal = [](auto v) {
  using V = decltype(v);
  return V(1) / v;
};
// float: a rational approximation (the odd/even 13/6 polynomials Eigen uses for float tanh):
// max error 4.6 ulp (2.7e-7 absolute) on [-12, 12] with fused multiply-adds, 6.6 ulp when
// xsimd's AVX-512 fma (a mul + add) is not contracted, e.g. at -O1; exactly +-1 for |x| >= 9;
// x itself for |x| < 4e-4; NaN kept. About 3x faster than xsimd::tanh. double: xsimd::tanh.
inline constexpr auto tanh = [](auto v) {
  using V = decltype(v);
  if constexpr (std::is_same_v<kernels::scalar_of_t<V>, float>) {
    const V c(7.90531110763549805f);
    const V x = ifelse(v > c, c, ifelse(v < -c, -c, v));
    const V x2 = x * x;
    V p = xsimd::fma(x2, V(-2.76076847742355e-16f), V(2.00018790482477e-13f));
    p = xsimd::fma(x2, p, V(-8.60467152213735e-11f));
    p = xsimd::fma(x2, p, V(5.12229709037114e-08f));
    p = xsimd::fma(x2, p, V(1.48572235717979e-05f));
    p = xsimd::fma(x2, p, V(6.37261928875436e-04f));
    p = xsimd::fma(x2, p, V(4.89352455891786e-03f));
    p = x * p;
    V q = xsimd::fma(x2, V(1.19825839466702e-06f), V(1.18534705686654e-04f));
    q = xsimd::fma(x2, q, V(2.26843463243900e-03f));
    q = xsimd::fma(x2, q, V(4.89352518554385e-03f));
    const V a = xsimd::abs(v);
    return ifelse(a < V(0.0004f), v, ifelse(a >= V(9.0f), ifelse(v > V(0), V(1), V(-1)), p / q));
  } else {
    return xsimd::tanh(v);
  }
};
// 1 / (1 + e^-x): exp overflows to inf for x << 0 and the quotient is then 0, never NaN.
inline constexpr auto sigmoid = [](auto v) {
  using V = decltype(v);
  return V(1) / (V(1) + xsimd::exp(-v));
};
inline constexpr auto relu = [](auto v) {  // NaN stays NaN
  using V = decltype(v);
  return ifelse(v < V(0), V(0), v);
};
inline constexpr auto sign = [](auto v) {  // 0 and NaN map to themselves
  using V = decltype(v);
  return ifelse(v > V(0), V(1), ifelse(v < V(0), V(-1), v));
};
inline constexpr auto sin = [](auto v) { return xsimd::sin(v); };
inline constexpr auto cos = [](auto v) { return xsimd::cos(v); };
// The error function (GELU's exact form): xsimd's polynomial on batches, std::erf on scalars.
inline constexpr auto erf = [](auto v) { return xsimd::erf(v); };
// log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow at x = +-1000.
inline constexpr auto softplus = [](auto v) {
  using V = decltype(v);
  return ifelse(v > V(0), v, V(0)) + xsimd::log1p(xsimd::exp(-xsimd::abs(v)));
};
// log(sigmoid(x)) = min(x, 0) - log1p(e^-|x|).
inline constexpr auto log_sigmoid = [](auto v) {
  using V = decltype(v);
  return ifelse(v < V(0), v, V(0)) - xsimd::log1p(xsimd::exp(-xsimd::abs(v)));
};

inline auto leaky_relu(double slope) {
  return [slope](auto v) {
    using V = decltype(v);
    return ifelse(v > V(0), v, v * V(slope));
  };
}
inline auto elu(double alpha) {
  return [alpha](auto v) {
    using V = decltype(v);
    return ifelse(v > V(0), v, V(alpha) * xsimd::expm1(v));
  };
}
inline auto clamp(double lo, double hi) {  // NaN stays NaN
  return [lo, hi](auto v) {
    using V = decltype(v);
    return ifelse(v < V(lo), V(lo), ifelse(v > V(hi), V(hi), v));
  };
}
// x^e with exact forms for the common small exponents (pow of a negative base with an integer
// exponent then stays real).
inline auto pow_scalar(double e) {
  return [e](auto v) {
    using V = decltype(v);
    if (e == 2.0) return v * v;
    if (e == 1.0) return v;
    if (e == 3.0) return v * v * v;
    if (e == 0.5) return xsimd::sqrt(v);
    if (e == -1.0) return V(1) / v;
    if (e == 0.0) return V(1);
    return V(xsimd::pow(v, V(e)));
  };
}
// Scalar-operand forms: a op s.
inline auto add_scalar(double s) {
  return [s](auto v) { using V = decltype(v); return v + V(s); };
}
inline auto mul_scalar(double s) {
  return [s](auto v) { using V = decltype(v); return v * V(s); };
}
inline auto div_scalar(double s) {
  return [s](auto v) { using V = decltype(v); return v / V(s); };
}
inline auto rsub_scalar(double s) {
  return [s](auto v) { using V = decltype(v); return V(s) - v; };
}

// ---- binary ------------------------------------------------------------------------------------
inline constexpr auto add = [](auto a, auto b) { return a + b; };
inline constexpr auto sub = [](auto a, auto b) { return a - b; };
inline constexpr auto mul = [](auto a, auto b) { return a * b; };
inline constexpr auto div = [](auto a, auto b) { return a / b; };
inline constexpr auto pow = [](auto a, auto b) { return xsimd::pow(a, b); };
// NaN in either operand gives NaN (like torch.maximum). (xsimd's batch != is an ordered
// compare, false for NaN, so NaN is tested with isnan.)
inline constexpr auto maximum = [](auto a, auto b) { return ifelse((a > b) | xsimd::isnan(a), a, b); };
inline constexpr auto minimum = [](auto a, auto b) { return ifelse((a < b) | xsimd::isnan(a), a, b); };
// Comparisons: 1 or 0 in the operands' type. ne is !(a == b), so ne(NaN, NaN) = 1 in both paths.
#define NASH_COMPARE_FN(name, op)                      \
  inline constexpr auto name = [](auto a, auto b) {    \
    using V = decltype(a);                             \
    return ifelse(a op b, V(1), V(0));                 \
  };
NASH_COMPARE_FN(eq, ==)
inline constexpr auto ne = [](auto a, auto b) {
  using V = decltype(a);
  return ifelse(a == b, V(0), V(1));
};
NASH_COMPARE_FN(lt, <)
NASH_COMPARE_FN(le, <=)
NASH_COMPARE_FN(gt, >)
NASH_COMPARE_FN(ge, >=)
#undef NASH_COMPARE_FN

}  // namespace nash::fn
