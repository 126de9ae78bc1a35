// Contiguous reduction kernels: vector accumulators over blocks, with the float32 block sums
// carried in double so that millions of elements stay accurate (each float lane adds at most 8
// values before its block is folded into the double total). The scalar loops beside them are the
// references the tests use.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>


#include "tensor/kernels/map.h"

namespace nash::kernels {

// Sum of x[0..n) in double. Four vector accumulators; blocks of 32*W elements.
template <class T>
double sum_contiguous(const T* x, int64_t n) {
  using B = Batch<T>;
  constexpr int64_t W = kWidth<T>;
  constexpr int64_t kBlock = 32 * W;
  double total = 0.0;
  int64_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    B a0(T(0)), a1(T(0)), a2(T(0)), a3(T(0));
    const T* p = x + i;
    for (int64_t j = 0; j < kBlock; j += 4 * W) {
      a0 += B::load_unaligned(p + j);
      a1 += B::load_unaligned(p + j + W);
      a2 += B::load_unaligned(p + j + 2 * W);
      a3 += B::load_unaligned(p + j + 3 * W);
    }
    total += static_cast<double>(xsimd::hadd((a0 + a1) + (a2 + a3)));
  }
  if (i + W <= n) {
    B a0(T(0));
    for (; i + W <= n; i += W) a0 += B::load_unaligned(x + i);
    total += static_cast<double>(xsimd::hadd(a0));
  }
  for (; i < n; ++i) total += static_cast<double>(x[i]);
  return total;
}
template <class T>
double sum_reference(const T* x, int64_t n) {
  double total = 0.0;
  for (int64_t i = 0; i < n; ++i) total += static_cast<double>(x[i]);
  return total;
}

// Max (is_max) or min of x[0..n), n >= 1; NaN if any element is NaN (like torch.amax).
template <class T>
T extreme_contiguous(const T* x, int64_t n, bool is_max) {
  using B = Batch<T>;
  constexpr int64_t W = kWidth<T>;
  T best = x[0];
  bool nan = false;
  int64_t i = 0;
  if (n >= W) {
    B acc = B::load_unaligned(x);
    auto bad = xsimd::isnan(acc);
    for (i = W; i + W <= n; i += W) {
      B v = B::load_unaligned(x + i);
      bad = bad | xsimd::isnan(v);
      acc = is_max ? xsimd::max(acc, v) : xsimd::min(acc, v);
    }
    nan = xsimd::any(bad);
    alignas(64) T lanes[W];
    acc.store_aligned(lanes);
    best = lanes[0];
    for (int64_t k = 1; k < W; ++k) best = is_max ? std::max(best, lanes[k]) : std::min(best, lanes[k]);
  }
  for (; i < n; ++i) {
    if (x[i] != x[i]) nan = true;
    best = is_max ? std::max(best, x[i]) : std::min(best, x[i]);
  }
  return nan ? std::numeric_limits<T>::quiet_NaN() : best;
}
template <class T>
T extreme_reference(const T* x, int64_t n, bool is_max) {
  T best = x[0];
  for (int64_t i = 0; i < n; ++i) {
    if (std::isnan(x[i])) return x[i];
    best = is_max ? std::max(best, x[i]) : std::min(best, x[i]);
  }
  return best;
}

}  // namespace nash::kernels
