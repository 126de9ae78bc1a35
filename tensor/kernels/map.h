// Contiguous elementwise kernels: a vector body over xsimd::batch<T> and a scalar tail, both
// running the SAME generic lambda (it must accept batch<T> and T alike). The scalar form is the
// reference the tests compare the vector path against. Pointers may alias exactly (in place).
#pragma once
#include <cstdint>

// GCC 12 warns about _mm512_undefined_* inside its own intrinsics headers when xsimd uses them.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <xsimd/xsimd.hpp>
#pragma GCC diagnostic pop

namespace nash::kernels {

template <class T>
using Batch = xsimd::batch<T>;

// The element type of V, for V = batch<T> or V = T.
template <class V>
struct scalar_of {
  using type = V;
};
template <class T, class A>
struct scalar_of<xsimd::batch<T, A>> {
  using type = T;
};
template <class V>
using scalar_of_t = typename scalar_of<V>::type;
template <class T>
inline constexpr int64_t kWidth = static_cast<int64_t>(xsimd::batch<T>::size);

// ifelse(c, a, b) = c ? a : b for batches and scalars alike (xsimd::select is batch-only).
template <class T, class A>
xsimd::batch<T, A> ifelse(const xsimd::batch_bool<T, A>& c, const xsimd::batch<T, A>& a,
                          const xsimd::batch<T, A>& b) {
  return xsimd::select(c, a, b);
}
template <class T>
T ifelse(bool c, T a, T b) {
  return c ? a : b;
}

// y[i] = f(x[i]) for i < n.
template <class T, class U, class F>
void map(const T* x, U* y, int64_t n, F&& f) {
  using B = Batch<T>;
  constexpr int64_t W = kWidth<T>;
  int64_t i = 0;
  for (; i + W <= n; i += W) f(B::load_unaligned(x + i)).store_unaligned(y + i);
  for (; i < n; ++i) y[i] = f(x[i]);
}

// y[i] = f(a[i], b[i]).
template <class T, class F>
void zip(const T* a, const T* b, T* y, int64_t n, F&& f) {
  using B = Batch<T>;
  constexpr int64_t W = kWidth<T>;
  int64_t i = 0;
  for (; i + W <= n; i += W)
    f(B::load_unaligned(a + i), B::load_unaligned(b + i)).store_unaligned(y + i);
  for (; i < n; ++i) y[i] = f(a[i], b[i]);
}

// y[i] = f(a[i], b): b broadcast along the row.
template <class T, class F>
void zip_vs(const T* a, T b, T* y, int64_t n, F&& f) {
  using B = Batch<T>;
  constexpr int64_t W = kWidth<T>;
  const B bb(b);
  int64_t i = 0;
  for (; i + W <= n; i += W) f(B::load_unaligned(a + i), bb).store_unaligned(y + i);
  for (; i < n; ++i) y[i] = f(a[i], b);
}

// y[i] = f(a, b[i]): a broadcast along the row.
template <class T, class F>
void zip_sv(T a, const T* b, T* y, int64_t n, F&& f) {
  using B = Batch<T>;
  constexpr int64_t W = kWidth<T>;
  const B ba(a);
  int64_t i = 0;
  for (; i + W <= n; i += W) f(ba, B::load_unaligned(b + i)).store_unaligned(y + i);
  for (; i < n; ++i) y[i] = f(a, b[i]);
}

// One row of a unary op with element strides (sy, sx): vectorised when both are 1.
template <class T, class F>
void unary_row(const T* x, T* y, int64_t n, int64_t sx, int64_t sy, F&& f) {
  if (sx == 1 && sy == 1) return map(x, y, n, f);
  if (sx == 0 && sy == 1) {  // broadcast input: one value
    const T v = f(x[0]);
    for (int64_t i = 0; i < n; ++i) y[i] = v;
    return;
  }
  for (int64_t i = 0; i < n; ++i) y[i * sy] = f(x[i * sx]);
}

// One row of a binary op: vectorised for input strides (1,1), (1,0), (0,1) into a unit-stride y.
template <class T, class F>
void binary_row(const T* a, const T* b, T* y, int64_t n, int64_t sa, int64_t sb, int64_t sy,
                F&& f) {
  if (sy == 1) {
    if (sa == 1 && sb == 1) return zip(a, b, y, n, f);
    if (sa == 1 && sb == 0) return zip_vs(a, b[0], y, n, f);
    if (sa == 0 && sb == 1) return zip_sv(a[0], b, y, n, f);
  }
  for (int64_t i = 0; i < n; ++i) y[i * sy] = f(a[i * sa], b[i * sb]);
}

}  // namespace nash::kernels
