// GEMM entry points: argument checks, the trivial cases, and the split of C between threads.
// The blocked loops are in gemm_driver.h, the packing in gemm_pack.h, the kernel in gemm_kernel.h.
#include "tensor/gemm.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <type_traits>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "tensor/error.h"
#include "tensor/gemm_driver.h"
#include "tensor/parallel.h"
#include "tensor/thread_pool.h"

namespace nash::gemm {
namespace {
using detail::GemmArgs;

template <class T>
void check_args(const char* op, const GemmArgs<T>& p) {
  NASH_CHECK(p.M >= 0 && p.N >= 0 && p.K >= 0, op, ": negative size M=", p.M, " N=", p.N,
             " K=", p.K);
  // Row-major storage: a stored row must fit in its leading dimension.
  const int64_t a_cols = p.trans_a ? p.M : p.K, b_cols = p.trans_b ? p.K : p.N;
  NASH_CHECK(p.lda >= std::max<int64_t>(1, a_cols), op, ": lda=", p.lda, " < ", a_cols,
             " columns of A (", p.trans_a ? "K x M" : "M x K", " = ", p.trans_a ? p.K : p.M,
             " x ", a_cols, ")");
  NASH_CHECK(p.ldb >= std::max<int64_t>(1, b_cols), op, ": ldb=", p.ldb, " < ", b_cols,
             " columns of B (", p.trans_b ? "N x K" : "K x N", " = ", p.trans_b ? p.N : p.K,
             " x ", b_cols, ")");
  NASH_CHECK(p.ldc >= std::max<int64_t>(1, p.N), op, ": ldc=", p.ldc, " < N=", p.N);
}

// C = beta * C (beta == 0: C is overwritten, not read): the K == 0 / alpha == 0 case, then
// the epilogue (C = act(C + bias)).
template <class T>
void scale_c(const GemmArgs<T>& p) {
  for (int64_t i = 0; i < p.M; ++i) {
    T* c = p.C + i * p.ldc;
    if (p.beta == T(0))
      std::fill(c, c + p.N, T(0));
    else
      for (int64_t j = 0; j < p.N; ++j) c[j] *= p.beta;
    if (p.epilogue.bias)
      for (int64_t j = 0; j < p.N; ++j) c[j] += p.epilogue.bias[j];
  }
  detail::apply_activation(p.C, p.ldc, p.M, p.N, p.epilogue);
}

// What to pack (measured on Zen 5, flop/cycle against packing everything):
//  - op(B) is reused by every tile of A rows, M / MR of them. With M <= 256 that is at most
//    ~21 tiles, too few to repay a pass over B, as long as B stays in cache (<= 4 MiB);
//    64 x 1024 x 512 NN: 57 flop/cycle in place, 49 packed. With M = 784 (65 tiles) packing
//    wins (55 vs 45): rows 4 KiB apart alias in L1 and are re-read 65 times.
//  - op(A) in place is read as MR row streams (A) or, for A^T, with a stride of lda per k; the
//    latter only pays while the slice is small (256 x 1024 x 512 TN: 53 in place, 58 packed).
template <class T>
detail::Packing choose_packing(const GemmArgs<T>& p) {
  const bool small_m = p.M <= 256;
  detail::Packing pack;
  pack.b = p.trans_b || !small_m || p.K * p.N * int64_t(sizeof(T)) > (int64_t{4} << 20);
  pack.a = !small_m || (p.trans_a && p.K * p.M * int64_t(sizeof(T)) > (int64_t{192} << 10));
  return pack;
}

// Few rows of C and a transposed B: a fully connected layer's forward pass, X W^T with X
// [64, in] and W [out, in]. op(B) = W^T would have to be packed, a pass over the large operand
// that only M / MR = 6 tiles of A reuse (measured: 12% of an MLP GAN step). The product is
// computed as its transpose instead, C^T = B A^T: W is read in place as the rows of the new A
// (each tile of them serves the M / NR = 2 panels of C^T), only the small A is packed, and C^T
// goes to a scratch buffer that is then transposed into C. Every element is the same chain of
// FMAs in k order over the same K blocks, with the bias and beta entering exactly as they do
// in the direct path: the bits do not change. (tanh's epilogue is left to the direct path:
// its vector and scalar forms may round differently, and the tiles would split rows apart
// differently.)
template <class T>
bool use_transposed(const GemmArgs<T>& p) {
  return p.trans_b && !p.trans_a && p.M <= 128 && p.N >= 128 && p.K >= 64 &&
         p.N * p.K * int64_t(sizeof(T)) >= (int64_t{512} << 10) &&
         p.epilogue.act != Activation::kTanh;
}

#if defined(__AVX512F__)
// dst[j * ldd + i] = src[i * lds + j] for a 16 x 16 float tile: unpack pairs of rows, then
// shuffle 64-bit pairs, then 128-bit lanes twice (48 shuffles for 256 values, all in registers).
inline void transpose16x16(const float* src, int64_t lds, float* dst, int64_t ldd) {
  __m512 r[16], t[16];
  for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(src + i * lds);
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    r[i] = _mm512_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int h = 0; h < 16; h += 8)
    for (int i = 0; i < 4; ++i) {
      t[h + i] = _mm512_shuffle_f32x4(r[h + i], r[h + i + 4], 0x88);
      t[h + i + 4] = _mm512_shuffle_f32x4(r[h + i], r[h + i + 4], 0xdd);
    }
  for (int i = 0; i < 8; ++i) {
    r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
    r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
  }
  for (int i = 0; i < 16; ++i) _mm512_storeu_ps(dst + i * ldd, r[i]);
}
#endif

// Columns [n0, n1) of C through the transposed product (rows [n0, n1) of ct = C^T, M wide).
template <class T>
void transposed_rectangle(const GemmArgs<T>& p, T* ct, int64_t n0, int64_t n1) {
  const int64_t M = p.M;
  const T* bias = p.epilogue.bias;
  for (int64_t n = n0; n < n1; ++n) {
    T* row = ct + n * M;
    if (bias)
      std::fill(row, row + M, bias[n]);
    else if (p.beta != T(0))
      for (int64_t m = 0; m < M; ++m) row[m] = p.C[m * p.ldc + n];
  }
  const GemmArgs<T> t{false, true, p.N, M, p.K, p.alpha, p.B, p.ldb, p.A, p.lda,
                      bias ? T(1) : p.beta, ct, M};
  detail::gemm_rectangle(t, n0, n1, 0, M, detail::Packing{false, true});
  constexpr int64_t kBlock = 16;  // C^T rows read together: one cache line of each per m
  for (int64_t nb = n0; nb < n1; nb += kBlock) {
    const int64_t ne = std::min(n1, nb + kBlock);
    int64_t m = 0;
#if defined(__AVX512F__)
    if constexpr (std::is_same_v<T, float>)
      if (ne - nb == kBlock)
        for (; m + kBlock <= M; m += kBlock) transpose16x16(ct + nb * M + m, M, p.C + m * p.ldc + nb, p.ldc);
#endif
    for (; m < M; ++m) {
      T* c = p.C + m * p.ldc;
      for (int64_t n = nb; n < ne; ++n) c[n] = ct[n * M + m];
    }
  }
  detail::apply_activation(p.C + n0, p.ldc, M, n1 - n0, p.epilogue);
}

// Below this many multiply-adds a second thread costs more (fork/join, a second pass over
// the packed operand) than it saves.
constexpr double kMinFlopsPerThread = 96.0 * 96.0 * 96.0;

// Oversubscription guard. A team waits at its end for every member, and on an
// oversubscribed machine the OS can start a helper thread milliseconds late (measured on the
// shared 2-core dev VM at load 15: helpers 8-20 ms late, a 256^3 product taking 13 ms
// instead of 0.07 ms). Each threaded call records how late its helpers started; after
// kLateCallsToBackOff calls in a row with a helper more than kMaxHelperDelay late, GEMM runs
// on one thread for kSerialPeriod, then tries again. One late call alone means nothing: a
// helper that slept through a pause (~100 ms or more) takes a scheduler tick (4 ms here) to
// wake, and is prompt again on the next call. The result does not depend on the thread
// count, so all this changes is the speed.
using Clock = std::chrono::steady_clock;
constexpr Clock::duration kMaxHelperDelay = std::chrono::milliseconds(1);
constexpr Clock::duration kSerialPeriod = std::chrono::seconds(1);
constexpr int kLateCallsToBackOff = 3;
std::atomic<Clock::rep> g_serial_until{0};
std::atomic<int> g_late_calls{0};
std::atomic<int64_t> g_times_fired{0};

bool helpers_on_time() {
  return Clock::now().time_since_epoch().count() >=
         g_serial_until.load(std::memory_order_relaxed);
}
void record_helper_delay(Clock::duration delay) {
  if (delay <= kMaxHelperDelay) {
    g_late_calls.store(0, std::memory_order_relaxed);
  } else if (g_late_calls.fetch_add(1, std::memory_order_relaxed) + 1 >= kLateCallsToBackOff) {
    g_late_calls.store(0, std::memory_order_relaxed);
    g_times_fired.fetch_add(1, std::memory_order_relaxed);
    g_serial_until.store((Clock::now() + kSerialPeriod).time_since_epoch().count(),
                         std::memory_order_relaxed);
  }
}

// Threads split C into disjoint rectangles along M (tiles of MR rows) or N (panels of NR
// columns); K is never split, so every C element is reduced by one thread in one fixed
// order and the bits do not depend on the thread count.
template <class T>
void gemm(const char* op, const GemmArgs<T>& p) {
  check_args(op, p);
  if (p.M == 0 || p.N == 0) return;
  if (p.K == 0 || p.alpha == T(0)) return scale_c(p);  // BLAS: A and B are not read

  // Each thread packs what its rectangle needs, so splitting N duplicates the packing of A
  // and splitting M that of B: split the side whose operand is not packed, else the longer.
  const detail::Packing pack = choose_packing(p);
  const bool pack_b = pack.b || p.trans_b;
  const int64_t m_units = (p.M + detail::kMR - 1) / detail::kMR;
  const int64_t n_units = (p.N + detail::kNR<T> - 1) / detail::kNR<T>;
  // M = 64 (a GAN batch): always N, each thread then has every row of A (a small operand,
  // read or packed once per thread) and half the columns of B, the large one.
  const bool split_n = p.M <= detail::kMC && n_units >= 2 ? true
                       : pack.a != pack_b                   ? pack_b && n_units >= 2
                                                            : n_units >= m_units;
  // The transposed product splits the rows of C^T (B's rows: each thread reads its part of
  // the large operand) in tiles of MR.
  const bool transposed = use_transposed(p);
  T* ct = nullptr;
  if (transposed) {
    auto& buf = detail::PackBuffers<T>::local();
    ct = detail::PackBuffers<T>::grow(buf.c, buf.c_size, p.M * p.N);
  }
  const int64_t units = transposed ? (p.N + detail::kMR - 1) / detail::kMR
                        : split_n  ? n_units
                                   : m_units;
  auto rectangle = [&](int64_t u0, int64_t u1) {
    if (transposed)
      transposed_rectangle(p, ct, std::min(p.N, u0 * detail::kMR), std::min(p.N, u1 * detail::kMR));
    else if (split_n)
      detail::gemm_rectangle(p, 0, p.M, std::min(p.N, u0 * detail::kNR<T>),
                             std::min(p.N, u1 * detail::kNR<T>), pack);
    else
      detail::gemm_rectangle(p, std::min(p.M, u0 * detail::kMR), std::min(p.M, u1 * detail::kMR),
                             0, p.N, pack);
  };
  const double work = static_cast<double>(p.M) * p.N * p.K;
  int64_t threads = std::min<int64_t>(get_num_threads(), units);
  threads = std::min<int64_t>(threads, std::max<int64_t>(1, work / kMinFlopsPerThread));
  if (threads <= 1 || !helpers_on_time()) return rectangle(0, units);

  const Clock::time_point start = Clock::now();
  std::atomic<Clock::rep> latest_start{0};
  parallel_region(static_cast<int>(threads), [&](int t, int nt) {
    if (t != 0) {  // how late this helper started
      const Clock::rep late = (Clock::now() - start).count();
      Clock::rep seen = latest_start.load(std::memory_order_relaxed);
      while (late > seen && !latest_start.compare_exchange_weak(seen, late)) {
      }
    }
    const int64_t u0 = units * t / nt, u1 = units * (t + 1) / nt;
    rectangle(u0, u1);
  });
  record_helper_delay(Clock::duration(latest_start.load()));
}
}  // namespace

GuardState oversubscription_guard() {
  return {!helpers_on_time(), g_times_fired.load(std::memory_order_relaxed)};
}

void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
           const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
           int64_t ldc) {
  gemm<float>("sgemm", {trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc});
}

void dgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, double alpha,
           const double* A, int64_t lda, const double* B, int64_t ldb, double beta, double* C,
           int64_t ldc) {
  gemm<double>("dgemm", {trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc});
}

void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
           const float* A, int64_t lda, const float* B, int64_t ldb, float* C, int64_t ldc,
           const Epilogue<float>& epilogue) {
  gemm<float>("sgemm", {trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, 0.f, C, ldc, epilogue});
}

void dgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, double alpha,
           const double* A, int64_t lda, const double* B, int64_t ldb, double* C, int64_t ldc,
           const Epilogue<double>& epilogue) {
  gemm<double>("dgemm", {trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, 0.0, C, ldc, epilogue});
}

}  // namespace nash::gemm
