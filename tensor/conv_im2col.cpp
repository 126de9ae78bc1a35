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

namespace nash::detail {
namespace {

constexpr int64_t kParallelMin = 1 << 14;  // elements below which loops stay serial

// Outputs i in [lo, hi) read input i*stride + off inside [0, len); n_out outputs in all.
void valid_range(int64_t off, int64_t stride, int64_t len, int64_t n_out, int64_t& lo,
                 int64_t& hi) {
  lo = off >= 0 ? 0 : (-off + stride - 1) / stride;
  int64_t last = len - 1 - off;
  hi = last < 0 ? 0 : last / stride + 1;
  hi = std::min(hi, n_out);
  lo = std::min(lo, hi);
}

// One kernel tap (kh, kw): output (oh, ow) reads input (oh*sh + offh, ow*sw + offw), which is
// inside the input for oh in [oh_lo, oh_hi) and ow in [ow_lo, ow_hi).
struct Tap {
  int64_t offh, offw, oh_lo, oh_hi, ow_lo, ow_hi;
};
std::vector<Tap> make_taps(const ConvGeom& g) {
  std::vector<Tap> taps;
  for (int64_t kh = 0; kh < g.KH; ++kh)
    for (int64_t kw = 0; kw < g.KW; ++kw) {
      Tap t{kh * g.a.dilation[0] - g.a.padding[0], kw * g.a.dilation[1] - g.a.padding[1], 0, 0, 0, 0};
      valid_range(t.offh, g.a.stride[0], g.H, g.OH, t.oh_lo, t.oh_hi);
      valid_range(t.offw, g.a.stride[1], g.W, g.OW, t.ow_lo, t.ow_hi);
      taps.push_back(t);
    }
  return taps;
}

// Narrow outputs (a few columns per row) go through a table instead of row copies, which cost
// more in loop overhead than in data: index[t*P + p] = ih*W + iw of tap t at output p, or -1.
constexpr int64_t kRowCopyMinOW = 16;
std::vector<int64_t> make_index(const ConvGeom& g, const std::vector<Tap>& taps) {
  const int64_t P = g.OH * g.OW;
  std::vector<int64_t> index(taps.size() * P, -1);
  for (size_t t = 0; t < taps.size(); ++t)
    for (int64_t oh = taps[t].oh_lo; oh < taps[t].oh_hi; ++oh)
      for (int64_t ow = taps[t].ow_lo; ow < taps[t].ow_hi; ++ow)
        index[t * P + oh * g.OW + ow] =
            (oh * g.a.stride[0] + taps[t].offh) * g.W + ow * g.a.stride[1] + taps[t].offw;
  return index;
}

}  // namespace

// col [cn*KH*KW, nb*P]: the rows of channels [c0, c0+cn) from x [nb, C, H, W] (contiguous).
// Pure copies: order does not matter.
template <class T>
void im2col(const T* x, int64_t nb, const ConvGeom& g, int64_t c0, int64_t cn, T* col) {
  const int64_t KK = g.KH * g.KW, K = cn * KK, P = g.OH * g.OW, ld = nb * P, HW = g.H * g.W;
  const int64_t sh = g.a.stride[0], sw = g.a.stride[1], OW = g.OW;
  const std::vector<Tap> taps = make_taps(g);
  const bool by_index = OW < kRowCopyMinOW;
  const std::vector<int64_t> index = by_index ? make_index(g, taps) : std::vector<int64_t>();
  const int nt = get_num_threads();
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1 && K * ld >= kParallelMin)
  for (int64_t r = 0; r < K; ++r) {
    const int64_t c = c0 + r / KK, t = r % KK;
    const Tap tp = taps[t];
    for (int64_t j = 0; j < nb; ++j) {
      const T* plane = x + (j * g.C + c) * HW;
      T* dst = col + r * ld + j * P;
      if (by_index) {
        const int64_t* ix = index.data() + t * P;
        for (int64_t p = 0; p < P; ++p) dst[p] = ix[p] >= 0 ? plane[ix[p]] : T(0);
        continue;
      }
      for (int64_t i = 0; i < tp.oh_lo * OW; ++i) dst[i] = T(0);
      for (int64_t oh = tp.oh_lo; oh < tp.oh_hi; ++oh) {
        T* d = dst + oh * OW;
        const T* s = plane + (oh * sh + tp.offh) * g.W + tp.offw;  // s[ow*sw] for ow in range
        for (int64_t ow = 0; ow < tp.ow_lo; ++ow) d[ow] = T(0);
        if (sw == 1) {
          std::memcpy(d + tp.ow_lo, s + tp.ow_lo, sizeof(T) * (tp.ow_hi - tp.ow_lo));
        } else if (sw == 2) {
          for (int64_t ow = tp.ow_lo; ow < tp.ow_hi; ++ow) d[ow] = s[2 * ow];
        } else {
          for (int64_t ow = tp.ow_lo; ow < tp.ow_hi; ++ow) d[ow] = s[ow * sw];
        }
        for (int64_t ow = tp.ow_hi; ow < OW; ++ow) d[ow] = T(0);
      }
      for (int64_t i = tp.oh_hi * OW; i < P; ++i) dst[i] = T(0);
    }
  }
}

// Channels [c0, c0+cn) of dx [nb, C, H, W] = sum of col [cn*KH*KW, nb*P] back into the input
// positions. One thread owns a whole
// (j, c) plane and adds in the fixed order (kh, kw, oh, ow): no atomics, same bits for any
// thread count (and for either of the two loop forms below, which visit the same order).
template <class T>
void col2im(const T* col, int64_t nb, const ConvGeom& g, int64_t c0, int64_t cn, T* dx) {
  const int64_t KK = g.KH * g.KW, P = g.OH * g.OW, ld = nb * P, HW = g.H * g.W;
  const int64_t sh = g.a.stride[0], sw = g.a.stride[1], OW = g.OW;
  const std::vector<Tap> taps = make_taps(g);
  const bool by_index = OW < kRowCopyMinOW;
  const std::vector<int64_t> index = by_index ? make_index(g, taps) : std::vector<int64_t>();
  const int nt = get_num_threads();
#pragma omp parallel for collapse(2) schedule(static) num_threads(nt) if (nt > 1 && cn * KK * ld >= kParallelMin)
  for (int64_t j = 0; j < nb; ++j)
    for (int64_t c = c0; c < c0 + cn; ++c) {
      T* plane = dx + (j * g.C + c) * HW;
      std::fill(plane, plane + HW, T(0));
      for (int64_t t = 0; t < KK; ++t) {
        const Tap tp = taps[t];
        const T* src = col + ((c - c0) * KK + t) * ld + j * P;
        if (by_index) {
          const int64_t* ix = index.data() + t * P;
          for (int64_t p = 0; p < P; ++p)
            if (ix[p] >= 0) plane[ix[p]] += src[p];
          continue;
        }
        for (int64_t oh = tp.oh_lo; oh < tp.oh_hi; ++oh) {
          T* d = plane + (oh * sh + tp.offh) * g.W + tp.offw;  // d[ow*sw]
          const T* s = src + oh * OW;
          if (sw == 1) {
            for (int64_t ow = tp.ow_lo; ow < tp.ow_hi; ++ow) d[ow] += s[ow];
          } else {
            for (int64_t ow = tp.ow_lo; ow < tp.ow_hi; ++ow) d[ow * sw] += s[ow];
          }
        }
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
