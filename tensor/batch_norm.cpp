// Batch normalisation's kernels (see tensor/batch_norm.h): per channel sums over its N planes of
// P values each, threads over channels (sums) or planes (elementwise passes).
#include "tensor/batch_norm.h"

#include <cmath>
#include <cstdint>

#include "tensor/creation.h"
#include "tensor/kernels/parallel_for.h"
#include "tensor/kernels/dispatch.h"
#include "tensor/kernels/map.h"
#include "tensor/parallel.h"

namespace nash {
namespace {

using kernels::Batch;
using kernels::kWidth;

constexpr int64_t kParallelMin = int64_t{1} << 15;  // elements below which a pass stays serial

struct Layout {
  int64_t N, C, P;  // planes [N, C] of P values
};

Layout layout_of(const Tensor& x, const char* op) {
  NASH_CHECK(x.dim() >= 2, op, ": expected [N, C, ...], got ", x.shape());
  NASH_CHECK(x.dtype() == DType::Float32 || x.dtype() == DType::Float64, op,
             ": expected float32 or float64, got ", dtype_name(x.dtype()));
  const int64_t N = x.size(0), C = x.size(1);
  return {N, C, N * C == 0 ? 0 : x.numel() / (N * C)};
}

void check_channels(const Tensor& t, const Tensor& x, const char* name, const char* op) {
  NASH_CHECK(t.dtype() == x.dtype() && t.dim() == 1 && t.size(0) == x.size(1), op, ": expected ",
             name, " [", x.size(1), "] of ", dtype_name(x.dtype()), ", got ", t.shape(), " of ",
             dtype_name(t.dtype()));
}

// sum f(i) over one plane: a vector body and a scalar tail, the vector lanes summed in double.
template <class T, class F>
double plane_sum(int64_t n, F f) {
  constexpr int64_t W = kWidth<T>;
  Batch<T> acc(T(0));
  int64_t i = 0;
  for (; i + W <= n; i += W) acc += f(i, Batch<T>());
  double total = static_cast<double>(xsimd::hadd(acc));
  for (; i < n; ++i) total += static_cast<double>(f(i, T()));
  return total;
}

template <class T>
Batch<T> load(const T* p, Batch<T>) {
  return Batch<T>::load_unaligned(p);
}
template <class T>
T load(const T* p, T) {
  return *p;
}

bool parallel(int nt, int64_t items, int64_t elems) {
  return nt > 1 && items > 1 && elems >= kParallelMin;
}

}  // namespace

ChannelStats batch_norm_stats(const Tensor& x_in) {
  const char* op = "batch_norm_stats";
  const Layout l = layout_of(x_in, op);
  NASH_CHECK(l.N * l.P > 0, op, ": expected at least one value per channel, got ", x_in.shape());
  ChannelStats s{empty({l.C}, x_in.dtype()), empty({l.C}, x_in.dtype())};
  const Tensor x = x_in.contiguous();
  kernels::dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data<T>();
    T* mp = s.mean.data<T>();
    T* vp = s.var.data<T>();
    const int nt = get_num_threads();
    const double m = static_cast<double>(l.N * l.P);
    kernels::parallel_for(l.C, parallel(nt, l.C, x.numel()), nt, [&](int64_t c) {
      double total = 0;
      for (int64_t n = 0; n < l.N; ++n) {
        const T* p = xp + (n * l.C + c) * l.P;
        total += plane_sum<T>(l.P, [p](int64_t i, auto v) { return load(p + i, v); });
      }
      const T mean = static_cast<T>(total / m);
      double sq = 0;
      for (int64_t n = 0; n < l.N; ++n) {
        const T* p = xp + (n * l.C + c) * l.P;
        sq += plane_sum<T>(l.P, [p, mean](int64_t i, auto v) {
          const auto d = load(p + i, v) - mean;
          return d * d;
        });
      }
      mp[c] = mean;
      vp[c] = static_cast<T>(sq / m);
    });
  });
  return s;
}

Tensor batch_norm_normalize(const Tensor& x_in, const Tensor& scale_in, const Tensor& shift_in) {
  const char* op = "batch_norm_normalize";
  const Layout l = layout_of(x_in, op);
  check_channels(scale_in, x_in, "scale", op);
  check_channels(shift_in, x_in, "shift", op);
  Tensor y = empty(x_in.shape(), x_in.dtype());
  const Tensor x = x_in.contiguous(), scale = scale_in.contiguous(), shift = shift_in.contiguous();
  kernels::dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data<T>();
    const T* a = scale.data<T>();
    const T* b = shift.data<T>();
    T* yp = y.data<T>();
    const int nt = get_num_threads();
    kernels::parallel_for(l.N * l.C, parallel(nt, l.N * l.C, x.numel()), nt, [&](int64_t plane) {
      const T s = a[plane % l.C], t = b[plane % l.C];
      kernels::map(xp + plane * l.P, yp + plane * l.P, l.P, [s, t](auto v) { return v * s + t; });
    });
  });
  return y;
}

ChannelGradSums batch_norm_backward_sums(const Tensor& dy_in, const Tensor& x_in,
                                         const Tensor& mean_in) {
  const char* op = "batch_norm_backward_sums";
  const Layout l = layout_of(x_in, op);
  NASH_CHECK(dy_in.shape() == x_in.shape() && dy_in.dtype() == x_in.dtype(), op,
             ": dy and x differ: dy is ", dy_in.shape(), ", x is ", x_in.shape());
  check_channels(mean_in, x_in, "mean", op);
  ChannelGradSums s{empty({l.C}, x_in.dtype()), empty({l.C}, x_in.dtype())};
  const Tensor dy = dy_in.contiguous(), x = x_in.contiguous(), mean = mean_in.contiguous();
  kernels::dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* dp = dy.data<T>();
    const T* xp = x.data<T>();
    const T* mp = mean.data<T>();
    T* sd = s.dy.data<T>();
    T* sx = s.dy_xc.data<T>();
    const int nt = get_num_threads();
    kernels::parallel_for(l.C, parallel(nt, l.C, x.numel()), nt, [&](int64_t c) {
      double total = 0, cross = 0;
      const T mu = mp[c];
      for (int64_t n = 0; n < l.N; ++n) {
        const T* d = dp + (n * l.C + c) * l.P;
        const T* p = xp + (n * l.C + c) * l.P;
        total += plane_sum<T>(l.P, [d](int64_t i, auto v) { return load(d + i, v); });
        cross += plane_sum<T>(l.P, [d, p, mu](int64_t i, auto v) {
          return load(d + i, v) * (load(p + i, v) - mu);
        });
      }
      sd[c] = static_cast<T>(total);
      sx[c] = static_cast<T>(cross);
    });
  });
  return s;
}

Tensor batch_norm_input_grad(const Tensor& dy_in, const Tensor& x_in, const Tensor& mean_in,
                             const Tensor& a_in, const Tensor& b_in, const Tensor& d_in) {
  const char* op = "batch_norm_input_grad";
  const Layout l = layout_of(x_in, op);
  NASH_CHECK(dy_in.shape() == x_in.shape() && dy_in.dtype() == x_in.dtype(), op,
             ": dy and x differ: dy is ", dy_in.shape(), ", x is ", x_in.shape());
  for (const Tensor* t : {&mean_in, &a_in, &b_in, &d_in}) check_channels(*t, x_in, "[C] factor", op);
  Tensor dx = empty(x_in.shape(), x_in.dtype());
  const Tensor dy = dy_in.contiguous(), x = x_in.contiguous(), mean = mean_in.contiguous();
  const Tensor a = a_in.contiguous(), b = b_in.contiguous(), d = d_in.contiguous();
  kernels::dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* dp = dy.data<T>();
    const T* xp = x.data<T>();
    T* out = dx.data<T>();
    const int nt = get_num_threads();
    kernels::parallel_for(l.N * l.C, parallel(nt, l.N * l.C, x.numel()), nt, [&](int64_t plane) {
      const int64_t c = plane % l.C;
      const T mu = mean.data<T>()[c], ka = a.data<T>()[c], kb = b.data<T>()[c], kd = d.data<T>()[c];
      kernels::zip(dp + plane * l.P, xp + plane * l.P, out + plane * l.P, l.P,
                   [mu, ka, kb, kd](auto g, auto v) { return ka * g + kb * (v - mu) + kd; });
    });
  });
  return dx;
}

}  // namespace nash
