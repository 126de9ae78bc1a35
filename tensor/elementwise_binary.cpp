// Binary elementwise ops with NumPy broadcasting, comparisons and where. The math is in
// kernels/functors.h; kernels::binary_op vectorises rows whose strides are (1,1), (1,0), (0,1).
#include <cstring>

#include "tensor/kernels/elementwise.h"
#include "tensor/kernels/functors.h"
#include "tensor/ops.h"

namespace nash {
using kernels::binary_op;

Tensor add(const Tensor& a, const Tensor& b) { return binary_op("add", a, b, fn::add); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary_op("sub", a, b, fn::sub); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary_op("mul", a, b, fn::mul); }
Tensor div(const Tensor& a, const Tensor& b) { return binary_op("div", a, b, fn::div); }
Tensor pow(const Tensor& a, const Tensor& b) { return binary_op("pow", a, b, fn::pow); }
Tensor maximum(const Tensor& a, const Tensor& b) { return binary_op("maximum", a, b, fn::maximum); }
Tensor minimum(const Tensor& a, const Tensor& b) { return binary_op("minimum", a, b, fn::minimum); }
// Comparisons also accept int64 (e.g. predicted vs true class indices).
Tensor eq(const Tensor& a, const Tensor& b) { return binary_op<true>("eq", a, b, fn::eq); }
Tensor ne(const Tensor& a, const Tensor& b) { return binary_op<true>("ne", a, b, fn::ne); }
Tensor lt(const Tensor& a, const Tensor& b) { return binary_op<true>("lt", a, b, fn::lt); }
Tensor le(const Tensor& a, const Tensor& b) { return binary_op<true>("le", a, b, fn::le); }
Tensor gt(const Tensor& a, const Tensor& b) { return binary_op<true>("gt", a, b, fn::gt); }
Tensor ge(const Tensor& a, const Tensor& b) { return binary_op<true>("ge", a, b, fn::ge); }

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }

// out = cond != 0 ? a : b; cond of any dtype, a and b of one dtype; all three broadcast.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  kernels::check_defined(cond, "where");
  kernels::check_same_dtype(a, b, "where");
  const Shape shape =
      broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
  Tensor out = empty(shape, a.dtype());
  kernels::dispatch_all(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    kernels::dispatch_all(cond.dtype(), [&](auto ctag) {
      using C = decltype(ctag);
      const C* pc = cond.data<C>();
      const T* pa = a.data<T>();
      const T* pb = b.data<T>();
      T* po = out.data<T>();
      auto loop = kernels::make_loop<4>(
          shape, {kernels::broadcast_strides(cond, shape), kernels::broadcast_strides(a, shape),
                  kernels::broadcast_strides(b, shape), out.strides()});
      kernels::run_rows(loop, [&](const auto& off, int64_t n, const auto& st) {
        const C* c = pc + off[0];
        const T* x = pa + off[1];
        const T* y = pb + off[2];
        T* o = po + off[3];
        if (st[0] == 1 && st[1] == 1 && st[2] == 1 && st[3] == 1) {
          for (int64_t i = 0; i < n; ++i) o[i] = c[i] != C(0) ? x[i] : y[i];
        } else {
          for (int64_t i = 0; i < n; ++i)
            o[i * st[3]] = c[i * st[0]] != C(0) ? x[i * st[1]] : y[i * st[2]];
        }
      });
    });
  });
  return out;
}

Tensor where(const Tensor& cond, double a, double b) {
  kernels::check_defined(cond, "where");
  const DType dt = cond.dtype() == DType::Int64 ? DType::Float32 : cond.dtype();
  return where(cond, scalar_tensor(a, dt), scalar_tensor(b, dt));
}

// ---- comparisons for tests -------------------------------------------------------------------
bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol) {
  kernels::check_defined(a, "allclose");
  kernels::check_defined(b, "allclose");
  const Shape shape = broadcast_shapes(a.shape(), b.shape(), "allclose");
  const std::vector<double> va = broadcast_to(a, shape).to_vector();
  const std::vector<double> vb = broadcast_to(b, shape).to_vector();
  for (size_t i = 0; i < va.size(); ++i) {
    if (va[i] == vb[i]) continue;  // also equal infinities
    if (!(std::abs(va[i] - vb[i]) <= atol + rtol * std::abs(vb[i]))) return false;
  }
  return true;
}

bool equal(const Tensor& a, const Tensor& b) {
  kernels::check_defined(a, "equal");
  kernels::check_defined(b, "equal");
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
  Tensor ca = contiguous(a), cb = contiguous(b);
  return std::memcmp(ca.raw_data(), cb.raw_data(),
                     static_cast<size_t>(a.numel()) * dtype_size(a.dtype())) == 0;
}

}  // namespace nash
