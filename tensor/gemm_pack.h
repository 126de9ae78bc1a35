// GEMM internals: packing slices of op(A) and op(B) into the contiguous layouts the
// micro-kernel streams (gemm_kernel.h), plus the W x W register transpose that packs B^T.
#pragma once
#include <cstdint>
#include <cstring>
#include <utility>

#include "tensor/gemm_kernel.h"

namespace nash::gemm::detail {

// ---- W x W transpose of vector registers --------------------------------------------------
// log2(W) rounds of "perfect shuffle": out[2r] = interleave_lo(x[r], x[r + W/2]),
// out[2r+1] = interleave_hi(x[r], x[r + W/2]); after the last round out[c] is column c.
// xsimd 8.1's zip_lo/zip_hi interleave within 128-bit lanes only, so the full-width
// two-source shuffle is the compiler's generic vector builtin (no ISA intrinsics: it lowers
// to unpck/shufps on SSE2, vpermt2ps on AVX-512).
template <class T>
struct Shuffle {
  using R = typename Vec<T>::register_type;
  static constexpr int W = kW<T>;
  using I = std::conditional_t<sizeof(T) == 4, int32_t, int64_t>;
  typedef I Mask __attribute__((vector_size(sizeof(R))));

  template <int Offset, std::size_t... Is>
  static R interleave(R x, R y, std::index_sequence<Is...>) {
    // lane 2q takes x[Offset + q], lane 2q+1 takes y[Offset + q]
#if defined(__clang__)
    return __builtin_shufflevector(x, y, ((Is % 2) * W + Offset + Is / 2)...);
#else
    return __builtin_shuffle(x, y, Mask{static_cast<I>((Is % 2) * W + Offset + Is / 2)...});
#endif
  }
  static Vec<T> lo(Vec<T> x, Vec<T> y) {
    return interleave<0>(R(x), R(y), std::make_index_sequence<W>{});
  }
  static Vec<T> hi(Vec<T> x, Vec<T> y) {
    return interleave<W / 2>(R(x), R(y), std::make_index_sequence<W>{});
  }
};

// x[r] holds row r of a W x W block; afterwards x[c] holds column c.
template <class T>
inline void transpose_in_registers(Vec<T> (&x)[kW<T>]) {
  constexpr int W = kW<T>;
  if constexpr (W == 1) return;
  for (int round = 1; round < W; round *= 2) {
    Vec<T> y[W];
#pragma GCC unroll 16
    for (int r = 0; r < W / 2; ++r) {
      y[2 * r] = Shuffle<T>::lo(x[r], x[r + W / 2]);
      y[2 * r + 1] = Shuffle<T>::hi(x[r], x[r + W / 2]);
    }
#pragma GCC unroll 16
    for (int r = 0; r < W; ++r) x[r] = y[r];
  }
}

// ---- packing op(A) -----------------------------------------------------------------------
// One tile of mr rows (mr <= kMR) times kc <= kKC columns of op(A), from row i0, column k0.
//  - A not transposed (row i at A + i*lda): rows copied to dst[i * kKC + k]
//    (kernel layout kRowMajorPacked: plain row copies, no transpose).
//  - A transposed (A stored K x M, op(A)(i, k) = A[k*lda + i]): dst[k * mr + i]
//    (kernel layout kKMajor with lda = mr).
// Either way the tile takes a_tile_size(...) elements of the buffer.
inline int64_t a_tile_size(bool trans_a, int mr, int64_t kc) { return mr * (trans_a ? kc : kKC); }

template <class T>
void pack_a_tile(bool trans_a, const T* A, int64_t lda, int64_t i0, int64_t k0, int mr,
                 int64_t kc, T* dst) {
  if (!trans_a) {
    for (int i = 0; i < mr; ++i)
      std::memcpy(dst + i * kKC, A + (i0 + i) * lda + k0, sizeof(T) * kc);
  } else if (mr == kMR) {  // the common tile: a fixed-size copy the compiler inlines
    for (int64_t k = 0; k < kc; ++k)
      std::memcpy(dst + k * kMR, A + (k0 + k) * lda + i0, sizeof(T) * kMR);
  } else {
    for (int64_t k = 0; k < kc; ++k)
      for (int i = 0; i < mr; ++i) dst[k * mr + i] = A[(k0 + k) * lda + i0 + i];
  }
}

// ---- packing op(B) -----------------------------------------------------------------------
// One panel of kc rows times NR = kNR<T> columns of op(B) starting at (k0, j0), of which the
// first nr are real and the rest are zero: dst[k * NR + j]. 64-byte aligned if dst is.
template <class T>
void pack_b_panel(bool trans_b, const T* B, int64_t ldb, int64_t k0, int64_t j0, int nr,
                  int64_t kc, T* dst) {
  constexpr int W = kW<T>;
  constexpr int NR = kNR<T>;
  using V = Vec<T>;
  if (!trans_b) {  // op(B)(k, j) = B[k*ldb + j]: rows copy straight across
    if (nr == NR) {
      for (int64_t k = 0; k < kc; ++k) {
        const T* src = B + (k0 + k) * ldb + j0;
#pragma GCC unroll 4
        for (int v = 0; v < kNV; ++v) V::load_unaligned(src + v * W).store_aligned(dst + v * W);
        dst += NR;
      }
    } else {
      for (int64_t k = 0; k < kc; ++k) {
        const T* src = B + (k0 + k) * ldb + j0;
        for (int j = 0; j < nr; ++j) dst[j] = src[j];
        for (int j = nr; j < NR; ++j) dst[j] = T(0);
        dst += NR;
      }
    }
    return;
  }
  // op(B)(k, j) = B[j*ldb + k]: W x W blocks, rows of B become columns of the panel.
  int64_t k = 0;
  for (; k + W <= kc; k += W) {
    for (int jb = 0; jb < kNV; ++jb) {
      V x[W];
#pragma GCC unroll 16
      for (int r = 0; r < W; ++r) {
        const int j = jb * W + r;
        x[r] = j < nr ? V::load_unaligned(B + (j0 + j) * ldb + k0 + k) : V(T(0));
      }
      transpose_in_registers<T>(x);
#pragma GCC unroll 16
      for (int r = 0; r < W; ++r) x[r].store_aligned(dst + (k + r) * NR + jb * W);
    }
  }
  for (; k < kc; ++k) {  // k tail: fewer than W columns of B left
    for (int j = 0; j < nr; ++j) dst[k * NR + j] = B[(j0 + j) * ldb + k0 + k];
    for (int j = nr; j < NR; ++j) dst[k * NR + j] = T(0);
  }
}

// Several panels of op(B) = B (not transposed) at once: ncols columns from (k0, j0) cut into
// panels of NR (the last one zero-filled past ncols), panel q at dst + q * kc * NR. Reads B
// row by row, each row's ncols values contiguous, so the reads stream through whole pages
// (per-panel packing reads 2 lines per row at a stride of ldb, which for a power-of-two ldb
// such as 1024 floats keeps hitting the same cache sets and a new page every row), and each
// store fills whole lines.
template <class T>
void pack_b_rows(const T* B, int64_t ldb, int64_t k0, int64_t j0, int64_t ncols, int64_t kc,
                 T* dst) {
  constexpr int W = kW<T>;
  constexpr int NR = kNR<T>;
  using V = Vec<T>;
  const int64_t full = ncols / NR;
  const int rem = static_cast<int>(ncols - full * NR);
  const int64_t panel = kc * NR;
  for (int64_t k = 0; k < kc; ++k) {
    const T* src = B + (k0 + k) * ldb + j0;
    T* d = dst + k * NR;
    for (int64_t q = 0; q < full; ++q) {
#pragma GCC unroll 4
      for (int v = 0; v < kNV; ++v)
        V::load_unaligned(src + q * NR + v * W).store_aligned(d + q * panel + v * W);
    }
    if (rem) {
      T* t = d + full * panel;
      for (int j = 0; j < rem; ++j) t[j] = src[full * NR + j];
      for (int j = rem; j < NR; ++j) t[j] = T(0);
    }
  }
}

}  // namespace nash::gemm::detail
