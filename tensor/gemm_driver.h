// GEMM internals: the cache-blocked loops around the micro-kernel (BLIS/GotoBLAS order) for
// one rectangle of C, run by one thread with its own packing buffers.
//
//   for jc (NC columns of C):          packed B block, kc x nc, lives in L3
//     for pc (KC deep):                op(B) block packed once per (jc, pc)
//       for ic (MC rows of C):         packed A block, mc x kc, lives in L2
//         for jr (NR-wide panel):      one B panel, kc x NR, kept close (L1/L2) across ...
//           for ir (tiles of <= MR):   ... every A tile of the block: micro_kernel
// Small problems skip packing and hand the kernel pointers into A and B (see Packing).
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <utility>

#include "tensor/gemm.h"
#include "tensor/gemm_kernel.h"
#include "tensor/gemm_pack.h"
#include "tensor/kernels/functors.h"

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
  Epilogue<T> epilogue = {};  // bias + activation (beta == 0 then)
};

// Cache blocking (Zen 4/5: 32-48 KiB L1d, 1 MiB L2 per core, 32 MiB shared L3), with
// kKC = 512 (gemm_kernel.h) as the K block:
//   MC = 10 tiles of MR rows: the packed A block (120 x 512 x 4 B = 240 KiB) stays in L2.
//   NC = 2048: the packed B block (512 x 2048 x 4 B = 4 MiB) sits in L3.
// Every dimension is cut into equal blocks (M = 256 -> 132 + 124, not 240 + 16): a thin
// last block would run the slow few-row kernels.
inline constexpr int64_t kMC = 10 * kMR;
inline constexpr int64_t kNC = 2048;

// The block size that cuts len into the fewest blocks of at most max_block (a multiple of
// align), as equal as the alignment allows.
inline int64_t even_block(int64_t len, int64_t max_block, int64_t align) {
  const int64_t blocks = (len + max_block - 1) / max_block;
  const int64_t size = (len + blocks - 1) / blocks;
  return (size + align - 1) / align * align;
}

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
  std::unique_ptr<T[], Free> a, b, c;  // c: the transposed product's C^T (gemm.cpp)
  int64_t a_size = 0, b_size = 0, c_size = 0;

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
                     const T* a, int64_t a_ld, const T* b, int64_t b_ld, T* c, int64_t ldc,
                     T alpha, T beta) {
  constexpr int NR = kNR<T>;
  constexpr int W = kW<T>;
  if (nr == NR) return full(kc, a, a_ld, b, b_ld, c, ldc, alpha, beta);
  if (nr == W) return half(kc, a, a_ld, b, b_ld, c, ldc, alpha, beta);
  alignas(64) T tmp[kMR * NR];
  if (beta != T(0))
    for (int i = 0; i < mr; ++i)
      for (int j = 0; j < nr; ++j) tmp[i * NR + j] = c[i * ldc + j];
  (nr < W ? half : full)(kc, a, a_ld, b, b_ld, tmp, NR, alpha, beta);
  for (int i = 0; i < mr; ++i)
    for (int j = 0; j < nr; ++j) c[i * ldc + j] = tmp[i * NR + j];
}

// The epilogue's two halves on one tile of C (mr x nr at c), while it is in L1:
// before the first K block, C = bias (the kernel then adds the product with beta = 1, the
// same rounding as the unfused C = bias; C += A B); after the last K block, C = act(C) with
// the elementwise op's own functor (vector body + scalar tail, as kernels::map runs it).
template <class T>
inline void fill_bias(T* c, int64_t ldc, int mr, int nr, const T* bias) {
  for (int i = 0; i < mr; ++i) std::copy(bias, bias + nr, c + i * ldc);
}
template <class T>
void apply_activation(T* c, int64_t ldc, int64_t mr, int64_t nr, const Epilogue<T>& ep) {
  auto rows = [&](auto f) {
    for (int64_t i = 0; i < mr; ++i) kernels::map(c + i * ldc, c + i * ldc, nr, f);
  };
  switch (ep.act) {
    case Activation::kNone: return;
    case Activation::kReLU: return rows(fn::relu);
    case Activation::kLeakyReLU: return rows(fn::leaky_relu(ep.slope));
    case Activation::kTanh: return rows(fn::tanh);
  }
}

// Which operands gemm_rectangle packs. Packing costs a pass over the operand; it pays when
// the packed copy is reused many times, or when the source layout hurts the caches.
// Unpacked, the kernel reads op(A) in place (rows of A, or columns of A^T: both layouts the
// kernel broadcasts from) and op(B) in place when B is not transposed (its rows are the
// vectors); B^T and the last, narrow panel of B are always packed.
struct Packing {
  bool a = true, b = true;
};

// C[m0:m1, n0:n1] = alpha * op(A)[m0:m1, :] * op(B)[:, n0:n1] + beta * C[m0:m1, n0:n1].
// Each element's sum runs over K in the same blocks, in order, whatever the rectangle and
// the packing: K blocks depend on K alone.
template <class T>
void gemm_rectangle(const GemmArgs<T>& p, int64_t m0, int64_t m1, int64_t n0, int64_t n1,
                    Packing pack) {
  constexpr int NR = kNR<T>;
  constexpr int W = kW<T>;
  pack.b = pack.b || p.trans_b;
  const int64_t kb = even_block(p.K, kKC, 16);
  const int64_t mb = even_block(m1 - m0, kMC, kMR);
  const int64_t nb = even_block(n1 - n0, kNC, NR);
  // All rows in one block (M = 64): a packed panel of B serves every tile once, right after
  // it is packed, and is never read again; packing panel by panel into one small buffer keeps
  // it in L1/L2 instead of writing the whole kc x nc block out to L3 and reading it back.
  // Panels are packed kPanelGroup at a time (B read row by row across them, see pack_b_rows).
  const bool panel_at_a_time = pack.b && m1 - m0 <= mb;
  constexpr int64_t kPanelGroup = 4;
  PackBuffers<T>& buf = PackBuffers<T>::local();
  T* bpack = PackBuffers<T>::grow(buf.b, buf.b_size,
                                  kb * (pack.b && !panel_at_a_time ? nb : kPanelGroup * NR));
  T* apack = pack.a ? PackBuffers<T>::grow(buf.a, buf.a_size,
                                           a_tile_size(p.trans_a, 1, kb) * (mb + kMR))
                    : nullptr;
  const auto& kernels = p.trans_a  ? KernelTable<T, ALayout::kKMajor>::fn
                        : pack.a   ? KernelTable<T, ALayout::kRowMajorPacked>::fn
                                   : KernelTable<T, ALayout::kRowMajor>::fn;
  int rows[kMC / kMR + 2];
  const T* tiles[kMC / kMR + 2];
  int64_t tile_ld[kMC / kMR + 2];

  for (int64_t jc = n0; jc < n1; jc += nb) {
    const int64_t nc = std::min(nb, n1 - jc);
    const int64_t panels = (nc + NR - 1) / NR;
    for (int64_t pc = 0; pc < p.K; pc += kb) {
      const int64_t kc = std::min(kb, p.K - pc);
      const T beta = pc == 0 ? p.beta : T(1);  // later K blocks accumulate onto C
      const T* bias = pc == 0 ? p.epilogue.bias : nullptr;
      const bool activate = pc + kc == p.K && p.epilogue.act != Activation::kNone;
      if (pack.b && !panel_at_a_time) {
        if (p.trans_b)
          for (int64_t q = 0; q < panels; ++q)
            pack_b_panel(true, p.B, p.ldb, pc, jc + q * NR,
                         static_cast<int>(std::min<int64_t>(NR, nc - q * NR)), kc,
                         bpack + q * kc * NR);
        else
          pack_b_rows(p.B, p.ldb, pc, jc, nc, kc, bpack);
      }
      for (int64_t ic = m0; ic < m1; ic += mb) {
        const int ntiles = plan_tiles(std::min(mb, m1 - ic), rows);
        T* dst = apack;
        for (int64_t t = 0, i = ic; t < ntiles; i += rows[t], ++t) {
          if (pack.a) {
            pack_a_tile(p.trans_a, p.A, p.lda, i, pc, rows[t], kc, dst);
            tiles[t] = dst;
            tile_ld[t] = rows[t];  // used by kKMajor only
            dst += a_tile_size(p.trans_a, rows[t], kc);
          } else {
            tiles[t] = p.trans_a ? p.A + pc * p.lda + i : p.A + i * p.lda + pc;
            tile_ld[t] = p.lda;
          }
        }
        for (int64_t q = 0; q < panels; ++q) {
          const int64_t j = jc + q * NR;
          const int nr = static_cast<int>(std::min<int64_t>(NR, nc - q * NR));
          const T* b = bpack + (panel_at_a_time ? q % kPanelGroup : q) * kc * NR;
          int64_t b_ld = NR;
          if (panel_at_a_time && q % kPanelGroup == 0) {
            const int64_t cols = std::min(kPanelGroup * NR, nc - q * NR);
            if (p.trans_b)
              for (int64_t g = 0; g * NR < cols; ++g)
                pack_b_panel(true, p.B, p.ldb, pc, j + g * NR,
                             static_cast<int>(std::min<int64_t>(NR, cols - g * NR)), kc,
                             bpack + g * kc * NR);
            else
              pack_b_rows(p.B, p.ldb, pc, j, cols, kc, bpack);
          }
          if (!pack.b) {
            if (nr == NR || nr == W) {
              b = p.B + pc * p.ldb + j;
              b_ld = p.ldb;
            } else {
              pack_b_panel(false, p.B, p.ldb, pc, j, nr, kc, bpack);
              b = bpack;
            }
          }
          T* c = p.C + ic * p.ldc + j;
          for (int t = 0; t < ntiles; ++t) {
            const int mr = rows[t];
            if (bias) fill_bias(c, p.ldc, mr, nr, bias + j);
            run_tile(kernels[1][mr - 1], kernels[0][mr - 1], mr, nr, kc, tiles[t], tile_ld[t],
                     b, b_ld, c, p.ldc, p.alpha, bias ? T(1) : beta);
            if (activate) apply_activation(c, p.ldc, mr, nr, p.epilogue);
            c += mr * p.ldc;
          }
        }
      }
    }
  }
}

}  // namespace nash::gemm::detail
