// upsample_conv2d: conv2d(upsample_nearest2d(x, 2), w, b) with a 3x3 kernel, stride 1, padding 1,
// computed on x's own grid. Output pixel (2i+a, 2j+b) reads upsampled rows 2i+a-1 .. 2i+a+1,
// which are source rows {i-1, i, i} (a = 0) or {i, i, i+1} (a = 1): taps landing on the same
// source pixel add up, so phase (a, b) of y is a 2x2 convolution of x with the phase kernel
//   wp[a,b][o, c, r, s] = sum_{kh, kw} F[a][r][kh] F[b][s][kw] w[o, c, kh, kw]
//   (F[0] = {{1,0,0}, {0,1,1}}, F[1] = {{1,1,0}, {0,0,1}}; phase row r reads x row i+a-1+r)
// 16 multiply-adds per (c, o, output pixel) instead of 36, and no [N, C, 2H, 2W] tensor.
// The adjoints follow: dx sums the four phases' transposed 2x2 convolutions of dy's phases,
// and dw is the phase kernels' gradients folded back onto the 3x3 taps with the same F.
//
// How it runs, per chunk of nb samples (P = H*W), one phase at a time:
//   forward         y_ab [O, nb*P]   = wp_ab [O, 4C] @ col_ab [4C, nb*P]     (col: x's 2x2 windows)
//   backward input  dx   [C, nb*P]  += wt_ab [C, 4O] @ col'_ab [4O, nb*P]    (col': dy_ab's windows)
//   backward weight dwp_ab [O, 4C]  += dy_ab [O, nb*P] @ col_ab^T
// Threads split the batch: each runs whole chunks (its own columns, one-thread GEMMs), which
// scales better than splitting every small GEMM. A sample's y and dx do not depend on how the
// batch is chunked; dw sums the chunks in kWeightGroups fixed groups (each in batch order, then
// the groups in order), so the bits are the same for any thread count.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "tensor/conv.h"
#include "tensor/creation.h"
#include "tensor/gemm.h"
#include "tensor/parallel.h"
#include "tensor/scratch.h"

namespace nash {
namespace {

using detail::Scratch;

constexpr size_t kColBudgetBytes = size_t{1} << 20;  // one phase's column buffer: ~ one L2
constexpr int64_t kParallelMin = 1 << 14;           // elements below which copies stay serial
constexpr int64_t kWeightGroups = 4;                 // dw partial sums (up to 4 threads share them)

// kFold[a][r][k]: 3x3 tap row k (or column) lands on phase-a kernel row r.
constexpr int kFold[2][2][3] = {{{1, 0, 0}, {0, 1, 1}}, {{1, 1, 0}, {0, 0, 1}}};

template <class T>
void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda, const T* B,
          int64_t ldb, T beta, T* C, int64_t ldc) {
  if constexpr (std::is_same_v<T, float>)
    gemm::sgemm(ta, tb, M, N, K, 1.f, A, lda, B, ldb, beta, C, ldc);
  else
    gemm::dgemm(ta, tb, M, N, K, 1.0, A, lda, B, ldb, beta, C, ldc);
}

// wp [4, O, C*4]: phase p = 2a+b, column c*4 + r*2 + s = the folded taps of w [O, C, 3, 3].
template <class T>
void fold_weight(const T* w, int64_t O, int64_t C, T* wp) {
  for (int p = 0; p < 4; ++p)
    for (int64_t oc = 0; oc < O * C; ++oc)
      for (int r = 0; r < 2; ++r)
        for (int s = 0; s < 2; ++s) {
          T acc = 0;
          for (int kh = 0; kh < 3; ++kh)
            for (int kw = 0; kw < 3; ++kw)
              if (kFold[p / 2][r][kh] && kFold[p % 2][s][kw]) acc += w[oc * 9 + kh * 3 + kw];
          wp[p * O * C * 4 + oc * 4 + r * 2 + s] = acc;
        }
}

// wt [4, C, O*4]: wt[p][c][o*4 + r*2 + s] = wp[p][o][c*4 + (1-r)*2 + (1-s)], the phase kernels
// transposed and flipped (the backward-input GEMM's left operand).
template <class T>
void transpose_phases(const T* wp, int64_t O, int64_t C, T* wt) {
  for (int p = 0; p < 4; ++p)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t c = 0; c < C; ++c)
        for (int k = 0; k < 4; ++k)
          wt[(p * C + c) * O * 4 + o * 4 + k] = wp[(p * O + o) * C * 4 + c * 4 + (3 - k)];
}

// dw [O, C, 3, 3] = the phase kernels' gradients dwp [4, O, C*4] summed back onto the taps.
template <class T>
void unfold_weight(const T* dwp, int64_t O, int64_t C, T* dw) {
  for (int64_t oc = 0; oc < O * C; ++oc)
    for (int kh = 0; kh < 3; ++kh)
      for (int kw = 0; kw < 3; ++kw) {
        T acc = 0;
        for (int p = 0; p < 4; ++p)
          for (int r = 0; r < 2; ++r)
            for (int s = 0; s < 2; ++s)
              if (kFold[p / 2][r][kh] && kFold[p % 2][s][kw])
                acc += dwp[p * O * C * 4 + oc * 4 + r * 2 + s];
        dw[oc * 9 + kh * 3 + kw] = acc;
      }
}

// Where the windows are read from: planes [nb, S, H*st, W*st], of which the phase cells
// (i*st + pa, j*st + pb) form an [H, W] grid; window (r, s) of output (i, j) reads grid cell
// (i + dh + r, j + dw + s), 0 outside the grid.
struct Windows {
  int64_t S, H, W;  // channels, grid size
  int64_t st;       // 1: the planes are the grid; 2: a phase of planes twice the size
  int64_t pa, pb;   // phase offsets in the plane
  int64_t dh, dw;   // window origin relative to the output cell
  int taps;         // 1 (the grid itself) or 2 (2x2 windows)
};

// out [H, W] = plane [H, W] shifted: out[i, jj] = plane[i + sh, jj + sw], 0 outside. The rows
// that stay inside are one contiguous run of the plane (each output row's last or first cell
// reading the neighbouring row's), so: one copy, then zero those cells and the rows outside.
template <class T>
void shifted_plane(const T* plane, int64_t H, int64_t W, int64_t sh, int64_t sw, T* out) {
  const int64_t i0 = std::clamp<int64_t>(-sh, 0, H), i1 = std::clamp<int64_t>(H - sh, i0, H);
  if (sw <= -W || sw >= W || i1 == i0) return std::fill(out, out + H * W, T(0));
  std::fill(out, out + i0 * W, T(0));
  std::fill(out + i1 * W, out + H * W, T(0));
  const int64_t shift = sh * W + sw;  // out cell q reads plane cell q + shift
  const int64_t a = std::max(i0 * W, -shift), e = std::min(i1 * W, H * W - shift);
  if (e > a) std::memcpy(out + a, plane + a + shift, sizeof(T) * (e - a));
  for (int64_t i = i0; i < i1; ++i) {  // the columns the shift brought in from the next row
    for (int64_t jj = 0; jj < -sw; ++jj) out[i * W + jj] = T(0);
    for (int64_t jj = W - sw; jj < W; ++jj) out[i * W + jj] = T(0);
  }
}

// col [S*taps*taps, nb*P]: row (c, r, s), column (j, i*W + jj) = grid cell of sample j, channel
// c at (i + dh + r, jj + dw + s). Pure copies, split over rows between threads.
template <class T>
void window_cols(const T* src, int64_t nb, const Windows& v, T* col) {
  const int64_t P = v.H * v.W, ld = nb * P, TT = v.taps * v.taps;
  const int64_t plane = v.H * v.st * v.W * v.st, row_len = v.W * v.st;
  const int nt = get_num_threads();
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1 && v.S * TT * ld >= kParallelMin)
  for (int64_t row = 0; row < v.S * TT; ++row) {
    const int64_t c = row / TT, r = row % TT / v.taps, s = row % v.taps;
    const int64_t sh = v.dh + r, sw = v.dw + s;
    const int64_t j0 = std::max<int64_t>(0, -sw), j1 = std::min(v.W, v.W - sw);
    for (int64_t j = 0; j < nb; ++j) {
      const T* base = src + (j * v.S + c) * plane;
      T* out = col + row * ld + j * P;
      if (v.st == 1) {
        shifted_plane(base, v.H, v.W, sh, sw, out);
        continue;
      }
      for (int64_t i = 0; i < v.H; ++i, out += v.W) {
        const int64_t gi = i + sh;
        if (gi < 0 || gi >= v.H || j1 <= j0) {
          std::fill(out, out + v.W, T(0));
          continue;
        }
        const T* in = base + (gi * v.st + v.pa) * row_len + v.pb + sw * v.st;
        std::fill(out, out + j0, T(0));
        if (v.st == 1)
          std::memcpy(out + j0, in + j0, sizeof(T) * (j1 - j0));
        else
          for (int64_t jj = j0; jj < j1; ++jj) out[jj] = in[jj * 2];
        std::fill(out + j1, out + v.W, T(0));
      }
    }
  }
}

// Samples per chunk: as many as keep one phase's column buffer (rows_per_sample * P elements
// per sample) within the budget, at least one. Depends on the shapes only.
int64_t chunk_of(int64_t N, int64_t rows, int64_t P, size_t elem) {
  const int64_t per_sample = std::max<int64_t>(rows * P * static_cast<int64_t>(elem), 1);
  return std::clamp<int64_t>(static_cast<int64_t>(kColBudgetBytes) / per_sample, 1,
                             std::max<int64_t>(N, 1));
}

// For passes whose results do not depend on the chunking (y, dx): at most nbmax samples per
// chunk, the number of chunks a multiple of the thread count where N allows, sizes even.
int64_t balanced_chunk(int64_t N, int64_t nbmax, int nt) {
  int64_t chunks = (N + nbmax - 1) / nbmax;
  chunks = std::min(N, (chunks + nt - 1) / nt * nt);
  return (N + chunks - 1) / chunks;
}

// y [N, O, 2H, 2W]
template <class T>
Tensor forward_impl(const Tensor& x_in, const Tensor& w_in, const Tensor& b_in) {
  const int64_t N = x_in.size(0), C = x_in.size(1), H = x_in.size(2), W = x_in.size(3);
  const int64_t O = w_in.size(0), P = H * W;
  Tensor y = empty({N, O, 2 * H, 2 * W}, x_in.dtype());
  if (y.numel() == 0) return y;
  const Tensor b = b_in.defined() ? b_in.contiguous() : Tensor();
  const T* bias = b.defined() ? b.data<T>() : nullptr;
  T* yp = y.data<T>();
  if (C == 0) {
    for (int64_t i = 0; i < N * O; ++i)
      std::fill(yp + i * 4 * P, yp + (i + 1) * 4 * P, bias ? bias[i % O] : T(0));
    return y;
  }
  const Tensor x = x_in.contiguous(), w = w_in.contiguous();
  const T* xp = x.data<T>();
  Scratch<T> wp(0, 4 * O * C * 4);
  fold_weight(w.data<T>(), O, C, wp.get());
  const T* wpp = wp.get();
  const int nt = get_num_threads();
  const int64_t nbmax = balanced_chunk(N, chunk_of(N, 4 * C, P, sizeof(T)), nt);
  const int64_t chunks = (N + nbmax - 1) / nbmax;
#pragma omp parallel num_threads(nt) if (nt > 1 && chunks > 1)
  {
    Scratch<T> col(1, 4 * C * nbmax * P), out(2, 4 * O * nbmax * P);
#pragma omp for schedule(static)
    for (int64_t chunk = 0; chunk < chunks; ++chunk) {
      const int64_t n0 = chunk * nbmax, nb = std::min(nbmax, N - n0), ld = nb * P;
      for (int p = 0; p < 4; ++p) {
        window_cols(xp + n0 * C * P, nb, Windows{C, H, W, 1, 0, 0, p / 2 - 1, p % 2 - 1, 2},
                    col.get());
        gemm<T>(false, false, O, ld, 4 * C, wpp + p * O * C * 4, 4 * C, col.get(), ld, T(0),
                out.get() + p * O * ld, ld);
      }
      // y[j, o, 2i+a, 2jj+b] = out[2a+b][o][j*P + i*W + jj] + bias[o]
      const T* o4 = out.get();
      for (int64_t j = 0; j < nb; ++j)
        for (int64_t o = 0; o < O; ++o) {
          const T bo = bias ? bias[o] : T(0);
          T* yo = yp + ((n0 + j) * O + o) * 4 * P;
          for (int a = 0; a < 2; ++a) {
            const T* s0 = o4 + ((2 * a) * O + o) * ld + j * P;
            const T* s1 = o4 + ((2 * a + 1) * O + o) * ld + j * P;
            for (int64_t i = 0; i < H; ++i) {
              T* row = yo + (2 * i + a) * 2 * W;
              for (int64_t jj = 0; jj < W; ++jj) {
                row[2 * jj] = s0[i * W + jj] + bo;
                row[2 * jj + 1] = s1[i * W + jj] + bo;
              }
            }
          }
        }
    }
  }
  return y;
}

// dx [N, C, H, W] from dy [N, O, 2H, 2W]
template <class T>
Tensor backward_input_impl(const Tensor& dy_in, const Tensor& w_in, const Shape& xs) {
  const int64_t N = xs[0], C = xs[1], H = xs[2], W = xs[3], O = w_in.size(0), P = H * W;
  Tensor dx = empty(xs, dy_in.dtype());
  if (dx.numel() == 0) return dx;
  T* dxp = dx.data<T>();
  if (O == 0) {
    std::fill(dxp, dxp + dx.numel(), T(0));
    return dx;
  }
  const Tensor dy = dy_in.contiguous(), w = w_in.contiguous();
  const T* dyp = dy.data<T>();
  Scratch<T> wp(0, 4 * O * C * 4), wt(1, 4 * C * O * 4);
  fold_weight(w.data<T>(), O, C, wp.get());
  transpose_phases(wp.get(), O, C, wt.get());
  const T* wtp = wt.get();
  const int nt = get_num_threads();
  const int64_t nbmax = balanced_chunk(N, chunk_of(N, 4 * O, P, sizeof(T)), nt);
  const int64_t chunks = (N + nbmax - 1) / nbmax;
#pragma omp parallel num_threads(nt) if (nt > 1 && chunks > 1)
  {
    Scratch<T> col(2, 4 * O * nbmax * P), acc(3, C * nbmax * P);
#pragma omp for schedule(static)
    for (int64_t chunk = 0; chunk < chunks; ++chunk) {
      const int64_t n0 = chunk * nbmax, nb = std::min(nbmax, N - n0), ld = nb * P;
      for (int p = 0; p < 4; ++p) {
        const int64_t a = p / 2, b = p % 2;
        window_cols(dyp + n0 * O * 4 * P, nb, Windows{O, H, W, 2, a, b, -a, -b, 2}, col.get());
        gemm<T>(false, false, C, ld, 4 * O, wtp + p * C * O * 4, 4 * O, col.get(), ld,
                p == 0 ? T(0) : T(1), acc.get(), ld);
      }
      detail::from_channel_major<T>(acc.get(), nullptr, nb, C, P, dxp + n0 * C * P);
    }
  }
  return dx;
}

// dw [O, C, 3, 3] from dy [N, O, 2H, 2W] and x [N, C, H, W]
template <class T>
Tensor backward_weight_impl(const Tensor& dy_in, const Tensor& x_in) {
  const int64_t N = x_in.size(0), C = x_in.size(1), H = x_in.size(2), W = x_in.size(3);
  const int64_t O = dy_in.size(1), P = H * W;
  Tensor dw = zeros({O, C, 3, 3}, dy_in.dtype());
  if (dw.numel() == 0 || N * P == 0) return dw;
  const Tensor dy = dy_in.contiguous(), x = x_in.contiguous();
  const T* dyp = dy.data<T>();
  const T* xp = x.data<T>();
  // The chunks (shapes only) fall into up to kWeightGroups groups of consecutive chunks; each
  // group's dwp is summed in batch order, then the groups in order: the same bits for any
  // thread count.
  const int64_t nbmax = chunk_of(N, 4 * C + O, P, sizeof(T));
  const int64_t chunks = (N + nbmax - 1) / nbmax, groups = std::min(kWeightGroups, chunks);
  const int64_t KW = 4 * O * C * 4;  // one dwp [4, O, 4C]
  Scratch<T> dwp(0, groups * KW);
  T* dwpp = dwp.get();
  const int nt = static_cast<int>(std::min<int64_t>(get_num_threads(), groups));
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    Scratch<T> col(1, 4 * C * nbmax * P), dyc(2, O * nbmax * P);
#pragma omp for schedule(static)
    for (int64_t g = 0; g < groups; ++g) {
      T* part = dwpp + g * KW;
      const int64_t c0 = chunks * g / groups, c1 = chunks * (g + 1) / groups;
      for (int64_t chunk = c0; chunk < c1; ++chunk) {
        const int64_t n0 = chunk * nbmax, nb = std::min(nbmax, N - n0), ld = nb * P;
        for (int p = 0; p < 4; ++p) {
          const int64_t a = p / 2, b = p % 2;
          window_cols(xp + n0 * C * P, nb, Windows{C, H, W, 1, 0, 0, a - 1, b - 1, 2}, col.get());
          window_cols(dyp + n0 * O * 4 * P, nb, Windows{O, H, W, 2, a, b, 0, 0, 1}, dyc.get());
          // dwp_ab (+)= dy_ab @ col_ab^T
          gemm<T>(false, true, O, 4 * C, ld, dyc.get(), ld, col.get(), ld,
                  chunk == c0 ? T(0) : T(1), part + p * O * C * 4, 4 * C);
        }
      }
    }
  }
  for (int64_t g = 1; g < groups; ++g)
    for (int64_t i = 0; i < KW; ++i) dwpp[i] += dwpp[g * KW + i];
  unfold_weight(dwpp, O, C, dw.data<T>());
  return dw;
}

// ---- checks ------------------------------------------------------------------------------------

void check_float(const Tensor& t, const char* op, const char* name) {
  NASH_CHECK(t.defined(), op, ": ", name, " is undefined");
  NASH_CHECK(t.dtype() == DType::Float32 || t.dtype() == DType::Float64, op,
             ": expected a float32 or float64 ", name, ", got ", dtype_name(t.dtype()));
}

void check_pair(const Tensor& a, const char* na, const Tensor& b, const char* nb, const char* op) {
  check_float(a, op, na);
  check_float(b, op, nb);
  NASH_CHECK(a.dtype() == b.dtype(), op, ": dtypes differ: ", na, " is ", dtype_name(a.dtype()),
             ", ", nb, " is ", dtype_name(b.dtype()));
}

void check_weight(const Shape& ws, const char* op) {
  NASH_CHECK(ws.size() == 4 && ws[2] == 3 && ws[3] == 3, op,
             ": expected weight [O, C, 3, 3], got ", ws);
}

void check_input(const Shape& xs, const Shape& ws, const char* op) {
  NASH_CHECK(xs.size() == 4, op, ": expected input with 4 dims [N, C, H, W], got ", xs);
  NASH_CHECK(xs[1] == ws[1], op, ": channels differ: input is ", xs, " (C = ", xs[1],
             "), weight is ", ws, " (C = ", ws[1], ")");
}

// dy [N, O, 2H, 2W] -> x's shape [N, C, H, W]
Shape input_shape_of_dy(const Shape& ds, int64_t C) {
  return {ds[0], C, ds[2] / 2, ds[3] / 2};
}
bool even_grid(const Shape& ds) { return ds.size() == 4 && ds[2] % 2 == 0 && ds[3] % 2 == 0; }

}  // namespace

Tensor upsample_conv2d(const Tensor& x, const Tensor& w, const Tensor& b) {
  const char* op = "upsample_conv2d";
  check_pair(x, "input", w, "weight", op);
  check_weight(w.shape(), op);
  check_input(x.shape(), w.shape(), op);
  if (b.defined()) {
    NASH_CHECK(b.dtype() == x.dtype(), op, ": dtypes differ: bias is ", dtype_name(b.dtype()),
               ", input is ", dtype_name(x.dtype()));
    NASH_CHECK(b.dim() == 1 && b.size(0) == w.size(0), op, ": expected bias [O] = ",
               Shape{w.size(0)}, ", got ", b.shape());
  }
  return x.dtype() == DType::Float64 ? forward_impl<double>(x, w, b) : forward_impl<float>(x, w, b);
}

Tensor upsample_conv2d_backward_input(const Tensor& dy, const Tensor& w) {
  const char* op = "upsample_conv2d_backward_input";
  check_pair(dy, "dy", w, "weight", op);
  check_weight(w.shape(), op);
  NASH_CHECK(even_grid(dy.shape()) && dy.size(1) == w.size(0), op,
             ": expected dy [N, O, 2H, 2W] with O = ", w.size(0), ", got ", dy.shape());
  const Shape xs = input_shape_of_dy(dy.shape(), w.size(1));
  return dy.dtype() == DType::Float64 ? backward_input_impl<double>(dy, w, xs)
                                      : backward_input_impl<float>(dy, w, xs);
}

Tensor upsample_conv2d_backward_weight(const Tensor& dy, const Tensor& x) {
  const char* op = "upsample_conv2d_backward_weight";
  check_pair(dy, "dy", x, "input", op);
  NASH_CHECK(x.dim() == 4, op, ": expected input with 4 dims [N, C, H, W], got ", x.shape());
  NASH_CHECK(even_grid(dy.shape()) && input_shape_of_dy(dy.shape(), x.size(1)) == x.shape(), op, ": expected dy [N, O, 2H, 2W] for input ", x.shape(), ", got ",
             dy.shape());
  return dy.dtype() == DType::Float64 ? backward_weight_impl<double>(dy, x)
                                      : backward_weight_impl<float>(dy, x);
}

}  // namespace nash
