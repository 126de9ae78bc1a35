// The layout kernels behind the convolutions (tensor/conv_driver.cpp runs the GEMMs): im2col
// copies a chunk of the batch into a column matrix, col2im sums one back into the input
// positions, and the channel-major moves reorder [nb, O, P] <-> [O, nb*P].
//
// Layout of the column buffer for a chunk of nb samples, K = C*KH*KW, P = OH*OW:
//   col [K, nb*P]: row r = (c, kh, kw), column (j, oh, ow) holds
//   x[n0+j, c, oh*sh - ph + kh*dh, ow*sw - pw + kw*dw] (0 outside the input).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "tensor/conv.h"
#include "tensor/parallel.h"
#include "tensor/pool.h"

namespace nash::detail {
namespace {

constexpr int64_t kParallelMin = 1 << 14;  // elements below which loops stay serial

// One plane's phase layout (as pooling's, tensor/pool_phases.cpp): phase (a, b) cell (i, j)
// holds x[i*sh + a - ph][j*sw + b - pw] (0 outside x). Tap (kh, kw)'s window origin sits in
// phase ((kh*dh) % sh, (kw*dw) % sw) at cell ((kh*dh) / sh, (kw*dw) / sw), so the tap's
// [OH, OW] block of col is OH row copies of OW contiguous cells, whatever the stride: no index
// arithmetic per element, and the zeros of the padding come with the copy.
struct ConvPhases {
  int64_t SHr, SWr;  // phases some tap reads
  int64_t Hq, Wq;    // one phase's cells: [OH + (KH-1)*dh/sh, OW + (KW-1)*dw/sw]
  int64_t PQ;        // elements of one phase
  bool identity;     // stride 1, no padding: the plane is its own single phase (no copy)
  RowPhases rows;
  std::vector<int64_t> tap;  // tap t = kh*KW + kw: offset of its window origin in the phases

  explicit ConvPhases(const ConvGeom& g)
      : SHr(std::min(g.a.stride[0], (g.KH - 1) * g.a.dilation[0] + 1)),
        SWr(std::min(g.a.stride[1], (g.KW - 1) * g.a.dilation[1] + 1)),
        Hq(g.OH + (g.KH - 1) * g.a.dilation[0] / g.a.stride[0]),
        Wq(g.OW + (g.KW - 1) * g.a.dilation[1] / g.a.stride[1]),
        PQ(Hq * Wq),
        identity(g.a.stride[0] == 1 && g.a.stride[1] == 1 && g.a.padding[0] == 0 &&
                 g.a.padding[1] == 0),
        rows(g.W, g.a.stride[1], g.a.padding[1], SWr, Wq) {
    // With stride 1 and no padding Hq = H and Wq = W: the phase is x's plane as it lies.
    for (int64_t kh = 0; kh < g.KH; ++kh)
      for (int64_t kw = 0; kw < g.KW; ++kw) {
        const int64_t dh = kh * g.a.dilation[0], dw = kw * g.a.dilation[1];
        const int64_t a = dh % g.a.stride[0], b = dw % g.a.stride[1];
        tap.push_back((a * SWr + b) * PQ + dh / g.a.stride[0] * Wq + dw / g.a.stride[1]);
      }
  }
  int64_t elems() const { return identity ? 0 : SHr * SWr * PQ; }

  // S <- the phases of one plane [H, W].
  template <class T>
  void split(const T* plane, const ConvGeom& g, T* S) const {
    for (int64_t i = 0; i < Hq; ++i)
      for (int64_t a = 0; a < SHr; ++a) {
        const int64_t ih = i * g.a.stride[0] + a - g.a.padding[0];
        T* d = S + a * SWr * PQ + i * Wq;
        if (ih < 0 || ih >= g.H) {
          for (int64_t b = 0; b < SWr; ++b) std::fill(d + b * PQ, d + b * PQ + Wq, T(0));
          continue;
        }
        split_row(rows, plane + ih * g.W, T(0), d, PQ);
      }
  }
  // plane [H, W] <- the phases S (cells that no phase holds are set to 0).
  template <class T>
  void merge(const T* S, const ConvGeom& g, T* plane) const {
    const bool covers = SHr == g.a.stride[0] && SWr == g.a.stride[1] &&
                        Hq * g.a.stride[0] - g.a.padding[0] >= g.H &&
                        Wq * g.a.stride[1] - g.a.padding[1] >= g.W;
    if (!covers) std::fill(plane, plane + g.H * g.W, T(0));
    for (int64_t i = 0; i < Hq; ++i)
      for (int64_t a = 0; a < SHr; ++a) {
        const int64_t ih = i * g.a.stride[0] + a - g.a.padding[0];
        if (ih >= 0 && ih < g.H) merge_row(rows, S + a * SWr * PQ + i * Wq, PQ, plane + ih * g.W);
      }
  }
};

// op(d[r*ld_d + c], s[r*ld_s + c]) for r < rows, c < cols (kCols if > 0): each row is one
// vector loop, and a fixed width (the usual small powers of two) makes it a move or two.
template <int64_t kCols, class T, class Op>
void rows_of(const T* __restrict s, int64_t ld_s, T* __restrict d, int64_t ld_d, int64_t rows,
             int64_t cols, Op op) {
  const int64_t n = kCols > 0 ? kCols : cols;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < n; ++c) op(d[r * ld_d + c], s[r * ld_s + c]);
}
template <class T, class Op>
void block_of(const T* s, int64_t ld_s, T* d, int64_t ld_d, int64_t rows, int64_t cols, Op op) {
  switch (cols) {
    case 4: return rows_of<4>(s, ld_s, d, ld_d, rows, cols, op);
    case 8: return rows_of<8>(s, ld_s, d, ld_d, rows, cols, op);
    case 16: return rows_of<16>(s, ld_s, d, ld_d, rows, cols, op);
    default: return rows_of<0>(s, ld_s, d, ld_d, rows, cols, op);
  }
}
// The [rows, cols] block at s (row stride ld_s) copied to / added into the one at d.
template <class T>
void copy_block(const T* s, int64_t ld_s, T* d, int64_t ld_d, int64_t rows, int64_t cols) {
  if (ld_s == cols && ld_d == cols) return (void)std::memcpy(d, s, sizeof(T) * rows * cols);
  block_of(s, ld_s, d, ld_d, rows, cols, [](T& to, T from) { to = from; });
}
template <class T>
void add_block(const T* s, int64_t ld_s, T* d, int64_t ld_d, int64_t rows, int64_t cols) {
  block_of(s, ld_s, d, ld_d, rows, cols, [](T& to, T from) { to += from; });
}

// Narrow outputs (a few columns per row, where row copies cost more in loop overhead than in
// data) go through a table over the whole chunk instead, one channel at a time: its nb planes
// are gathered into one compact [nb, H*W] buffer (nb planes C*H*W apart would share cache sets)
// and index[t*nb*P + j*P + p] = j*H*W + ih*W + iw, the cell of that buffer tap t reads for
// output p of sample j, or -1 in the padding. Each col row is then one flat loop.
constexpr int64_t kRowCopyMinOW = 8;
std::vector<int64_t> chunk_index(const ConvGeom& g, int64_t nb) {
  const int64_t P = g.OH * g.OW, HW = g.H * g.W;
  std::vector<int64_t> index(static_cast<size_t>(g.KH * g.KW * nb * P));
  int64_t* out = index.data();
  for (int64_t kh = 0; kh < g.KH; ++kh)
    for (int64_t kw = 0; kw < g.KW; ++kw)
      for (int64_t j = 0; j < nb; ++j)
        for (int64_t oh = 0; oh < g.OH; ++oh)
          for (int64_t ow = 0; ow < g.OW; ++ow) {
            const int64_t ih = oh * g.a.stride[0] - g.a.padding[0] + kh * g.a.dilation[0];
            const int64_t iw = ow * g.a.stride[1] - g.a.padding[1] + kw * g.a.dilation[1];
            const bool in = ih >= 0 && ih < g.H && iw >= 0 && iw < g.W;
            *out++ = in ? j * HW + ih * g.W + iw : -1;
          }
  return index;
}

// d[q] = s[index[q]], 0 where index[q] < 0.
template <class T>
void gather_row(const T* __restrict s, const int64_t* __restrict index, int64_t n,
                T* __restrict d) {
  for (int64_t q = 0; q < n; ++q) d[q] = index[q] >= 0 ? s[index[q]] : T(0);
}
// d[index[q]] += s[q] where index[q] >= 0, in the order of q.
template <class T>
void scatter_add_row(const T* __restrict s, const int64_t* __restrict index, int64_t n,
                     T* __restrict d) {
  for (int64_t q = 0; q < n; ++q)
    if (index[q] >= 0) d[index[q]] += s[q];
}

}  // namespace

// col [cn*KH*KW, nb*P]: the rows of channels [c0, c0+cn) from x [nb, C, H, W] (contiguous).
// Narrow outputs: one table gather per row. Otherwise each (channel, sample) plane is split into
// its phases once, then every tap's block is row copies. Pure copies: the order does not matter.
template <class T>
void im2col(const T* x, int64_t nb, const ConvGeom& g, int64_t c0, int64_t cn, T* col) {
  const int64_t KK = g.KH * g.KW, P = g.OH * g.OW, ld = nb * P, HW = g.H * g.W;
  const int nt = get_num_threads();
  if (g.OW < kRowCopyMinOW) {
    const std::vector<int64_t> index = chunk_index(g, nb);
#pragma omp parallel num_threads(nt) if (nt > 1 && cn > 1 && cn * KK * ld >= kParallelMin)
    {
      std::vector<T> planes(static_cast<size_t>(nb * HW));
#pragma omp for schedule(static)
      for (int64_t c = c0; c < c0 + cn; ++c) {
        for (int64_t j = 0; j < nb; ++j)
          std::memcpy(planes.data() + j * HW, x + (j * g.C + c) * HW, sizeof(T) * HW);
        for (int64_t t = 0; t < KK; ++t)
          gather_row(planes.data(), index.data() + t * ld, ld, col + ((c - c0) * KK + t) * ld);
      }
    }
    return;
  }
  const ConvPhases ph(g);
#pragma omp parallel num_threads(nt) if (nt > 1 && cn * nb > 1 && cn * KK * ld >= kParallelMin)
  {
    std::vector<T> scratch(static_cast<size_t>(ph.elems()));
#pragma omp for collapse(2) schedule(static)
    for (int64_t c = c0; c < c0 + cn; ++c)
      for (int64_t j = 0; j < nb; ++j) {
        const T* S = x + (j * g.C + c) * HW;
        if (!ph.identity) {
          ph.split(S, g, scratch.data());
          S = scratch.data();
        }
        for (int64_t t = 0; t < KK; ++t) {
          T* dst = col + ((c - c0) * KK + t) * ld + j * P;
          copy_block(S + ph.tap[t], ph.Wq, dst, g.OW, g.OH, g.OW);
        }
      }
  }
}

// Channels [c0, c0+cn) of dx [nb, C, H, W] = sum of col [cn*KH*KW, nb*P] back into the input
// positions: a table scatter per row for narrow outputs; otherwise each tap's block is added
// into the plane's phases, which are then merged into dx. One thread owns a whole (j, c) plane
// and adds in the fixed order (kh, kw, oh, ow): no atomics, the same bits for any thread count
// and either form.
template <class T>
void col2im(const T* col, int64_t nb, const ConvGeom& g, int64_t c0, int64_t cn, T* dx) {
  const int64_t KK = g.KH * g.KW, P = g.OH * g.OW, ld = nb * P, HW = g.H * g.W;
  const int nt = get_num_threads();
  if (g.OW < kRowCopyMinOW) {  // one thread per channel: its nb planes, taps in order
    const std::vector<int64_t> index = chunk_index(g, nb);
#pragma omp parallel num_threads(nt) if (nt > 1 && cn > 1 && cn * KK * ld >= kParallelMin)
    {
      std::vector<T> planes(static_cast<size_t>(nb * HW));
#pragma omp for schedule(static)
      for (int64_t c = c0; c < c0 + cn; ++c) {
        std::fill(planes.begin(), planes.end(), T(0));
        for (int64_t t = 0; t < KK; ++t)
          scatter_add_row(col + ((c - c0) * KK + t) * ld, index.data() + t * ld, ld, planes.data());
        for (int64_t j = 0; j < nb; ++j)
          std::memcpy(dx + (j * g.C + c) * HW, planes.data() + j * HW, sizeof(T) * HW);
      }
    }
    return;
  }
  const ConvPhases ph(g);
#pragma omp parallel num_threads(nt) if (nt > 1 && cn * nb > 1 && cn * KK * ld >= kParallelMin)
  {
    std::vector<T> scratch(static_cast<size_t>(ph.elems()));
#pragma omp for collapse(2) schedule(static)
    for (int64_t j = 0; j < nb; ++j)
      for (int64_t c = c0; c < c0 + cn; ++c) {
        T* plane = dx + (j * g.C + c) * HW;
        T* S = ph.identity ? plane : scratch.data();
        std::fill(S, S + (ph.identity ? HW : ph.elems()), T(0));
        for (int64_t t = 0; t < KK; ++t) {
          const T* src = col + ((c - c0) * KK + t) * ld + j * P;
          add_block(src, g.OW, S + ph.tap[t], ph.Wq, g.OH, g.OW);
        }
        if (!ph.identity) ph.merge(S, g, plane);
      }
  }
}

// dst[o, j*P + p] = src[j, o, p] (+ 0): gather a chunk's [nb, O, P] into [O, nb*P], or back.
template <class T>
void to_channel_major(const T* src, int64_t nb, int64_t O, int64_t P, T* dst) {
  const int nt = get_num_threads();
#pragma omp parallel for collapse(2) schedule(static) num_threads(nt) if (nt > 1 && nb * O * P >= kParallelMin)
  for (int64_t j = 0; j < nb; ++j)
    for (int64_t o = 0; o < O; ++o)
      std::memcpy(dst + o * nb * P + j * P, src + (j * O + o) * P, sizeof(T) * P);
}

// y[j, o, p] = src[o, j*P + p] + bias[o] (bias may be null).
template <class T>
void from_channel_major(const T* src, const T* bias, int64_t nb, int64_t O, int64_t P, T* y) {
  const int nt = get_num_threads();
#pragma omp parallel for collapse(2) schedule(static) num_threads(nt) if (nt > 1 && nb * O * P >= kParallelMin)
  for (int64_t j = 0; j < nb; ++j)
    for (int64_t o = 0; o < O; ++o) {
      const T* s = src + o * nb * P + j * P;
      T* d = y + (j * O + o) * P;
      const T b = bias ? bias[o] : T(0);
      for (int64_t p = 0; p < P; ++p) d[p] = s[p] + b;
    }
}

template void im2col<float>(const float*, int64_t, const ConvGeom&, int64_t, int64_t, float*);
template void im2col<double>(const double*, int64_t, const ConvGeom&, int64_t, int64_t, double*);
template void col2im<float>(const float*, int64_t, const ConvGeom&, int64_t, int64_t, float*);
template void col2im<double>(const double*, int64_t, const ConvGeom&, int64_t, int64_t, double*);
template void to_channel_major<float>(const float*, int64_t, int64_t, int64_t, float*);
template void to_channel_major<double>(const double*, int64_t, int64_t, int64_t, double*);
template void from_channel_major<float>(const float*, const float*, int64_t, int64_t, int64_t,
                                        float*);
template void from_channel_major<double>(const double*, const double*, int64_t, int64_t, int64_t,
                                         double*);

}  // namespace nash::detail
