// In-place ops: x op= y with y broadcast to x's shape (x keeps its shape), fills and copies.
// Aliasing: a y that shares x's storage but is a different view is copied before x is written,
// so results match reading all of y first; the identical view (x += x) runs in place directly.
#include <algorithm>
#include <cstring>

#include "tensor/kernels/elementwise.h"
#include "tensor/kernels/functors.h"
#include "tensor/ops.h"

namespace nash {
using kernels::binary_inplace;
using kernels::unary_inplace;

Tensor& add_(Tensor& x, const Tensor& y) { return binary_inplace("add_", x, y, fn::add); }
Tensor& sub_(Tensor& x, const Tensor& y) { return binary_inplace("sub_", x, y, fn::sub); }
Tensor& mul_(Tensor& x, const Tensor& y) { return binary_inplace("mul_", x, y, fn::mul); }
Tensor& div_(Tensor& x, const Tensor& y) { return binary_inplace("div_", x, y, fn::div); }
Tensor& add_(Tensor& x, double y) { return unary_inplace("add_", x, fn::add_scalar(y)); }
Tensor& mul_(Tensor& x, double y) { return unary_inplace("mul_", x, fn::mul_scalar(y)); }
Tensor& clamp_(Tensor& x, double lo, double hi) {
  NASH_CHECK(!(lo > hi), "clamp_: lo ", lo, " is greater than hi ", hi);
  return unary_inplace("clamp_", x, fn::clamp(lo, hi));
}

// x += alpha * y, y of x's shape.
Tensor& axpy_(Tensor& x, double alpha, const Tensor& y) {
  kernels::check_same_dtype(x, y, "axpy_");
  NASH_CHECK(x.shape() == y.shape(), "axpy_: shapes differ: x is ", x.shape(), ", y is ",
             y.shape());
  return binary_inplace("axpy_", x, y, [alpha](auto a, auto b) {
    using V = decltype(a);
    return a + V(alpha) * b;
  });
}

Tensor& fill_(Tensor& x, double value) {
  kernels::check_defined(x, "fill_");
  kernels::check_writable(x, "fill_");
  kernels::dispatch_all(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T v = kernels::value_cast<T>(value);
    T* p = x.data<T>();
    auto loop = kernels::make_loop<1>(x.shape(), {x.strides()});
    kernels::run_rows(loop, [&](const auto& off, int64_t n, const auto& st) {
      T* q = p + off[0];
      if (st[0] == 1) {
        for (int64_t i = 0; i < n; ++i) q[i] = v;
      } else {
        for (int64_t i = 0; i < n; ++i) q[i * st[0]] = v;
      }
    });
  });
  return x;
}

Tensor& zero_(Tensor& x) { return fill_(x, 0.0); }

namespace {
// A copy whose destination runs along the last dim while the source runs along the one before
// (x.t().contiguous(), NHWC -> NCHW) goes tile by tile, so both sides stay in cache. Returns
// false when the layout is not of that kind.
template <class D, class S>
bool transpose_copy(const kernels::Loop<2>& l, D* pd, const S* ps) {
  const int64_t nd = static_cast<int64_t>(l.shape.size());
  if (nd < 2 || l.strides[0][nd - 1] != 1 || l.strides[1][nd - 2] != 1 ||
      l.strides[1][nd - 1] == 1 || l.numel() < 1024)
    return false;
  constexpr int64_t kTile = 32;
  const int64_t R = l.shape[nd - 2], C = l.shape[nd - 1];
  const int64_t d_row = l.strides[0][nd - 2], s_col = l.strides[1][nd - 1];
  Shape idx(nd - 2, 0);
  int64_t outer = 1;
  for (int64_t d = 0; d < nd - 2; ++d) outer *= l.shape[d];
  int64_t od = 0, os = 0;
  for (int64_t o = 0; o < outer; ++o) {
    D* dd = pd + od;
    const S* ss = ps + os;
    for (int64_t i0 = 0; i0 < R; i0 += kTile)
      for (int64_t j0 = 0; j0 < C; j0 += kTile) {
        const int64_t i1 = std::min(R, i0 + kTile), j1 = std::min(C, j0 + kTile);
        for (int64_t i = i0; i < i1; ++i)
          for (int64_t j = j0; j < j1; ++j) dd[i * d_row + j] = kernels::value_cast<D>(ss[i + j * s_col]);
      }
    for (int64_t d = nd - 3; d >= 0; --d) {  // next outer index
      if (++idx[d] < l.shape[d]) {
        od += l.strides[0][d];
        os += l.strides[1][d];
        break;
      }
      od -= l.strides[0][d] * (l.shape[d] - 1);
      os -= l.strides[1][d] * (l.shape[d] - 1);
      idx[d] = 0;
    }
  }
  return true;
}
}  // namespace

// dst = src (converted to dst's dtype), src broadcast to dst's shape.
Tensor& copy_(Tensor& dst, const Tensor& src_in) {
  kernels::check_defined(dst, "copy_");
  kernels::check_defined(src_in, "copy_");
  const Shape shape = broadcast_shapes(dst.shape(), src_in.shape(), "copy_");
  NASH_CHECK(shape == dst.shape(), "copy_: cannot broadcast ", src_in.shape(), " to ",
             dst.shape());
  kernels::check_writable(dst, "copy_");
  if (kernels::same_view(dst, src_in)) return dst;
  const Tensor src = src_in.shares_storage(dst) ? src_in.clone() : src_in;
  kernels::dispatch_all(dst.dtype(), [&](auto dtag) {
    using D = decltype(dtag);
    kernels::dispatch_all(src.dtype(), [&](auto stag) {
      using S = decltype(stag);
      D* pd = dst.data<D>();
      const S* ps = src.data<S>();
      auto loop =
          kernels::make_loop<2>(shape, {dst.strides(), kernels::broadcast_strides(src, shape)});
      if (transpose_copy(loop, pd, ps)) return;
      kernels::run_rows(loop, [&](const auto& off, int64_t n, const auto& st) {
        D* d = pd + off[0];
        const S* s = ps + off[1];
        if constexpr (std::is_same_v<D, S>) {
          if (st[0] == 1 && st[1] == 1) return (void)std::memcpy(d, s, n * sizeof(D));
        }
        if (st[0] == 1 && st[1] == 1) {
          for (int64_t i = 0; i < n; ++i) d[i] = kernels::value_cast<D>(s[i]);
        } else if (st[0] == 1 && st[1] == 0) {
          const D v = kernels::value_cast<D>(s[0]);
          for (int64_t i = 0; i < n; ++i) d[i] = v;
        } else {
          for (int64_t i = 0; i < n; ++i) d[i * st[0]] = kernels::value_cast<D>(s[i * st[1]]);
        }
      });
    });
  });
  return dst;
}

}  // namespace nash
