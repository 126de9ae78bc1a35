// dtype dispatch and argument checks shared by the op files (internal to tensor/).
// dispatch_float(dtype, op, f) calls f(float{}) or f(double{}); Int64 throws
// "op: expected a float tensor, got int64". dispatch_all also accepts Int64.
#pragma once
#include <cstdint>
#include <limits>
#include <type_traits>

#include "tensor/tensor.h"

namespace nash::kernels {

template <class F>
decltype(auto) dispatch_float(DType dtype, const char* op, F&& f) {
  switch (dtype) {
    case DType::Float32: return f(float{});
    case DType::Float64: return f(double{});
    default: fail(op, ": expected a float tensor, got ", dtype_name(dtype));
  }
}

template <class F>
decltype(auto) dispatch_all(DType dtype, F&& f) {
  switch (dtype) {
    case DType::Float32: return f(float{});
    case DType::Float64: return f(double{});
    default: return f(int64_t{});
  }
}

// static_cast without undefined behaviour for float -> integer: NaN gives the minimum (as x86
// and torch do), out-of-range values saturate.
template <class D, class S>
inline D value_cast(S v) {
  if constexpr (std::is_integral_v<D> && std::is_floating_point_v<S>) {
    constexpr S kHi = static_cast<S>(std::numeric_limits<D>::max());  // rounds up to 2^63
    if (v != v) return std::numeric_limits<D>::min();
    if (v >= kHi) return std::numeric_limits<D>::max();
    if (v < -kHi) return std::numeric_limits<D>::min();
  }
  return static_cast<D>(v);
}

inline void check_defined(const Tensor& x, const char* op) {
  NASH_CHECK(x.defined(), op, ": tensor is undefined");
}

inline void check_float(const Tensor& x, const char* op) {
  check_defined(x, op);
  NASH_CHECK(x.dtype() != DType::Int64, op, ": expected a float tensor, got ", dtype_name(x.dtype()));
}

inline void check_same_dtype(const Tensor& a, const Tensor& b, const char* op) {
  check_defined(a, op);
  check_defined(b, op);
  NASH_CHECK(a.dtype() == b.dtype(), op, ": dtype mismatch: ", dtype_name(a.dtype()), " ",
             a.shape(), " and ", dtype_name(b.dtype()), " ", b.shape());
}

// x's strides seen through a broadcast to `shape` (stride 0 on broadcast dims). x's shape must
// broadcast to `shape` (checked by the caller).
inline Shape broadcast_strides(const Tensor& x, const Shape& shape) {
  Shape s(shape.size(), 0);
  const size_t lead = shape.size() - x.shape().size();
  for (size_t d = 0; d < x.shape().size(); ++d)
    s[lead + d] = x.shape()[d] == 1 ? 0 : x.strides()[d];
  return s;
}

// Wraps dim for x, with the shape in the message:
// "transpose: dim 3 out of range for a tensor of 2 dims [64, 784]".
inline int64_t wrap_dim_of(const Tensor& x, int64_t dim, const char* op, int64_t extra = 0) {
  const int64_t nd = x.dim() + extra;
  const int64_t lo = nd == 0 ? -1 : -nd, hi = nd == 0 ? 0 : nd - 1;
  NASH_CHECK(dim >= lo && dim <= hi, op, ": dim ", dim, " out of range for a tensor of ", x.dim(),
             " dims ", x.shape());
  return dim < 0 ? dim + (nd == 0 ? 1 : nd) : dim;
}

}  // namespace nash::kernels
