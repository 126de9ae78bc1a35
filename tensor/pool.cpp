// max_pool2d and avg_pool2d with their backward functions (PyTorch semantics, no ceil_mode):
// checks, the direct per-window reference loops, and the dispatch to the phase-layout kernels
// of pool_phases.cpp. Every output is reduced in a fixed order: results do not depend on the
// thread count.
#include <algorithm>
#include <cmath>
#include <limits>

#include "tensor/creation.h"
#include "tensor/parallel.h"
#include "tensor/pool.h"

namespace nash {
namespace detail {

PoolWindow pool_window(const PoolGeom& g, int64_t oh, int64_t ow, bool count_include_pad) {
  const int64_t h0 = oh * g.s[0] - g.p[0], w0 = ow * g.s[1] - g.p[1];
  const int64_t h1 = std::min(h0 + g.k[0], g.H + g.p[0]), w1 = std::min(w0 + g.k[1], g.W + g.p[1]);
  const int64_t padded = (h1 - h0) * (w1 - w0);
  PoolWindow win{std::max<int64_t>(h0, 0), std::min(h1, g.H), std::max<int64_t>(w0, 0),
                 std::min(w1, g.W), 0};
  win.divisor = count_include_pad ? padded : (win.h_hi - win.h_lo) * (win.w_hi - win.w_lo);
  return win;
}

}  // namespace detail

namespace {

using detail::PoolGeom;
using detail::PoolWindow;

constexpr int64_t kParallelMin = 1 << 14;  // elements below which loops stay serial

Shape pair(const std::array<int64_t, 2>& v) { return {v[0], v[1]}; }

void check_float(const Tensor& t, const char* op, const char* name) {
  NASH_CHECK(t.defined(), op, ": ", name, " is undefined");
  NASH_CHECK(t.dtype() == DType::Float32 || t.dtype() == DType::Float64, op,
             ": expected a float32 or float64 ", name, ", got ", dtype_name(t.dtype()));
}

PoolGeom pool_geom(const char* op, const Shape& xs, std::array<int64_t, 2> k,
                   std::array<int64_t, 2> s, std::array<int64_t, 2> p) {
  NASH_CHECK(xs.size() == 4, op, ": expected input with 4 dims [N, C, H, W], got ", xs);
  NASH_CHECK(k[0] >= 1 && k[1] >= 1, op, ": kernel must be >= 1, got ", pair(k));
  NASH_CHECK(s[0] >= 1 && s[1] >= 1, op, ": stride must be >= 1, got ", pair(s));
  NASH_CHECK(p[0] >= 0 && p[1] >= 0 && 2 * p[0] <= k[0] && 2 * p[1] <= k[1], op,
             ": padding must be >= 0 and <= kernel / 2, got padding ", pair(p), " for kernel ",
             pair(k));
  const int64_t span_h = xs[2] + 2 * p[0] - k[0], span_w = xs[3] + 2 * p[1] - k[1];
  const int64_t oh = span_h < 0 ? 0 : span_h / s[0] + 1, ow = span_w < 0 ? 0 : span_w / s[1] + 1;
  NASH_CHECK(oh > 0 && ow > 0, op, ": output size must be positive, got [", oh, ", ", ow,
             "] for input ", xs, ", kernel ", pair(k), ", stride ", pair(s), ", padding ",
             pair(p));
  return PoolGeom{xs[0], xs[1], xs[2], xs[3], oh, ow, k, s, p};
}

// ---- the reference: direct loops over each window ---------------------------------------------

template <class T>
void max_pool_planes(const T* x, const PoolGeom& g, T* y, int64_t* idx) {
  const int64_t planes = g.N * g.C, HW = g.H * g.W, P = g.OH * g.OW;
  const int nt = get_num_threads();
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1 && planes * HW >= kParallelMin)
  for (int64_t pl = 0; pl < planes; ++pl) {
    const T* xp = x + pl * HW;
    for (int64_t oh = 0; oh < g.OH; ++oh)
      for (int64_t ow = 0; ow < g.OW; ++ow) {
        const PoolWindow win = detail::pool_window(g, oh, ow, true);
        T best = -std::numeric_limits<T>::infinity();
        int64_t best_i = win.h_lo * g.W + win.w_lo;
        for (int64_t ih = win.h_lo; ih < win.h_hi; ++ih)
          for (int64_t iw = win.w_lo; iw < win.w_hi; ++iw) {
            const T v = xp[ih * g.W + iw];
            if (v > best || std::isnan(v)) {
              best = v;
              best_i = ih * g.W + iw;
            }
          }
        y[pl * P + oh * g.OW + ow] = best;
        idx[pl * P + oh * g.OW + ow] = best_i;
      }
  }
}

template <class T>
void avg_pool_planes(const T* x, const PoolGeom& g, bool include_pad, T* y) {
  const int64_t planes = g.N * g.C, HW = g.H * g.W, P = g.OH * g.OW;
  const int nt = get_num_threads();
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1 && planes * HW >= kParallelMin)
  for (int64_t pl = 0; pl < planes; ++pl) {
    const T* xp = x + pl * HW;
    for (int64_t oh = 0; oh < g.OH; ++oh)
      for (int64_t ow = 0; ow < g.OW; ++ow) {
        const PoolWindow win = detail::pool_window(g, oh, ow, include_pad);
        T acc = 0;
        for (int64_t ih = win.h_lo; ih < win.h_hi; ++ih)
          for (int64_t iw = win.w_lo; iw < win.w_hi; ++iw) acc += xp[ih * g.W + iw];
        y[pl * P + oh * g.OW + ow] = acc / static_cast<T>(win.divisor);
      }
  }
}

template <class T>
void avg_pool_backward_planes(const T* dy, const PoolGeom& g, bool include_pad, T* dx) {
  const int64_t planes = g.N * g.C, HW = g.H * g.W, P = g.OH * g.OW;
  const int nt = get_num_threads();
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1 && planes * HW >= kParallelMin)
  for (int64_t pl = 0; pl < planes; ++pl) {
    T* d = dx + pl * HW;
    std::fill(d, d + HW, T(0));
    for (int64_t oh = 0; oh < g.OH; ++oh)
      for (int64_t ow = 0; ow < g.OW; ++ow) {
        const PoolWindow win = detail::pool_window(g, oh, ow, include_pad);
        const T v = dy[pl * P + oh * g.OW + ow] / static_cast<T>(win.divisor);
        for (int64_t ih = win.h_lo; ih < win.h_hi; ++ih)
          for (int64_t iw = win.w_lo; iw < win.w_hi; ++iw) d[ih * g.W + iw] += v;
      }
  }
}

// Returns false if an index falls outside its plane.
template <class T>
bool max_pool_scatter(const T* dy, const int64_t* idx, int64_t planes, int64_t P, int64_t HW,
                      T* dx) {
  bool bad = false;
  const int nt = get_num_threads();
#pragma omp parallel for schedule(static) num_threads(nt) reduction(|| : bad) if (nt > 1 && planes * (HW + P) >= kParallelMin)
  for (int64_t pl = 0; pl < planes; ++pl) {
    T* d = dx + pl * HW;
    const T* g = dy + pl * P;
    const int64_t* ix = idx + pl * P;
    std::fill(d, d + HW, T(0));
    for (int64_t i = 0; i < P; ++i) {
      const int64_t j = ix[i];
      if (j < 0 || j >= HW) {
        bad = true;
        continue;
      }
      d[j] += g[i];
    }
  }
  return !bad;
}

// Each op runs the phase kernels (Impl::fast; max falls back on its direct loop when its float
// indices would not be exact) or the direct loops (Impl::reference, for the tests).
enum class Impl { fast, reference };

// f(T{}, in.data<T>(), out.data<T>()) with T the float type of `in` (float32 or float64).
template <class F>
void on_float(const Tensor& in, const Tensor& out, F&& f) {
  if (in.dtype() == DType::Float64)
    f(double{}, in.data<double>(), out.data<double>());
  else
    f(float{}, in.data<float>(), out.data<float>());
}

MaxPoolResult max_pool2d_impl(const Tensor& x_in, std::array<int64_t, 2> kernel,
                              std::array<int64_t, 2> stride, std::array<int64_t, 2> padding,
                              Impl impl) {
  const char* op = "max_pool2d";
  check_float(x_in, op, "input");
  const PoolGeom g = pool_geom(op, x_in.shape(), kernel, stride, padding);
  MaxPoolResult r{empty({g.N, g.C, g.OH, g.OW}, x_in.dtype()),
                  empty({g.N, g.C, g.OH, g.OW}, DType::Int64)};
  if (r.values.numel() == 0) return r;
  const Tensor x = x_in.contiguous();
  int64_t* idx = r.indices.data<int64_t>();
  on_float(x, r.values, [&](auto t, auto* xp, auto* yp) {
    if (impl == Impl::fast && detail::max_pool_phases<decltype(t)>(xp, g, yp, idx)) return;
    max_pool_planes<decltype(t)>(xp, g, yp, idx);
  });
  return r;
}

Tensor avg_pool2d_impl(const Tensor& x_in, std::array<int64_t, 2> kernel,
                       std::array<int64_t, 2> stride, std::array<int64_t, 2> padding,
                       bool count_include_pad, Impl impl) {
  const char* op = "avg_pool2d";
  check_float(x_in, op, "input");
  const PoolGeom g = pool_geom(op, x_in.shape(), kernel, stride, padding);
  Tensor y = empty({g.N, g.C, g.OH, g.OW}, x_in.dtype());
  if (y.numel() == 0) return y;
  const Tensor x = x_in.contiguous();
  on_float(x, y, [&](auto t, auto* xp, auto* yp) {
    if (impl == Impl::fast)
      detail::avg_pool_phases<decltype(t)>(xp, g, count_include_pad, yp);
    else
      avg_pool_planes<decltype(t)>(xp, g, count_include_pad, yp);
  });
  return y;
}

Tensor avg_pool2d_backward_impl(const Tensor& dy_in, const Shape& x_shape,
                                std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
                                std::array<int64_t, 2> padding, bool count_include_pad, Impl impl) {
  const char* op = "avg_pool2d_backward";
  check_float(dy_in, op, "dy");
  const PoolGeom g = pool_geom(op, x_shape, kernel, stride, padding);
  const Shape expected{g.N, g.C, g.OH, g.OW};
  NASH_CHECK(dy_in.shape() == expected, op, ": expected dy ", expected, ", got ", dy_in.shape());
  Tensor dx = empty(x_shape, dy_in.dtype());
  if (dx.numel() == 0) return dx;
  const Tensor dy = dy_in.contiguous();
  on_float(dy, dx, [&](auto t, auto* dyp, auto* dxp) {
    if (impl == Impl::fast)
      detail::avg_pool_backward_phases<decltype(t)>(dyp, g, count_include_pad, dxp);
    else
      avg_pool_backward_planes<decltype(t)>(dyp, g, count_include_pad, dxp);
  });
  return dx;
}

}  // namespace

MaxPoolResult max_pool2d(const Tensor& x, std::array<int64_t, 2> kernel,
                         std::array<int64_t, 2> stride, std::array<int64_t, 2> padding) {
  return max_pool2d_impl(x, kernel, stride, padding, Impl::fast);
}

Tensor max_pool2d_backward(const Tensor& dy_in, const Tensor& indices_in, const Shape& x_shape) {
  const char* op = "max_pool2d_backward";
  check_float(dy_in, op, "dy");
  NASH_CHECK(indices_in.defined() && indices_in.dtype() == DType::Int64, op,
             ": expected int64 indices");
  NASH_CHECK(x_shape.size() == 4, op, ": expected x_shape with 4 dims [N, C, H, W], got ", x_shape);
  NASH_CHECK(dy_in.dim() == 4 && dy_in.size(0) == x_shape[0] && dy_in.size(1) == x_shape[1], op,
             ": expected dy [N, C, OH, OW] with N, C of x_shape ", x_shape, ", got ", dy_in.shape());
  NASH_CHECK(indices_in.shape() == dy_in.shape(), op, ": indices ", indices_in.shape(),
             " and dy ", dy_in.shape(), " differ in shape");
  Tensor dx = empty(x_shape, dy_in.dtype());
  if (dx.numel() == 0) return dx;
  const Tensor dy = dy_in.contiguous(), idx = indices_in.contiguous();
  const int64_t planes = x_shape[0] * x_shape[1], HW = x_shape[2] * x_shape[3];
  const int64_t P = dy.size(2) * dy.size(3);
  bool ok = true;
  on_float(dy, dx, [&](auto t, auto* dyp, auto* dxp) {
    ok = max_pool_scatter<decltype(t)>(dyp, idx.data<int64_t>(), planes, P, HW, dxp);
  });
  NASH_CHECK(ok, op, ": an index is outside its [H*W] plane for x_shape ", x_shape);
  return dx;
}

Tensor avg_pool2d(const Tensor& x, std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
                  std::array<int64_t, 2> padding, bool count_include_pad) {
  return avg_pool2d_impl(x, kernel, stride, padding, count_include_pad, Impl::fast);
}

Tensor avg_pool2d_backward(const Tensor& dy, const Shape& x_shape, std::array<int64_t, 2> kernel,
                           std::array<int64_t, 2> stride, std::array<int64_t, 2> padding,
                           bool count_include_pad) {
  return avg_pool2d_backward_impl(dy, x_shape, kernel, stride, padding, count_include_pad,
                                  Impl::fast);
}

namespace detail {

MaxPoolResult max_pool2d_reference(const Tensor& x, std::array<int64_t, 2> kernel,
                                   std::array<int64_t, 2> stride, std::array<int64_t, 2> padding) {
  return max_pool2d_impl(x, kernel, stride, padding, Impl::reference);
}
Tensor avg_pool2d_reference(const Tensor& x, std::array<int64_t, 2> kernel,
                            std::array<int64_t, 2> stride, std::array<int64_t, 2> padding,
                            bool count_include_pad) {
  return avg_pool2d_impl(x, kernel, stride, padding, count_include_pad, Impl::reference);
}
Tensor avg_pool2d_backward_reference(const Tensor& dy, const Shape& x_shape,
                                     std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
                                     std::array<int64_t, 2> padding, bool count_include_pad) {
  return avg_pool2d_backward_impl(dy, x_shape, kernel, stride, padding, count_include_pad,
                                  Impl::reference);
}

}  // namespace detail
}  // namespace nash
