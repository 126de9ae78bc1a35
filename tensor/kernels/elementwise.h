// Drivers that run a functor from functors.h over tensors: allocate the output, check shapes and
// dtypes, coalesce dims (kernels/loop.h) and hand each innermost row to the contiguous kernels
// (kernels/map.h). Internal to tensor/, but autograd code may use them for fused kernels.
#pragma once
#include "tensor/creation.h"
#include "tensor/kernels/dispatch.h"
#include "tensor/kernels/loop.h"
#include "tensor/kernels/map.h"
#include "tensor/tensor.h"

namespace nash::kernels {

// Runs f(offsets, n, inner_strides) over every row of the loop. Work of kParallelMin elements
// or more is split into chunks of a fixed size (never dependent on the thread count, so results
// are not either) that run on get_num_threads() threads. From 128K elements (two chunks) on:
// most of a DCGAN step's activations ([64, 16, 14, 14] = 200K to [64, 64, 28, 28] = 3.2M)
// are above it, and a pass left on one thread caps the step's two-thread speed-up
// (docs/performance.md).
void run_rows_parallel(int64_t rows, int64_t row_len, void* ctx,
                       void (*chunk)(void* ctx, int64_t row_begin, int64_t row_end,
                                     int64_t col_begin, int64_t col_end));
inline constexpr int64_t kParallelGrain = int64_t{1} << 16;  // elements per chunk
inline constexpr int64_t kParallelMin = int64_t{1} << 17;    // elements before going parallel

template <size_t N, class F>
void run_rows(const Loop<N>& loop, F&& f) {
  const int64_t rows = loop.rows(), n = loop.shape.back();
  if (n == 0) return;
  if (rows * n < kParallelMin) return for_each_row(loop, f);
  struct Ctx {
    const Loop<N>* loop;
    F* f;
  } ctx{&loop, &f};
  run_rows_parallel(rows, n, &ctx, [](void* p, int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
    auto* c = static_cast<Ctx*>(p);
    for_each_row(*c->loop, r0, r1, [&](const auto& off, int64_t len, const auto& st) {
      if (c0 == 0 && c1 == len) return (*c->f)(off, len, st);
      auto o = off;
      for (size_t k = 0; k < N; ++k) o[k] += c0 * st[k];
      (*c->f)(o, c1 - c0, st);
    });
  });
}

// Every in-place writer passes here before writing: it also bumps the storage's version.
inline void check_writable(const Tensor& x, const char* op) {
  for (int64_t d = 0; d < x.dim(); ++d)
    NASH_CHECK(x.strides()[d] != 0 || x.shape()[d] <= 1, op,
               ": cannot write into an expanded tensor ", x.shape(), " with strides ",
               x.strides());
  x.storage()->bump_version();
}

inline bool same_view(const Tensor& a, const Tensor& b) {
  return a.storage() == b.storage() && a.offset() == b.offset() && a.shape() == b.shape() &&
         a.strides() == b.strides() && a.dtype() == b.dtype();
}

// y = f(x), same shape; float dtypes.
template <class F>
Tensor unary_op(const char* op, const Tensor& x, F f) {
  check_float(x, op);
  Tensor y = empty(x.shape(), x.dtype());
  dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    T* py = y.data<T>();
    auto loop = make_loop<2>(x.shape(), {x.strides(), y.strides()});
    run_rows(loop, [&](const auto& off, int64_t n, const auto& st) {
      unary_row(px + off[0], py + off[1], n, st[0], st[1], f);
    });
  });
  return y;
}

// x = f(x) in place; float dtypes.
template <class F>
Tensor& unary_inplace(const char* op, Tensor& x, F f) {
  check_float(x, op);
  check_writable(x, op);
  dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    T* px = x.data<T>();
    auto loop = make_loop<1>(x.shape(), {x.strides()});
    run_rows(loop, [&](const auto& off, int64_t n, const auto& st) {
      unary_row(px + off[0], px + off[0], n, st[0], st[0], f);
    });
  });
  return x;
}

// y = f(a, b) with broadcasting. kAllowInt: also for int64 (comparisons).
template <bool kAllowInt = false, class F>
Tensor binary_op(const char* op, const Tensor& a, const Tensor& b, F f) {
  check_same_dtype(a, b, op);
  if (!kAllowInt) check_float(a, op);
  const Shape shape = broadcast_shapes(a.shape(), b.shape(), op);
  Tensor y = empty(shape, a.dtype());
  auto body = [&](auto tag) {
    using T = decltype(tag);
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    T* py = y.data<T>();
    auto loop = make_loop<3>(shape, {broadcast_strides(a, shape), broadcast_strides(b, shape),
                                     y.strides()});
    run_rows(loop, [&](const auto& off, int64_t n, const auto& st) {
      binary_row(pa + off[0], pb + off[1], py + off[2], n, st[0], st[1], st[2], f);
    });
  };
  if constexpr (kAllowInt) dispatch_all(a.dtype(), body);
  else dispatch_float(a.dtype(), op, body);
  return y;
}

// x = f(x, y) in place, y broadcast to x's shape. A y that shares storage with x but is not the
// identical view is copied first, so the result is as if y were read before x is written.
template <class F>
Tensor& binary_inplace(const char* op, Tensor& x, const Tensor& y, F f) {
  check_same_dtype(x, y, op);
  check_float(x, op);
  const Shape shape = broadcast_shapes(x.shape(), y.shape(), op);
  NASH_CHECK(shape == x.shape(), op, ": cannot broadcast ", y.shape(), " to ", x.shape());
  check_writable(x, op);
  Tensor src = (y.shares_storage(x) && !same_view(x, y)) ? y.clone() : y;
  dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    T* px = x.data<T>();
    const T* ps = src.data<T>();
    auto loop = make_loop<2>(shape, {x.strides(), broadcast_strides(src, shape)});
    run_rows(loop, [&](const auto& off, int64_t n, const auto& st) {
      binary_row(px + off[0], ps + off[1], px + off[0], n, st[0], st[1], st[0], f);
    });
  });
  return x;
}

}  // namespace nash::kernels
