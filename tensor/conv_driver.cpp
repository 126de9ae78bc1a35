// The convolution passes behind conv2d and conv_transpose2d: the chunk plan, the scratch
// buffers, and one GEMM per chunk around the layout kernels of conv_im2col.cpp. Shapes arrive
// validated (see conv2d.cpp).
//
// For a chunk of nb samples, K = C*KH*KW, P = OH*OW, col [K, nb*P] (layout in conv_im2col.cpp):
// forward:         y_chunk [O, nb*P]  = w [O, K] @ col
// backward input:  dcol [K, nb*P]     = w^T @ dy_chunk [O, nb*P], then col2im sums into dx
//                  (stride 1: a forward conv of dy with the flipped weight instead)
// backward weight: dw [O, K]         += dy_chunk @ col^T
// A sample whose columns outgrow the budget is cut into groups of channels instead (rows
// [c0*KH*KW, c1*KH*KW) of col at a time): forward accumulates the groups' GEMMs into y, the
// backward passes fill their own rows of dcol / dw. The buffer stays L2-sized either way.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "tensor/conv.h"
#include "tensor/creation.h"
#include "tensor/gemm.h"
#include "tensor/scratch.h"

namespace nash::detail {
namespace {

constexpr size_t kColBudgetBytes = size_t{1} << 20;  // per-chunk column buffer: ~ one core's L2

template <class T>
void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
          const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  if constexpr (std::is_same_v<T, float>)
    gemm::sgemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  else
    gemm::dgemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

// planes [N, O, P] += bias[o]
template <class T>
void add_bias(T* y, const T* bias, int64_t N, int64_t O, int64_t P) {
  for (int64_t i = 0; i < N * O; ++i) {
    const T b = bias[i % O];
    for (int64_t p = 0; p < P; ++p) y[i * P + p] += b;
  }
}

// A 1x1 kernel with stride 1 and no padding: a sample's column matrix is its input [C, H*W]
// as it lies, so with chunks of one sample the GEMMs read x (and write dx) directly.
bool col_is_input(const ConvGeom& g) {
  return g.KH == 1 && g.KW == 1 && g.a.stride[0] == 1 && g.a.stride[1] == 1 &&
         g.a.padding[0] == 0 && g.a.padding[1] == 0;
}
constexpr int64_t kDirectMinCols = 256;  // below this, batching samples beats skipping the copy

template <class T>
Tensor forward_impl(const Tensor& x_in, const Tensor& w_in, const Tensor& b_in, const ConvGeom& g) {
  Tensor y = empty({g.N, g.O, g.OH, g.OW}, x_in.dtype());
  const int64_t KK = g.KH * g.KW, K = g.C * KK, P = g.OH * g.OW, CHW = g.C * g.H * g.W;
  if (y.numel() == 0) return y;
  Tensor b = b_in.defined() ? b_in.contiguous() : Tensor();
  const T* bias = b.defined() ? b.data<T>() : nullptr;
  T* yp = y.data<T>();
  if (K == 0) {  // no input channels: y is the bias
    for (int64_t i = 0; i < g.N * g.O; ++i)
      std::fill(yp + i * P, yp + (i + 1) * P, bias ? bias[i % g.O] : T(0));
    return y;
  }
  if (direct_conv_fits(g)) return direct_conv_forward(x_in, w_in, b_in, g);
  Tensor x = x_in.contiguous(), w = w_in.contiguous();
  const T* xp = x.data<T>();
  const T* wp = w.data<T>();
  const ConvPlan plan = conv_plan(g, sizeof(T));
  const bool direct = plan.chunk == 1 && col_is_input(g);
  Scratch<T> col(0, direct ? 0 : plan.group * KK * plan.chunk * P);
  Scratch<T> out(1, plan.chunk > 1 ? g.O * plan.chunk * P : 0);
  for (int64_t n0 = 0; n0 < g.N; n0 += plan.chunk) {
    const int64_t nb = std::min(plan.chunk, g.N - n0);
    const T* xn = xp + n0 * CHW;
    if (nb == 1) {  // the GEMMs write (and accumulate over channel groups) into y directly
      T* yn = yp + n0 * g.O * P;
      for (int64_t c0 = 0; c0 < g.C; c0 += plan.group) {
        const int64_t cn = std::min(plan.group, g.C - c0);
        const T* cols = xn;
        if (!direct) {
          im2col<T>(xn, 1, g, c0, cn, col.get());
          cols = col.get();
        }
        gemm<T>(false, false, g.O, P, cn * KK, T(1), wp + c0 * KK, K, cols, P,
                c0 == 0 ? T(0) : T(1), yn, P);
      }
      if (bias) add_bias(yn, bias, 1, g.O, P);
    } else {  // chunk > 1 implies one group of all channels
      im2col<T>(xn, nb, g, 0, g.C, col.get());
      gemm<T>(false, false, g.O, nb * P, K, T(1), wp, K, col.get(), nb * P, T(0), out.get(), nb * P);
      from_channel_major<T>(out.get(), bias, nb, g.O, P, yp + n0 * g.O * P);
    }
  }
  return y;
}

// With stride 1, dx is itself a convolution: dx = conv2d(dy, w', padding d*(k-1) - p) with
// w'[c, o, kh, kw] = w[o, c, KH-1-kh, KW-1-kw]. That costs an im2col over dy's O channels (plain
// copies) instead of a col2im read-modify-write over x's C channels.
bool backward_input_as_forward(const ConvGeom& g) {
  return g.a.stride[0] == 1 && g.a.stride[1] == 1 && !col_is_input(g) &&
         g.a.padding[0] <= g.a.dilation[0] * (g.KH - 1) &&
         g.a.padding[1] <= g.a.dilation[1] * (g.KW - 1);
}

template <class T>
Tensor backward_input_by_forward(const Tensor& dy, const Tensor& w_in, const Tensor& bias,
                                 const ConvGeom& g) {
  const Tensor w = w_in.contiguous();
  Tensor wt = empty({g.C, g.O, g.KH, g.KW}, w.dtype());
  const T* src = w.data<T>();
  T* dst = wt.data<T>();
  const int64_t KK = g.KH * g.KW;
  for (int64_t o = 0; o < g.O; ++o)
    for (int64_t c = 0; c < g.C; ++c)
      for (int64_t k = 0; k < KK; ++k) dst[(c * g.O + o) * KK + (KK - 1 - k)] = src[(o * g.C + c) * KK + k];
  Conv2dArgs a = g.a;
  a.padding = {g.a.dilation[0] * (g.KH - 1) - g.a.padding[0],
               g.a.dilation[1] * (g.KW - 1) - g.a.padding[1]};
  return forward_impl<T>(dy, wt, bias, ConvGeom{g.N, g.O, g.OH, g.OW, g.C, g.KH, g.KW, g.H, g.W, a});
}

template <class T>
Tensor backward_input_impl(const Tensor& dy_in, const Tensor& w_in, const Tensor& b_in,
                           const ConvGeom& g) {
  if (backward_input_as_forward(g)) return backward_input_by_forward<T>(dy_in, w_in, b_in, g);
  Tensor dx = empty({g.N, g.C, g.H, g.W}, dy_in.dtype());
  const int64_t KK = g.KH * g.KW, K = g.C * KK, P = g.OH * g.OW, HW = g.H * g.W;
  if (dx.numel() == 0) return dx;
  T* dxp = dx.data<T>();
  if (g.O == 0 || P == 0) {
    std::fill(dxp, dxp + dx.numel(), T(0));
  } else if (direct_conv_fits(g)) {
    return direct_conv_backward_input(dy_in, w_in, b_in, g);
  } else {  // col2im writes every plane of every chunk
    Tensor dy = dy_in.contiguous(), w = w_in.contiguous();
    const T* dyp = dy.data<T>();
    const T* wp = w.data<T>();
    const ConvPlan plan = conv_plan(g, sizeof(T));
    const bool direct = plan.chunk == 1 && col_is_input(g);  // col2im would be the identity
    Scratch<T> col(0, direct ? 0 : plan.group * KK * plan.chunk * P);
    Scratch<T> dyc(1, plan.chunk > 1 ? g.O * plan.chunk * P : 0);
    for (int64_t n0 = 0; n0 < g.N; n0 += plan.chunk) {
      const int64_t nb = std::min(plan.chunk, g.N - n0);
      const T* d = dyp + n0 * g.O * P;
      if (nb > 1) {
        to_channel_major<T>(d, nb, g.O, P, dyc.get());
        d = dyc.get();
      }
      T* dxn = dxp + n0 * g.C * HW;
      for (int64_t c0 = 0; c0 < g.C; c0 += plan.group) {
        const int64_t cn = std::min(plan.group, g.C - c0);
        T* cols = direct ? dxn : col.get();
        gemm<T>(true, false, cn * KK, nb * P, g.O, T(1), wp + c0 * KK, K, d, nb * P, T(0), cols,
                nb * P);
        if (!direct) col2im<T>(cols, nb, g, c0, cn, dxn);
      }
    }
  }
  if (b_in.defined()) {
    Tensor b = b_in.contiguous();
    add_bias(dxp, b.data<T>(), g.N, g.C, HW);
  }
  return dx;
}

template <class T>
Tensor backward_weight_impl(const Tensor& dy_in, const Tensor& x_in, const ConvGeom& g) {
  Tensor dw = zeros({g.O, g.C, g.KH, g.KW}, dy_in.dtype());
  const int64_t KK = g.KH * g.KW, K = g.C * KK, P = g.OH * g.OW, CHW = g.C * g.H * g.W;
  if (dw.numel() == 0 || g.N * P == 0) return dw;
  if (direct_conv_fits(g)) return direct_conv_backward_weight(dy_in, x_in, g);
  Tensor dy = dy_in.contiguous(), x = x_in.contiguous();
  const T* dyp = dy.data<T>();
  const T* xp = x.data<T>();
  T* dwp = dw.data<T>();
  const ConvPlan plan = conv_plan(g, sizeof(T));
  const bool direct = plan.chunk == 1 && col_is_input(g);
  Scratch<T> col(0, direct ? 0 : plan.group * KK * plan.chunk * P);
  Scratch<T> dyc(1, plan.chunk > 1 ? g.O * plan.chunk * P : 0);
  for (int64_t n0 = 0; n0 < g.N; n0 += plan.chunk) {
    const int64_t nb = std::min(plan.chunk, g.N - n0);
    const T* d = dyp + n0 * g.O * P;
    if (nb > 1) {
      to_channel_major<T>(d, nb, g.O, P, dyc.get());
      d = dyc.get();
    }
    for (int64_t c0 = 0; c0 < g.C; c0 += plan.group) {
      const int64_t cn = std::min(plan.group, g.C - c0);
      const T* cols = xp + n0 * CHW;
      if (!direct) {
        im2col<T>(cols, nb, g, c0, cn, col.get());
        cols = col.get();
      }
      // dw[:, c0*KK : (c0+cn)*KK] (+)= dy_chunk @ cols^T, summed over chunks in batch order
      gemm<T>(false, true, g.O, cn * KK, nb * P, T(1), d, nb * P, cols, nb * P,
              n0 == 0 ? T(0) : T(1), dwp + c0 * KK, K);
    }
  }
  return dw;
}

}  // namespace

ConvPlan conv_plan(const ConvGeom& g, size_t elem_size) {
  const int64_t N = std::max<int64_t>(g.N, 1), C = std::max<int64_t>(g.C, 1);
  const int64_t per_channel = g.KH * g.KW * g.OH * g.OW * static_cast<int64_t>(elem_size);
  const int64_t budget = static_cast<int64_t>(kColBudgetBytes);
  if (per_channel <= 0) return {N, C};
  if (col_is_input(g) && g.OH * g.OW >= kDirectMinCols) return {1, C};
  if (per_channel * C <= budget) return {std::clamp<int64_t>(budget / (per_channel * C), 1, N), C};
  // One sample per chunk, its channels in balanced groups that fit the budget.
  const int64_t fit = std::max<int64_t>(budget / per_channel, 1);
  const int64_t groups = (C + fit - 1) / fit;
  return {1, (C + groups - 1) / groups};
}

Tensor conv_forward(const Tensor& x, const Tensor& w, const Tensor& bias, const ConvGeom& g) {
  return x.dtype() == DType::Float64 ? forward_impl<double>(x, w, bias, g)
                                     : forward_impl<float>(x, w, bias, g);
}
Tensor conv_backward_input(const Tensor& dy, const Tensor& w, const Tensor& bias,
                           const ConvGeom& g) {
  return dy.dtype() == DType::Float64 ? backward_input_impl<double>(dy, w, bias, g)
                                      : backward_input_impl<float>(dy, w, bias, g);
}
Tensor conv_backward_weight(const Tensor& dy, const Tensor& x, const ConvGeom& g) {
  return dy.dtype() == DType::Float64 ? backward_weight_impl<double>(dy, x, g)
                                      : backward_weight_impl<float>(dy, x, g);
}

}  // namespace nash::detail
