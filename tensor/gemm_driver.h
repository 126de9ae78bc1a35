// GEMM internals: the cache-blocked loops around the micro-kernel (BLIS/GotoBLAS order) for
// one rectangle of C, run by one thread with its own packing buffers.
//
//   for jc (NC columns of C):          packed B block, kc x nc, lives in L2/L3
//     for pc (KC deep):                op(B) block packed once per (jc, pc)
//       for ic (MC rows of C):         packed A block, mc x kc, lives in L2
//         for jr (NR-wide panel):      one B panel, kc x NR, stays in L1 across ...
//           for ir (tiles of <= MR):   ... every A tile of the block: micro_kernel
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <utility>

#include "tensor/gemm_kernel.h"
#include "tensor/gemm_pack.h"

namespace nash::gemm::detail {

template <class T>
struct GemmArgs {
  bool trans_a, trans_b;
  int64_t M, N, K;
  T alpha;
  const T* A;
  int64_t lda;
  const T* B;
  int64_t ldb;
  T beta;
  T* C;
  int64_t ldc;
};

// Cache blocking (Zen 4/5: 32-48 KiB L1d, 1 MiB L2 per core, 32 MiB shared L3).
// KC = 256: a float B panel (256 x 32 x 4 B = 32 KiB) stays in L1 while A tiles stream by.
// MC = 20 tiles of MR rows: the packed A block (240 x 256 x 4 B = 240 KiB) stays in L2.
// NC: the packed B block (256 x 2048 x 4 B = 2 MiB) sits in L3.
inline constexpr int64_t kKC = 256;
inline constexpr int64_t kMC = 20 * kMR;
inline constexpr int64_t kNC = 2048;

template <class T>
using KernelFn = void (*)(int64_t, const T*, int64_t, const T*, int64_t, T*, int64_t, T, T);

// kernel_table<T, AL>::fn[nv - 1][mr - 1] is micro_kernel<T, mr, nv, AL>.
template <class T, ALayout AL>
struct KernelTable {
  template <std::size_t... Is>
  static constexpr auto row(std::integral_constant<int, 1>, std::index_sequence<Is...>) {
    return std::array<KernelFn<T>, kMR>{&micro_kernel<T, int(Is) + 1, 1, AL>...};
  }
  template <std::size_t... Is>
  static constexpr auto row(std::integral_constant<int, 2>, std::index_sequence<Is...>) {
    return std::array<KernelFn<T>, kMR>{&micro_kernel<T, int(Is) + 1, 2, AL>...};
  }
  static constexpr std::array<std::array<KernelFn<T>, kMR>, 2> fn{
      row(std::integral_constant<int, 1>{}, std::make_index_sequence<kMR>{}),
      row(std::integral_constant<int, 2>{}, std::make_index_sequence<kMR>{})};
};

// Split m rows into tiles of at most kMR rows: whole tiles, and a short remainder r < kMR/2
// is merged with one whole tile and split in two halves (M = 64 -> 12,12,12,12,8,8), since
// kernels with few rows have too few accumulators to hide the FMA latency.
inline int plan_tiles(int64_t m, int* rows) {
  int64_t full = m / kMR;
  int r = static_cast<int>(m % kMR);
  if (r != 0 && r < kMR / 2 && full >= 1) {
    --full;
    r += kMR;
  }
  int n = 0;
  for (int64_t t = 0; t < full; ++t) rows[n++] = kMR;
  if (r > kMR) {
    rows[n++] = (r + 1) / 2;
    rows[n++] = r / 2;
  } else if (r > 0) {
    rows[n++] = r;
  }
  return n;
}

// Per-thread packing buffers, 64-byte aligned, grown on demand and kept between calls.
template <class T>
struct PackBuffers {
  struct Free {
    void operator()(T* p) const { std::free(p); }
  };
  std::unique_ptr<T[], Free> a, b;
  int64_t a_size = 0, b_size = 0;

  static T* grow(std::unique_ptr<T[], Free>& p, int64_t& size, int64_t need) {
    if (need > size) {
      const std::size_t bytes = (sizeof(T) * need + 63) / 64 * 64;
      T* raw = static_cast<T*>(std::aligned_alloc(64, bytes));
      if (!raw) throw std::bad_alloc();
      p.reset(raw);
      size = need;
    }
    return p.get();
  }
  static PackBuffers& local() {
    thread_local PackBuffers buffers;
    return buffers;
  }
};

// One call of the micro-kernel on a tile whose panel may be narrower than NR (nr columns of
// C are real): full-width tiles write C in place, narrower ones go through a small temporary
// tile so no store (or load) touches C outside the nr columns.
template <class T>
inline void run_tile(KernelFn<T> full, KernelFn<T> half, int mr, int nr, int64_t kc,
                     const T* a, int64_t a_ld, const T* b, T* c, int64_t ldc, T alpha, T beta) {
  constexpr int NR = kNR<T>;
  constexpr int W = kW<T>;
  if (nr == NR) return full(kc, a, a_ld, b, NR, c, ldc, alpha, beta);
  if (nr == W) return half(kc, a, a_ld, b, NR, c, ldc, alpha, beta);
  alignas(64) T tmp[kMR * NR];
  if (beta != T(0))
    for (int i = 0; i < mr; ++i)
      for (int j = 0; j < nr; ++j) tmp[i * NR + j] = c[i * ldc + j];
  (nr < W ? half : full)(kc, a, a_ld, b, NR, tmp, NR, alpha, beta);
  for (int i = 0; i < mr; ++i)
    for (int j = 0; j < nr; ++j) c[i * ldc + j] = tmp[i * NR + j];
}

// C[m0:m1, n0:n1] = alpha * op(A)[m0:m1, :] * op(B)[:, n0:n1] + beta * C[m0:m1, n0:n1].
template <class T>
void gemm_rectangle(const GemmArgs<T>& p, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  constexpr int NR = kNR<T>;
  PackBuffers<T>& buf = PackBuffers<T>::local();
  const int64_t nc_max = std::min<int64_t>(kNC, (n1 - n0 + NR - 1) / NR * NR);
  const int64_t kc_max = std::min<int64_t>(kKC, p.K);
  T* bpack = PackBuffers<T>::grow(buf.b, buf.b_size, kc_max * nc_max);
  T* apack = PackBuffers<T>::grow(buf.a, buf.a_size, kc_max * kMC);
  const auto& kernels = p.trans_a ? KernelTable<T, ALayout::kKMajor>::fn
                                  : KernelTable<T, ALayout::kRowMajor>::fn;
  int rows[kMC / kMR + 2];
  const T* tiles[kMC / kMR + 2];

  for (int64_t jc = n0; jc < n1; jc += kNC) {
    const int64_t nc = std::min(kNC, n1 - jc);
    const int64_t panels = (nc + NR - 1) / NR;
    for (int64_t pc = 0; pc < p.K; pc += kKC) {
      const int64_t kc = std::min(kKC, p.K - pc);
      const T beta = pc == 0 ? p.beta : T(1);  // later K blocks accumulate onto C
      for (int64_t q = 0; q < panels; ++q)
        pack_b_panel(p.trans_b, p.B, p.ldb, pc, jc + q * NR,
                     static_cast<int>(std::min<int64_t>(NR, nc - q * NR)), kc,
                     bpack + q * kc * NR);
      for (int64_t ic = m0; ic < m1; ic += kMC) {
        const int ntiles = plan_tiles(std::min(kMC, m1 - ic), rows);
        T* dst = apack;
        for (int64_t t = 0, i = ic; t < ntiles; i += rows[t], ++t) {
          pack_a_tile(p.trans_a, p.A, p.lda, i, pc, rows[t], kc, dst);
          tiles[t] = dst;
          dst += rows[t] * kc;
        }
        for (int64_t q = 0; q < panels; ++q) {
          const int nr = static_cast<int>(std::min<int64_t>(NR, nc - q * NR));
          const T* b = bpack + q * kc * NR;
          T* c = p.C + ic * p.ldc + jc + q * NR;
          for (int t = 0; t < ntiles; ++t) {
            const int mr = rows[t];
            run_tile(kernels[1][mr - 1], kernels[0][mr - 1], mr, nr, kc, tiles[t],
                     p.trans_a ? mr : kc, b, c, p.ldc, p.alpha, beta);
            c += mr * p.ldc;
          }
        }
      }
    }
  }
}

}  // namespace nash::gemm::detail
