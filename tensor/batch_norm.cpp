// Batch normalisation's kernels (see tensor/batch_norm.h): per channel sums over its N planes of
// P values each, threads over channels (sums) or planes (elementwise passes).
#include "tensor/batch_norm.h"

#include <algorithm>
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

// [N, C] inputs (P == 1, BatchNorm1d on a batch of feature rows): each channel is a column, so
// the passes walk the rows in order and work on kColumns channels at once, contiguous in
// memory and vectorised by the compiler. Each channel's sum still runs over n in order in
// double, exactly as the plane loop above would add its one-value planes: the same bits.
constexpr int64_t kColumns = 256;

// f(c0, c1) on blocks of at most kColumns channels, threaded over blocks.
template <class F>
void column_blocks(const Layout& l, int nt, F f) {
  const int64_t blocks = (l.C + kColumns - 1) / kColumns;
  kernels::parallel_for(blocks, parallel(nt, blocks, l.N * l.C), nt, [&](int64_t b) {
    f(b * kColumns, std::min(l.C, (b + 1) * kColumns));
  });
}

template <class T>
void column_stats(const T* x, const Layout& l, int64_t c0, int64_t c1, T* mean, T* var) {
  const int64_t w = c1 - c0;
  const double m = static_cast<double>(l.N);
  double s[kColumns] = {};
  for (int64_t n = 0; n < l.N; ++n) {
    const T* row = x + n * l.C + c0;
    for (int64_t j = 0; j < w; ++j) s[j] += static_cast<double>(row[j]);
  }
  T mu[kColumns];
  for (int64_t j = 0; j < w; ++j) {
    mu[j] = static_cast<T>(s[j] / m);
    s[j] = 0;
  }
  for (int64_t n = 0; n < l.N; ++n) {
    const T* row = x + n * l.C + c0;
    for (int64_t j = 0; j < w; ++j) {
      const T d = row[j] - mu[j];
      s[j] += static_cast<double>(d * d);
    }
  }
  for (int64_t j = 0; j < w; ++j) {
    mean[c0 + j] = mu[j];
    var[c0 + j] = static_cast<T>(s[j] / m);
  }
}

template <class T>
void column_grad_sums(const T* dy, const T* x, const T* mean, const Layout& l, int64_t c0,
                      int64_t c1, T* sum_dy, T* sum_dy_xc) {
  const int64_t w = c1 - c0;
  double total[kColumns] = {}, cross[kColumns] = {};
  const T* mu = mean + c0;
  for (int64_t n = 0; n < l.N; ++n) {
    const T* d = dy + n * l.C + c0;
    const T* p = x + n * l.C + c0;
    for (int64_t j = 0; j < w; ++j) {
      total[j] += static_cast<double>(d[j]);
      cross[j] += static_cast<double>(d[j] * (p[j] - mu[j]));
    }
  }
  for (int64_t j = 0; j < w; ++j) {
    sum_dy[c0 + j] = static_cast<T>(total[j]);
    sum_dy_xc[c0 + j] = static_cast<T>(cross[j]);
  }
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
    if (l.P == 1)
      return column_blocks(l, nt, [&](int64_t c0, int64_t c1) {
        column_stats(xp, l, c0, c1, mp, vp);
      });
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
    if (l.P == 1)
      return column_blocks(l, nt, [&](int64_t c0, int64_t c1) {
        for (int64_t n = 0; n < l.N; ++n)
          for (int64_t c = c0; c < c1; ++c) yp[n * l.C + c] = xp[n * l.C + c] * a[c] + b[c];
      });
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
    if (l.P == 1)
      return column_blocks(l, nt, [&](int64_t c0, int64_t c1) {
        column_grad_sums(dp, xp, mp, l, c0, c1, sd, sx);
      });
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
    if (l.P == 1) {
      const T *mu = mean.data<T>(), *ka = a.data<T>(), *kb = b.data<T>(), *kd = d.data<T>();
      return column_blocks(l, nt, [&](int64_t c0, int64_t c1) {
        for (int64_t n = 0; n < l.N; ++n) {
          const int64_t r = n * l.C;
          for (int64_t c = c0; c < c1; ++c)
            out[r + c] = ka[c] * dp[r + c] + kb[c] * (xp[r + c] - mu[c]) + kd[c];
        }
      });
    }
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
