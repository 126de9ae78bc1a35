// Reductions over any set of dims: sum, mean, amax, amin, var, argmax/argmin, sum_to.
// Layout decides the kernel: reduced dims innermost and contiguous -> one vectorised pass per
// output (kernels/reduce.h); reduced dims outermost of a contiguous tensor -> row accumulation
// ([N, D] -> [D]); anything else is permuted into the first form by one copy.
// Work is split into fixed-size chunks combined in a fixed order: results never depend on the
// thread count.
#include <algorithm>
#include <cmath>
#include <limits>

#include "tensor/kernels/elementwise.h"
#include "tensor/kernels/functors.h"
#include "tensor/kernels/parallel_for.h"
#include "tensor/kernels/reduce.h"
#include "tensor/ops.h"
#include "tensor/parallel.h"

namespace nash {
namespace {
enum class Kind { Sum, Max, Min };
constexpr int64_t kChunk = int64_t{1} << 16;  // elements per piece (a multiple of 32*W)
using kernels::kParallelMin;                  // elements before threads are used

double combine(Kind kind, double a, double b) {
  if (kind == Kind::Sum) return a + b;
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<double>::quiet_NaN();
  return kind == Kind::Max ? std::max(a, b) : std::min(a, b);
}

template <class T>
double reduce_piece(const T* p, int64_t n, Kind kind) {
  if (kind == Kind::Sum) return kernels::sum_contiguous(p, n);
  return static_cast<double>(kernels::extreme_contiguous(p, n, kind == Kind::Max));
}

// out[k] = reduce(x[k*R .. k*R+R)) for k < K.
template <class T>
void inner_reduce(const T* x, T* out, int64_t K, int64_t R, Kind kind) {
  const int64_t chunks = (R + kChunk - 1) / kChunk;
  const int nt = get_num_threads();
  const bool par = nt > 1 && K * R >= kParallelMin;
  if (chunks == 1) {
    kernels::parallel_for(K, par, nt,
                          [&](int64_t k) { out[k] = static_cast<T>(reduce_piece(x + k * R, R, kind)); });
    return;
  }
  // Partial results in a cached storage block (no heap allocation in a training loop).
  const Tensor part_storage = empty({K * chunks}, DType::Float64);
  double* part = part_storage.data<double>();
  kernels::parallel_for(K * chunks, par, nt, [&](int64_t i) {
    const int64_t k = i / chunks, c = i % chunks;
    part[i] = reduce_piece(x + k * R + c * kChunk, std::min(kChunk, R - c * kChunk), kind);
  });
  for (int64_t k = 0; k < K; ++k) {
    double acc = part[k * chunks];
    for (int64_t c = 1; c < chunks; ++c) acc = combine(kind, acc, part[k * chunks + c]);
    out[k] = static_cast<T>(acc);
  }
}

// out[j] = reduce over r of x[r*K + j]: rows accumulated into the output (sums carried in double
// every 16 rows so long columns stay accurate).
template <class T>
void outer_reduce(const T* x, T* out, int64_t R, int64_t K, Kind kind) {
  constexpr int64_t kCols = 2048;
  const int64_t blocks = (K + kCols - 1) / kCols;
  const int nt = get_num_threads();
  kernels::parallel_for(blocks, R * K >= kParallelMin, nt, [&](int64_t b) {
    const int64_t j0 = b * kCols, n = std::min(kCols, K - j0);
    T* o = out + j0;
    std::copy(x + j0, x + j0 + n, o);
    if (kind == Kind::Sum) {
      double acc[kCols];  // on the stack: no heap allocation per call
      std::copy(o, o + n, acc);
      for (int64_t r0 = 1; r0 < R; r0 += 16) {
        const int64_t r1 = std::min(R, r0 + 16);
        std::copy(x + r0 * K + j0, x + r0 * K + j0 + n, o);
        for (int64_t r = r0 + 1; r < r1; ++r) kernels::zip(o, x + r * K + j0, o, n, fn::add);
        for (int64_t j = 0; j < n; ++j) acc[j] += static_cast<double>(o[j]);
      }
      for (int64_t j = 0; j < n; ++j) o[j] = static_cast<T>(acc[j]);
    } else {
      for (int64_t r = 1; r < R; ++r) {
        if (kind == Kind::Max) kernels::zip(o, x + r * K + j0, o, n, fn::maximum);
        else kernels::zip(o, x + r * K + j0, o, n, fn::minimum);
      }
    }
  });
}

struct Plan {
  Shape kept, reduced;         // dim indices
  Shape keep_shape, out_shape;  // with and without keepdim
  int64_t K = 1, R = 1;         // kept and reduced element counts
};

Plan make_plan(const Tensor& x, const Shape& dims, const char* op) {
  const int64_t nd = x.dim();
  SmallVector<uint8_t, 8> red(static_cast<size_t>(nd), dims.empty());  // no heap for <= 8 dims
  for (int64_t d : dims) {
    const int64_t w = kernels::wrap_dim_of(x, d, op);
    if (nd == 0) continue;
    NASH_CHECK(!red[w], op, ": dim ", d, " appears more than once in ", Shape(dims));
    red[w] = true;
  }
  Plan p;
  for (int64_t d = 0; d < nd; ++d) {
    const int64_t s = x.shape()[d];
    if (red[d]) {
      p.reduced.push_back(d);
      p.R *= s;
      p.keep_shape.push_back(1);
    } else {
      p.kept.push_back(d);
      p.K *= s;
      p.keep_shape.push_back(s);
      p.out_shape.push_back(s);
    }
  }
  return p;
}

Shape concat_dims(const Shape& a, const Shape& b) {
  Shape r = a;
  r.insert(r.end(), b.begin(), b.end());
  return r;
}

Tensor reduce(const Tensor& x, const Shape& dims, bool keepdim, const char* op,
              Kind kind) {
  kernels::check_float(x, op);
  const Plan p = make_plan(x, dims, op);
  Tensor out = empty(keepdim ? p.keep_shape : p.out_shape, x.dtype());
  if (p.K == 0) return out;
  if (p.R == 0) {
    NASH_CHECK(kind == Kind::Sum, op, ": cannot reduce over an empty dim of ", x.shape());
    return zero_(out);
  }
  kernels::dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    T* o = out.data<T>();
    const Tensor inner = x.permute(concat_dims(p.kept, p.reduced));
    if (inner.is_contiguous()) return inner_reduce(inner.data<T>(), o, p.K, p.R, kind);
    const Tensor outer = x.permute(concat_dims(p.reduced, p.kept));
    if (outer.is_contiguous()) return outer_reduce(outer.data<T>(), o, p.R, p.K, kind);
    const Tensor copy = inner.contiguous();
    inner_reduce(copy.data<T>(), o, p.K, p.R, kind);
  });
  return out;
}
}  // namespace

Tensor sum(const Tensor& x) { return reduce(x, {}, false, "sum", Kind::Sum); }
Tensor sum(const Tensor& x, const Shape& dims, bool keepdim) {
  return reduce(x, dims, keepdim, "sum", Kind::Sum);
}
Tensor amax(const Tensor& x, const Shape& dims, bool keepdim) {
  return reduce(x, dims, keepdim, "amax", Kind::Max);
}
Tensor amin(const Tensor& x, const Shape& dims, bool keepdim) {
  return reduce(x, dims, keepdim, "amin", Kind::Min);
}

Tensor mean(const Tensor& x) { return mean(x, {}, false); }
Tensor mean(const Tensor& x, const Shape& dims, bool keepdim) {
  kernels::check_float(x, "mean");
  const Plan p = make_plan(x, dims, "mean");
  Tensor s = reduce(x, dims, keepdim, "mean", Kind::Sum);
  return mul_(s, 1.0 / static_cast<double>(p.R));  // R == 0 gives NaN, like torch
}

// sum((x - mean)^2) / (R - correction), two passes.
Tensor var(const Tensor& x, const Shape& dims, int64_t correction, bool keepdim) {
  kernels::check_float(x, "var");
  NASH_CHECK(correction >= 0, "var: correction must be >= 0, got ", correction);
  const Plan p = make_plan(x, dims, "var");
  Tensor d = sub(x, mean(x, dims, true));
  Tensor s = reduce(mul_(d, d), dims, keepdim, "var", Kind::Sum);
  const double denom = static_cast<double>(std::max<int64_t>(0, p.R - correction));
  return mul_(s, 1.0 / denom);
}

namespace {
Tensor arg_extreme(const Tensor& x, int64_t dim, bool keepdim, const char* op, bool is_max) {
  kernels::check_defined(x, op);
  dim = kernels::wrap_dim_of(x, dim, op);
  const Plan p = make_plan(x, x.dim() == 0 ? Shape{} : Shape{dim}, op);
  Tensor out = empty(keepdim ? p.keep_shape : p.out_shape, DType::Int64);
  if (p.K == 0) return out;
  NASH_CHECK(p.R > 0, op, ": cannot reduce over an empty dim of ", x.shape());
  int64_t* o = out.data<int64_t>();
  kernels::dispatch_all(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const Tensor c = x.permute(concat_dims(p.kept, p.reduced)).contiguous();
    const T* px = c.data<T>();
    const int64_t K = p.K, R = p.R;
    for (int64_t k = 0; k < K; ++k) {
      const T* row = px + k * R;
      int64_t best = 0;
      for (int64_t r = 1; r < R; ++r) {  // first occurrence wins; NaN counts as the extreme
        const T v = row[r], b = row[best];
        if (b != b) break;
        if (v != v || (is_max ? v > b : v < b)) best = r;
      }
      o[k] = best;
    }
  });
  return out;
}
}  // namespace

Tensor argmax(const Tensor& x, int64_t dim, bool keepdim) {
  return arg_extreme(x, dim, keepdim, "argmax", true);
}
Tensor argmin(const Tensor& x, int64_t dim, bool keepdim) {
  return arg_extreme(x, dim, keepdim, "argmin", false);
}

// Sums the leading extra dims and the dims where `shape` has 1, then views as `shape`.
// Returns x itself when nothing needs summing.
Tensor sum_to(const Tensor& x, const Shape& shape) {
  kernels::check_float(x, "sum_to");
  const Shape& xs = x.shape();
  NASH_CHECK(shape.size() <= xs.size(), "sum_to: cannot sum ", xs, " to ", shape);
  const size_t lead = xs.size() - shape.size();
  Shape dims;
  for (size_t d = 0; d < xs.size(); ++d) {
    if (d < lead) {
      dims.push_back(static_cast<int64_t>(d));
      continue;
    }
    const int64_t want = shape[d - lead];
    NASH_CHECK(want == xs[d] || want == 1, "sum_to: cannot sum ", xs, " to ", shape);
    if (want == 1 && xs[d] != 1) dims.push_back(static_cast<int64_t>(d));
  }
  if (dims.empty()) return xs == shape ? x : x.view(shape);
  return reduce(x, dims, true, "sum_to", Kind::Sum).view(shape);
}

}  // namespace nash
