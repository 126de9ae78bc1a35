// GEMM internals: the register-tiled micro-kernel (xsimd) that every GEMM path ends in.
// A tile of C (MR rows x NV vectors) is held in MR*NV accumulators; each step k broadcasts
// MR values of A and multiplies them with NV vectors of B (one FMA per accumulator).
#pragma once
#include <cstdint>
#include <xsimd/xsimd.hpp>

namespace nash::gemm::detail {

template <class T>
using Vec = xsimd::batch<T>;
template <class T>
inline constexpr int kW = static_cast<int>(Vec<T>::size);  // lanes per vector

// Register tile. The C tile is MR x NR with NR = 2 vectors (32 floats with AVX-512).
// AVX-512 has 32 vector registers: 12 x 2 = 24 accumulators + 2 B vectors + a broadcast fit,
// and each k step runs 24 FMAs against 2 vector loads + 12 broadcast loads, so the two FMA
// pipes (4-cycle latency: >= 8 independent chains needed) stay busy with room for the loads.
// On Zen 5 it runs at 284 GFLOP/s with operands in cache, the core's FMA peak. 14 x 2
// would need 28 + 2 + 1 registers, leaving GCC no slack; 12 also splits M = 64 into
// 12 x 4 + 8 x 2 tiles. With 16 registers (AVX2, SSE2) the same reasoning gives 6 x 2.
#if defined(__AVX512F__)
inline constexpr int kMR = 12;
#else
inline constexpr int kMR = 6;
#endif
inline constexpr int kNV = 2;
template <class T>
inline constexpr int kNR = kNV * kW<T>;

// K block of the packed path: a packed A tile row and a B panel hold kKC values of k.
// 512 halves the passes over C against 256 (the panel, 64 KiB, streams from L2 either way).
inline constexpr int64_t kKC = 512;

// How the micro-kernel finds A(i, k) for i < MR:
//   kKMajor:         a[k * lda + i]   (packed A^T tiles with lda = mr, or A^T read in place)
//   kRowMajor:       a[i * lda + k]   (a row-major A read in place)
//   kRowMajorPacked: a[i * kKC + k]   (packed row-major tiles: a fixed stride keeps the 12
//                                      row addresses immediate offsets of one pointer)
enum class ALayout { kKMajor, kRowMajor, kRowMajorPacked };

// acc[i][v] = sum_k A(i, k) * B(k, v*W .. v*W+W-1), each a chain of FMAs in k order, then
//   C = alpha * acc + beta * C   (beta == 0: C is not read).
// B(k, .) is read as NV vectors at b + k*ldb (packed panels: ldb = NR, 64-byte aligned rows).
// Every C element goes through the same instructions whatever tile or kernel variant holds
// it, which is what makes the result independent of the tiling and the thread count.
template <class T, int MR, int NV, ALayout AL>
void micro_kernel(int64_t kc, const T* __restrict a, int64_t lda, const T* __restrict b,
                  int64_t ldb, T* __restrict c, int64_t ldc, T alpha, T beta) {
  using V = Vec<T>;
  constexpr int W = kW<T>;
  // The C tile is touched only after the k loop: ask for its lines now so the epilogue
  // does not wait on them (a hint, portable across compilers' x86/ARM back ends).
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    __builtin_prefetch(c + i * ldc, 1);
    __builtin_prefetch(c + i * ldc + NV * W - 1, 1);
  }
  V acc[MR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[i][v] = V(T(0));

  for (int64_t k = 0; k < kc; ++k) {
    V bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) bv[v] = V::load_unaligned(b + v * W);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const V ai(AL == ALayout::kKMajor     ? a[i]
                 : AL == ALayout::kRowMajor ? a[i * lda]
                                            : a[i * kKC]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[i][v] = xsimd::fma(ai, bv[v], acc[i][v]);
    }
    a += AL == ALayout::kKMajor ? lda : 1;
    b += ldb;
  }

  const V va(alpha);
  if (beta == T(0)) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) (va * acc[i][v]).store_unaligned(c + i * ldc + v * W);
  } else {
    const V vb(beta);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) {
        T* p = c + i * ldc + v * W;
        xsimd::fma(va, acc[i][v], vb * V::load_unaligned(p)).store_unaligned(p);
      }
  }
}

}  // namespace nash::gemm::detail
