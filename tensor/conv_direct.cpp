// Direct convolution, for the shapes where im2col + GEMM would mostly copy: shallow GEMMs (depth
// C*KH*KW up to kDirectMaxDepth, e.g. a discriminator's first stride-2 layers) and one or a few
// output channels (an image-producing last layer, where the GEMM has 1 row). No column matrix:
// each sample is laid out channels-last on a zero-padded grid (one copy of the input's size) and
// every output pixel reads its taps' channel rows in place.
//
// Per sample, xin [Hp, Wp, cs] (Hp = H + 2 ph, Wp = W + 2 pw; cs = C, or C rounded up to the
// vector width where the kernel loads channels as vectors, zeros past C). Output pixel p = (oh, ow)
// has its window origin at cell base[p] = oh*sh*Wp + ow*sw, tap t = (kh, kw) at off[t] =
// kh*dh*Wp + kw*dw, so x[c, oh*sh - ph + kh*dh, ow*sw - pw + kw*dw] = xin[(base[p] + off[t])*cs + c].
//   forward          y[o, p]        = sum_{t, c} xin[p, t, c] * w[o, c, t]
//                    vector over o (w as [T*C, O]) or, for few outputs, over c (dot products)
//   backward input   z[t, c] = sum_o dy[o, p] w[o, c, t] per pixel (vector over (t, c)), then
//                    z added into dxin's cells (base[p] + off[t]), pixel by pixel, tap by tap
//   backward weight  dw[o, c, t]   += sum_p xin[p, t, c] dy[o, p], register tiles of rows x
//                    vectors, vector over o (or over c for few outputs)
// Threads split the batch by sample (forward, input gradient: a sample's result depends only on
// it) or by kWeightGroups fixed groups of samples (weight gradient: each group sums its samples in
// order, then the groups are summed in order), so the bits are the same for any thread count.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "tensor/conv.h"
#include "tensor/creation.h"
#include "tensor/kernels/map.h"
#include "tensor/parallel.h"
#include "tensor/scratch.h"

namespace nash::detail {
namespace {

template <class T>
using B = xsimd::batch<T>;
template <class T>
constexpr int64_t kV = static_cast<int64_t>(xsimd::batch<T>::size);

constexpr int64_t kDirectMaxDepth = 160;  // C*KH*KW up to this: direct (the GEMM is shallow)
constexpr int64_t kDirectMaxOut = 4;      // O up to this: direct (the GEMM has O rows)
constexpr int64_t kWeightGroups = 4;      // dw partial sums, summed in order
constexpr int64_t kParallelMin = 1 << 15;  // multiply-adds below which a pass stays serial

int64_t round_up(int64_t n, int64_t m) { return (n + m - 1) / m * m; }

// The padded grid, each output pixel's window origin and each tap's offset, in cells.
struct Grid {
  int64_t Hp, Wp, P, T;
  std::vector<int64_t> base, off;
  explicit Grid(const ConvGeom& g)
      : Hp(g.H + 2 * g.a.padding[0]), Wp(g.W + 2 * g.a.padding[1]), P(g.OH * g.OW),
        T(g.KH * g.KW) {
    for (int64_t oh = 0; oh < g.OH; ++oh)
      for (int64_t ow = 0; ow < g.OW; ++ow)
        base.push_back(oh * g.a.stride[0] * Wp + ow * g.a.stride[1]);
    for (int64_t kh = 0; kh < g.KH; ++kh)
      for (int64_t kw = 0; kw < g.KW; ++kw)
        off.push_back(kh * g.a.dilation[0] * Wp + kw * g.a.dilation[1]);
  }
  int64_t cells() const { return Hp * Wp; }
};

// Vector over the output channels when there are enough of them (or no more input channels).
bool vector_over_out(const ConvGeom& g, int64_t V) { return g.O >= std::min(g.C, V); }

// The layout moves below transpose in tiles of kTile pixels, so that both sides stay in L1.
constexpr int64_t kTile = 16;

// d [Hp, Wp, cs] <- s [C, H, W] at (ph, pw); zeros around it and in channels [C, cs).
template <class T>
void to_grid(const T* s, const ConvGeom& g, const Grid& q, int64_t cs, T* d) {
  std::fill(d, d + q.cells() * cs, T(0));
  const int64_t ph = g.a.padding[0], pw = g.a.padding[1], HW = g.H * g.W;
  for (int64_t h = 0; h < g.H; ++h)
    for (int64_t w0 = 0; w0 < g.W; w0 += kTile) {
      const int64_t wn = std::min(kTile, g.W - w0);
      T* cells = d + ((h + ph) * q.Wp + w0 + pw) * cs;
      const T* src = s + h * g.W + w0;
      for (int64_t c = 0; c < g.C; ++c)
        for (int64_t i = 0; i < wn; ++i) cells[i * cs + c] = src[c * HW + i];
    }
}

// d [C, H, W] <- the interior of s [Hp, Wp, C], + bias[c] (bias may be null).
template <class T>
void from_grid(const T* s, const ConvGeom& g, const Grid& q, const T* bias, T* d) {
  const int64_t ph = g.a.padding[0], pw = g.a.padding[1], HW = g.H * g.W;
  for (int64_t h = 0; h < g.H; ++h)
    for (int64_t w0 = 0; w0 < g.W; w0 += kTile) {
      const int64_t wn = std::min(kTile, g.W - w0);
      const T* cells = s + ((h + ph) * q.Wp + w0 + pw) * g.C;
      T* dst = d + h * g.W + w0;
      for (int64_t c = 0; c < g.C; ++c) {
        const T b = bias ? bias[c] : T(0);
        for (int64_t i = 0; i < wn; ++i) dst[c * HW + i] = cells[i * g.C + c] + b;
      }
    }
}

// d [P, ld] <- s [O, P] (channels-last), zeros in columns [O, ld).
template <class T>
void to_pixel_major(const T* s, int64_t O, int64_t P, int64_t ld, T* d) {
  for (int64_t p0 = 0; p0 < P; p0 += kTile) {
    const int64_t pn = std::min(kTile, P - p0);
    T* rows = d + p0 * ld;
    for (int64_t o = 0; o < O; ++o)
      for (int64_t i = 0; i < pn; ++i) rows[i * ld + o] = s[o * P + p0 + i];
    for (int64_t i = 0; i < pn; ++i) std::fill(rows + i * ld + O, rows + (i + 1) * ld, T(0));
  }
}

// y[o, p] = s[p, o] + bias[o] for o < O (s rows ld apart).
template <class T>
void from_pixel_major(const T* s, int64_t O, int64_t P, int64_t ld, const T* bias, T* y) {
  for (int64_t p0 = 0; p0 < P; p0 += kTile) {
    const int64_t pn = std::min(kTile, P - p0);
    const T* rows = s + p0 * ld;
    for (int64_t o = 0; o < O; ++o) {
      const T b = bias ? bias[o] : T(0);
      for (int64_t i = 0; i < pn; ++i) y[o * P + p0 + i] = rows[i * ld + o] + b;
    }
  }
}

// ---- forward ---------------------------------------------------------------------------------

// out [P, Op] columns [ob, ob + J*V) = sum over taps and channels of a broadcast input value
// times wa [T*C, Op]'s row (vector over the outputs), for PX pixels from p at a time (each
// weight vector loaded once for all of them).
template <class T, int PX, int J>
void gather_tile(const T* xin, const T* wa, const Grid& q, int64_t C, int64_t Op, int64_t ob,
                 int64_t p, T* out) {
  constexpr int64_t V = kV<T>;
  B<T> acc[PX][J];
  for (int k = 0; k < PX; ++k)
    for (int j = 0; j < J; ++j) acc[k][j] = B<T>(T(0));
  for (int64_t t = 0; t < q.T; ++t) {
    const T* x[PX];
    for (int k = 0; k < PX; ++k) x[k] = xin + (q.base[p + k] + q.off[t]) * C;
    const T* w = wa + t * C * Op + ob;
    for (int64_t c = 0; c < C; ++c) {
      B<T> wv[J];
      for (int j = 0; j < J; ++j) wv[j] = B<T>::load_aligned(w + c * Op + j * V);
      for (int k = 0; k < PX; ++k) {
        const B<T> xb(x[k][c]);
        for (int j = 0; j < J; ++j) acc[k][j] = xsimd::fma(xb, wv[j], acc[k][j]);
      }
    }
  }
  for (int k = 0; k < PX; ++k)
    for (int j = 0; j < J; ++j) acc[k][j].store_aligned(out + (p + k) * Op + ob + j * V);
}

template <class T, int J>
void gather_out(const T* xin, const T* wa, const Grid& q, int64_t C, int64_t Op, int64_t ob,
                T* out) {
  int64_t p = 0;
  for (; p + 4 <= q.P; p += 4) gather_tile<T, 4, J>(xin, wa, q, C, Op, ob, p, out);
  for (; p < q.P; ++p) gather_tile<T, 1, J>(xin, wa, q, C, Op, ob, p, out);
}

// y[o, p] = bias[o] + sum_t <xin cell (base[p] + off[t]), wb[o, t]> over cs channels (vector
// over the channels, one horizontal sum per output).
template <class T>
void dot_out(const T* xin, const T* wb, const Grid& q, int64_t O, int64_t cs, const T* bias,
             T* y) {
  constexpr int64_t V = kV<T>;
  for (int64_t p = 0; p < q.P; ++p)
    for (int64_t o = 0; o < O; ++o) {
      B<T> acc(T(0));
      for (int64_t t = 0; t < q.T; ++t) {
        const T* x = xin + (q.base[p] + q.off[t]) * cs;
        const T* w = wb + (o * q.T + t) * cs;
        for (int64_t c = 0; c < cs; c += V)
          acc = xsimd::fma(B<T>::load_aligned(x + c), B<T>::load_aligned(w + c), acc);
      }
      y[o * q.P + p] = xsimd::hadd(acc) + (bias ? bias[o] : T(0));
    }
}

// Runs f(J, ob) over [0, n) in blocks of up to 4 vectors of V (n a multiple of V).
template <class T, class F>
void vector_blocks(int64_t n, F f) {
  constexpr int64_t V = kV<T>;
  for (int64_t b = 0; b < n; b += 4 * V) {
    switch (std::min<int64_t>(4, (n - b) / V)) {
      case 1: f(std::integral_constant<int, 1>(), b); break;
      case 2: f(std::integral_constant<int, 2>(), b); break;
      case 3: f(std::integral_constant<int, 3>(), b); break;
      default: f(std::integral_constant<int, 4>(), b); break;
    }
  }
}

template <class T>
Tensor forward_direct(const Tensor& x_in, const Tensor& w_in, const Tensor& b_in,
                      const ConvGeom& g) {
  constexpr int64_t V = kV<T>;
  Tensor y = empty({g.N, g.O, g.OH, g.OW}, x_in.dtype());
  const Tensor x = x_in.contiguous(), w = w_in.contiguous();
  const Tensor b = b_in.defined() ? b_in.contiguous() : Tensor();
  const T* xp = x.data<T>();
  const T* wp = w.data<T>();
  const T* bias = b.defined() ? b.data<T>() : nullptr;
  T* yp = y.data<T>();
  const Grid q(g);
  const bool vec_out = vector_over_out(g, V);
  const int64_t Op = round_up(g.O, V), cs = vec_out ? g.C : round_up(g.C, V);
  // vec_out: wk [T*C, Op], wk[(t*C + c)*Op + o] = w[o, c, t]; else wk [O, T, cs].
  std::vector<T, xsimd::aligned_allocator<T>> wk(
      static_cast<size_t>(vec_out ? q.T * g.C * Op : g.O * q.T * cs), T(0));
  for (int64_t o = 0; o < g.O; ++o)
    for (int64_t c = 0; c < g.C; ++c)
      for (int64_t t = 0; t < q.T; ++t)
        wk[vec_out ? (t * g.C + c) * Op + o : (o * q.T + t) * cs + c] = wp[(o * g.C + c) * q.T + t];
  const int nt = get_num_threads();
  const int64_t work = g.N * q.P * q.T * g.C * (vec_out ? Op : g.O);
#pragma omp parallel num_threads(nt) if (nt > 1 && g.N > 1 && work >= kParallelMin)
  {
    Scratch<T> grid(1, q.cells() * cs), out(2, vec_out ? q.P * Op : 0);
#pragma omp for schedule(static)
    for (int64_t n = 0; n < g.N; ++n) {
      to_grid(xp + n * g.C * g.H * g.W, g, q, cs, grid.get());
      T* yn = yp + n * g.O * q.P;
      if (!vec_out) {
        dot_out(grid.get(), wk.data(), q, g.O, cs, bias, yn);
        continue;
      }
      vector_blocks<T>(Op, [&](auto J, int64_t ob) {
        gather_out<T, decltype(J)::value>(grid.get(), wk.data(), q, g.C, Op, ob, out.get());
      });
      from_pixel_major(out.get(), g.O, q.P, Op, bias, yn);
    }
  }
  return y;
}

// ---- backward input --------------------------------------------------------------------------

// z [PX, TCp] columns [zb, zb + J*V) = sum_o dy[p + k, o] wz[o, :] for PX pixels' dy rows
// (O values each, rows O apart): each weight vector loaded once for all of them.
template <class T, int PX, int J>
void pixel_taps(const T* dyrows, const T* wz, int64_t O, int64_t TCp, int64_t zb, T* z) {
  constexpr int64_t V = kV<T>;
  B<T> acc[PX][J];
  for (int k = 0; k < PX; ++k)
    for (int j = 0; j < J; ++j) acc[k][j] = B<T>(T(0));
  for (int64_t o = 0; o < O; ++o) {
    B<T> wv[J];
    for (int j = 0; j < J; ++j) wv[j] = B<T>::load_aligned(wz + o * TCp + zb + j * V);
    for (int k = 0; k < PX; ++k) {
      const B<T> d(dyrows[k * O + o]);
      for (int j = 0; j < J; ++j) acc[k][j] = xsimd::fma(d, wv[j], acc[k][j]);
    }
  }
  for (int k = 0; k < PX; ++k)
    for (int j = 0; j < J; ++j) acc[k][j].store_aligned(z + k * TCp + zb + j * V);
}

// d[i] += s[i], i < n: a vector body and a scalar tail.
template <class T>
void add_row(const T* s, T* d, int64_t n) {
  constexpr int64_t V = kV<T>;
  int64_t i = 0;
  for (; i + V <= n; i += V)
    (B<T>::load_unaligned(d + i) + B<T>::load_unaligned(s + i)).store_unaligned(d + i);
  for (; i < n; ++i) d[i] += s[i];
}

template <class T>
Tensor backward_input_direct(const Tensor& dy_in, const Tensor& w_in, const Tensor& b_in,
                             const ConvGeom& g) {
  constexpr int64_t V = kV<T>;
  Tensor dx = empty({g.N, g.C, g.H, g.W}, dy_in.dtype());
  const Tensor dy = dy_in.contiguous(), w = w_in.contiguous();
  const Tensor b = b_in.defined() ? b_in.contiguous() : Tensor();
  const T* dyp = dy.data<T>();
  const T* wp = w.data<T>();
  const T* bias = b.defined() ? b.data<T>() : nullptr;
  T* dxp = dx.data<T>();
  const Grid q(g);
  const int64_t TC = q.T * g.C, TCp = round_up(TC, V);
  // wz [O, TCp]: wz[o*TCp + t*C + c] = w[o, c, t], zeros past T*C.
  std::vector<T, xsimd::aligned_allocator<T>> wz(static_cast<size_t>(g.O * TCp), T(0));
  for (int64_t o = 0; o < g.O; ++o)
    for (int64_t c = 0; c < g.C; ++c)
      for (int64_t t = 0; t < q.T; ++t) wz[o * TCp + t * g.C + c] = wp[(o * g.C + c) * q.T + t];
  const int nt = get_num_threads();
  const int64_t work = g.N * q.P * g.O * TCp;
#pragma omp parallel num_threads(nt) if (nt > 1 && g.N > 1 && work >= kParallelMin)
  {
    constexpr int64_t kPx = 4;  // pixels per weight pass
    Scratch<T> grid(1, q.cells() * g.C), dyc(2, q.P * g.O), z(3, kPx * TCp);
#pragma omp for schedule(static)
    for (int64_t n = 0; n < g.N; ++n) {
      to_pixel_major(dyp + n * g.O * q.P, g.O, q.P, g.O, dyc.get());
      T* dxin = grid.get();
      std::fill(dxin, dxin + q.cells() * g.C, T(0));
      for (int64_t p0 = 0; p0 < q.P; p0 += kPx) {
        const int64_t pn = std::min(kPx, q.P - p0);
        const T* rows = dyc.get() + p0 * g.O;
        vector_blocks<T>(TCp, [&](auto J, int64_t zb) {
          constexpr int j = decltype(J)::value;
          if (pn == kPx) return pixel_taps<T, kPx, j>(rows, wz.data(), g.O, TCp, zb, z.get());
          for (int64_t k = 0; k < pn; ++k)
            pixel_taps<T, 1, j>(rows + k * g.O, wz.data(), g.O, TCp, zb, z.get() + k * TCp);
        });
        for (int64_t k = 0; k < pn; ++k)  // pixel by pixel, tap by tap: a fixed order
          for (int64_t t = 0; t < q.T; ++t)
            add_row(z.get() + k * TCp + t * g.C, dxin + (q.base[p0 + k] + q.off[t]) * g.C, g.C);
      }
      from_grid(dxin, g, q, bias, dxp + n * g.C * g.H * g.W);
    }
  }
  return dx;
}

// ---- backward weight -------------------------------------------------------------------------

// acc [rows, ld] columns [vb, vb + J*V) += sum_p bcast(a[p*abase + arow[r]]) * vec[p*vstride +
// voff[r] + vb ...] for rows [r0, r0 + R): a register tile of R rows x J vectors, kept over all
// pixels. base[p] scales both the broadcast side (cells * as) and, for vec_cells, the vector side.
template <class T, int R, int J>
void outer_tile(const T* a, const int64_t* arow, const T* v, const int64_t* vrow,
                const int64_t* abase, const int64_t* vbase, int64_t P, int64_t vb, int64_t r0,
                int64_t ld, T* acc_mem) {
  constexpr int64_t V = kV<T>;
  B<T> acc[R][J];
  for (int i = 0; i < R; ++i)
    for (int j = 0; j < J; ++j)
      acc[i][j] = B<T>::load_aligned(acc_mem + (r0 + i) * ld + vb + j * V);
  for (int64_t p = 0; p < P; ++p) {
    const T* ap = a + abase[p];
    const T* vp = v + vbase[p] + vb;
    for (int i = 0; i < R; ++i) {
      const B<T> s(ap[arow[r0 + i]]);
      const T* vr = vp + vrow[r0 + i];
      for (int j = 0; j < J; ++j)
        acc[i][j] = xsimd::fma(s, B<T>::load_unaligned(vr + j * V), acc[i][j]);
    }
  }
  for (int i = 0; i < R; ++i)
    for (int j = 0; j < J; ++j) acc[i][j].store_aligned(acc_mem + (r0 + i) * ld + vb + j * V);
}

template <class T>
Tensor backward_weight_direct(const Tensor& dy_in, const Tensor& x_in, const ConvGeom& g) {
  constexpr int64_t V = kV<T>;
  constexpr int R = 4;  // rows per register tile (x up to 4 vectors)
  Tensor dw = empty({g.O, g.C, g.KH, g.KW}, dy_in.dtype());
  const Tensor dy = dy_in.contiguous(), x = x_in.contiguous();
  const T* dyp = dy.data<T>();
  const T* xp = x.data<T>();
  const Grid q(g);
  // Rows of the partial sum and what each broadcasts / loads, per pixel p:
  //   vec_out: row (t, c), broadcast xin[(base[p] + off[t])*C + c], vector dyc[p*Op + o...]
  //   else:    row (o, t), broadcast dyc[p*O + o], vector xin[(base[p] + off[t])*Cp + c...]
  const bool vec_out = vector_over_out(g, V);
  const int64_t vlen = round_up(vec_out ? g.O : g.C, V);  // the vector side, padded
  const int64_t rows = vec_out ? q.T * g.C : g.O * q.T, rows_p = round_up(rows, R);
  const int64_t cs = vec_out ? g.C : vlen, dys = vec_out ? vlen : g.O;
  std::vector<int64_t> arow(static_cast<size_t>(rows_p), 0), vrow(static_cast<size_t>(rows_p), 0);
  std::vector<int64_t> abase(static_cast<size_t>(q.P)), vbase(static_cast<size_t>(q.P));
  for (int64_t r = 0; r < rows; ++r) {
    if (vec_out) {
      arow[r] = q.off[r / g.C] * cs + r % g.C;
    } else {
      arow[r] = r / q.T;
      vrow[r] = q.off[r % q.T] * cs;
    }
  }
  for (int64_t p = 0; p < q.P; ++p) {
    abase[p] = vec_out ? q.base[p] * cs : p * dys;
    vbase[p] = vec_out ? p * dys : q.base[p] * cs;
  }
  const int64_t part = rows_p * vlen, groups = std::min(kWeightGroups, g.N);
  std::vector<T, xsimd::aligned_allocator<T>> parts(static_cast<size_t>(groups * part), T(0));
  const int nt = static_cast<int>(std::min<int64_t>(get_num_threads(), groups));
  const int64_t work = g.N * q.P * rows * vlen;
#pragma omp parallel num_threads(nt) if (nt > 1 && work >= kParallelMin)
  {
    Scratch<T> grid(1, q.cells() * cs), dyc(2, q.P * dys);
#pragma omp for schedule(static)
    for (int64_t gi = 0; gi < groups; ++gi) {
      T* acc = parts.data() + gi * part;
      for (int64_t n = g.N * gi / groups; n < g.N * (gi + 1) / groups; ++n) {
        to_grid(xp + n * g.C * g.H * g.W, g, q, cs, grid.get());
        to_pixel_major(dyp + n * g.O * q.P, g.O, q.P, dys, dyc.get());
        const T* a = vec_out ? grid.get() : dyc.get();
        const T* v = vec_out ? dyc.get() : grid.get();
        vector_blocks<T>(vlen, [&](auto J, int64_t vb) {
          for (int64_t r0 = 0; r0 < rows_p; r0 += R)
            outer_tile<T, R, decltype(J)::value>(a, arow.data(), v, vrow.data(), abase.data(),
                                                 vbase.data(), q.P, vb, r0, vlen, acc);
        });
      }
    }
  }
  for (int64_t gi = 1; gi < groups; ++gi)
    for (int64_t i = 0; i < part; ++i) parts[i] += parts[gi * part + i];
  T* dwp = dw.data<T>();
  for (int64_t o = 0; o < g.O; ++o)
    for (int64_t c = 0; c < g.C; ++c)
      for (int64_t t = 0; t < q.T; ++t)
        dwp[(o * g.C + c) * q.T + t] =
            vec_out ? parts[(t * g.C + c) * vlen + o] : parts[(o * q.T + t) * vlen + c];
  return dw;
}

std::atomic<bool> g_direct_enabled{true};

}  // namespace

void set_direct_conv_enabled(bool enabled) { g_direct_enabled = enabled; }
bool direct_conv_enabled() { return g_direct_enabled.load(); }

bool direct_conv_fits(const ConvGeom& g) {
  if (!g_direct_enabled.load()) return false;
  const bool pointwise = g.KH == 1 && g.KW == 1 && g.a.stride[0] == 1 && g.a.stride[1] == 1 &&
                         g.a.padding[0] == 0 && g.a.padding[1] == 0;
  return !pointwise && g.N > 0 && g.C > 0 && g.O > 0 &&
         (g.C * g.KH * g.KW <= kDirectMaxDepth || g.O <= kDirectMaxOut);
}

Tensor direct_conv_forward(const Tensor& x, const Tensor& w, const Tensor& bias,
                           const ConvGeom& g) {
  return x.dtype() == DType::Float64 ? forward_direct<double>(x, w, bias, g)
                                     : forward_direct<float>(x, w, bias, g);
}
Tensor direct_conv_backward_input(const Tensor& dy, const Tensor& w, const Tensor& bias,
                                  const ConvGeom& g) {
  return dy.dtype() == DType::Float64 ? backward_input_direct<double>(dy, w, bias, g)
                                      : backward_input_direct<float>(dy, w, bias, g);
}
Tensor direct_conv_backward_weight(const Tensor& dy, const Tensor& x, const ConvGeom& g) {
  return dy.dtype() == DType::Float64 ? backward_weight_direct<double>(dy, x, g)
                                      : backward_weight_direct<float>(dy, x, g);
}

}  // namespace nash::detail
