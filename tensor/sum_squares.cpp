// sum_squares (see tensor/sum_squares.h). This file is compiled with -ffp-contract=off: the
// squares must be rounded before they are added, as square() then sum() rounds them, so no
// multiply-add may be fused.
#include "tensor/sum_squares.h"

#include <algorithm>

#include "tensor/kernels/dispatch.h"
#include "tensor/kernels/map.h"
#include "tensor/kernels/parallel_for.h"
#include "tensor/parallel.h"

namespace nash {
namespace {

using kernels::Batch;
using kernels::kWidth;

constexpr int64_t kChunk = int64_t{1} << 16;  // tensor/reduce.cpp's piece of a full sum
constexpr int64_t kParallelMin = int64_t{1} << 15;

// kernels::sum_contiguous over x[i]^2: the same blocks, accumulators and order.
template <class T>
double sum_squares_contiguous(const T* x, int64_t n) {
  using B = Batch<T>;
  constexpr int64_t W = kWidth<T>;
  constexpr int64_t kBlock = 32 * W;
  auto sq = [x](int64_t i) {
    const B v = B::load_unaligned(x + i);
    return v * v;
  };
  double total = 0.0;
  int64_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    B a0(T(0)), a1(T(0)), a2(T(0)), a3(T(0));
    for (int64_t j = i; j < i + kBlock; j += 4 * W) {
      a0 += sq(j);
      a1 += sq(j + W);
      a2 += sq(j + 2 * W);
      a3 += sq(j + 3 * W);
    }
    total += static_cast<double>(xsimd::hadd((a0 + a1) + (a2 + a3)));
  }
  if (i + W <= n) {
    B a0(T(0));
    for (; i + W <= n; i += W) a0 += sq(i);
    total += static_cast<double>(xsimd::hadd(a0));
  }
  for (; i < n; ++i) total += static_cast<double>(x[i] * x[i]);
  return total;
}

}  // namespace

double sum_squares(const Tensor& x_in) {
  NASH_CHECK(x_in.defined(), "sum_squares: undefined tensor");
  NASH_CHECK(x_in.dtype() == DType::Float32 || x_in.dtype() == DType::Float64,
             "sum_squares: expected float32 or float64, got ", dtype_name(x_in.dtype()), " ",
             x_in.shape());
  const int64_t n = x_in.numel();
  if (n == 0) return 0.0;
  const Tensor x = x_in.contiguous();
  double result = 0.0;
  kernels::dispatch_float(x.dtype(), "sum_squares", [&](auto tag) {
    using T = decltype(tag);
    const T* p = x.data<T>();
    const int64_t chunks = (n + kChunk - 1) / kChunk;
    double part[64];  // chunk sums; above 64 chunks (4M elements) they are added as they come
    double total = 0.0;
    const int nt = get_num_threads();
    for (int64_t c0 = 0; c0 < chunks; c0 += 64) {
      const int64_t cn = std::min<int64_t>(64, chunks - c0);
      kernels::parallel_for(cn, nt > 1 && n >= kParallelMin, nt, [&](int64_t c) {
        const int64_t i0 = (c0 + c) * kChunk;
        part[c] = sum_squares_contiguous(p + i0, std::min(kChunk, n - i0));
      });
      for (int64_t c = 0; c < cn; ++c) total = c0 + c == 0 ? part[0] : total + part[c];
    }
    result = static_cast<double>(static_cast<T>(total));
  });
  return result;
}

}  // namespace nash
