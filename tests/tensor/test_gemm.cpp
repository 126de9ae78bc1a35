// nash::gemm::sgemm / dgemm against gemm_reference: sizes around the SIMD width and the
// cache blocks, all transpose combinations, strided operands, alpha/beta, thread counts.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include "tensor/error.h"
#include "tensor/gemm.h"
#include "tensor/parallel.h"

namespace {

using nash::gemm::gemm_reference;

struct GemmCase {
  bool ta, tb;
  int64_t M, N, K;
  double alpha, beta;
  int64_t pad = 0;  // extra elements at the end of every stored row of A, B and C
};

template <class T>
void call_gemm(const GemmCase& g, const T* A, int64_t lda, const T* B, int64_t ldb, T* C,
               int64_t ldc) {
  if constexpr (std::is_same_v<T, float>)
    nash::gemm::sgemm(g.ta, g.tb, g.M, g.N, g.K, float(g.alpha), A, lda, B, ldb,
                      float(g.beta), C, ldc);
  else
    nash::gemm::dgemm(g.ta, g.tb, g.M, g.N, g.K, g.alpha, A, lda, B, ldb, g.beta, C, ldc);
}

// Sets the thread count for one scope and restores the previous one.
struct ThreadScope {
  int saved = nash::get_num_threads();
  explicit ThreadScope(int n) { nash::set_num_threads(n); }
  ~ThreadScope() { nash::set_num_threads(saved); }
};

template <class T>
struct Result {
  std::vector<T> c;  // the whole C buffer, padding included
};

// Runs one case with `threads` threads and checks it against gemm_reference: every element
// within a rounding bound of (K + 2) ulps of sum |alpha a b| + |beta c|, and the padding of
// C untouched. beta == 0 starts from a C full of NaN (which must not be read).
template <class T>
Result<T> check_case(const GemmCase& g, int threads, uint32_t seed = 1) {
  const int64_t a_rows = g.ta ? g.K : g.M, a_cols = g.ta ? g.M : g.K;
  const int64_t b_rows = g.tb ? g.N : g.K, b_cols = g.tb ? g.K : g.N;
  const int64_t lda = a_cols + g.pad, ldb = b_cols + g.pad, ldc = g.N + g.pad;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<T> dist(T(-1), T(1));
  std::vector<T> A(std::max<int64_t>(1, a_rows * lda)), B(std::max<int64_t>(1, b_rows * ldb));
  std::vector<T> C(std::max<int64_t>(1, g.M * ldc));
  for (T& x : A) x = dist(rng);
  for (T& x : B) x = dist(rng);
  const T sentinel = T(12345);
  for (int64_t i = 0; i < g.M; ++i)
    for (int64_t j = 0; j < ldc; ++j)
      C[i * ldc + j] = j >= g.N ? sentinel
                       : g.beta == 0 ? std::numeric_limits<T>::quiet_NaN()
                                     : dist(rng);

  // Reference and the magnitude bound |alpha| |op(A)| |op(B)| + |beta| |C|.
  std::vector<T> ref(C), bound(C);
  const T alpha = T(g.alpha), beta = T(g.beta);
  gemm_reference<T>(g.ta, g.tb, g.M, g.N, g.K, alpha, A.data(), lda, B.data(), ldb, beta,
                    ref.data(), ldc);
  std::vector<T> absA(A), absB(B);
  for (T& x : absA) x = std::abs(x);
  for (T& x : absB) x = std::abs(x);
  for (T& x : bound) x = std::isnan(x) ? T(0) : std::abs(x);
  gemm_reference<T>(g.ta, g.tb, g.M, g.N, g.K, std::abs(alpha), absA.data(), lda, absB.data(),
                    ldb, std::abs(beta), bound.data(), ldc);

  {
    ThreadScope scope(threads);
    call_gemm<T>(g, A.data(), lda, B.data(), ldb, C.data(), ldc);
  }
  const T eps = std::numeric_limits<T>::epsilon();
  int64_t bad = 0;
  for (int64_t i = 0; i < g.M; ++i)
    for (int64_t j = 0; j < ldc; ++j) {
      const int64_t at = i * ldc + j;
      const bool ok = j >= g.N ? C[at] == sentinel
                               : std::abs(C[at] - ref[at]) <=
                                     T(g.K + 2) * eps * bound[at] + std::numeric_limits<T>::min();
      if (!ok && bad++ < 3)
        UNSCOPED_INFO("C[" << i << ", " << j << "] = " << C[at] << ", reference " << ref[at]);
    }
  INFO((g.ta ? "T" : "N") << (g.tb ? "T" : "N") << " M=" << g.M << " N=" << g.N << " K=" << g.K
                          << " alpha=" << g.alpha << " beta=" << g.beta << " pad=" << g.pad
                          << " threads=" << threads << (sizeof(T) == 4 ? " float" : " double"));
  CHECK(bad == 0);
  return {std::move(C)};
}

const int64_t kSizes[] = {1, 2, 3, 7, 15, 16, 17, 31, 33, 63, 65, 127, 129, 255, 257};

template <class T>
void sweep_each_dimension() {
  for (int layout = 0; layout < 4; ++layout) {
    const bool ta = layout & 1, tb = layout & 2;
    for (int64_t s : kSizes) {
      check_case<T>({ta, tb, s, 5, 3, 1.0, 0.0}, 1);
      check_case<T>({ta, tb, 3, s, 5, 1.0, 0.0}, 1);
      check_case<T>({ta, tb, 5, 3, s, 1.0, 0.0}, 1);
      check_case<T>({ta, tb, s, 17, 9, -0.5, 2.0, 3}, 1);
      check_case<T>({ta, tb, 13, s, 9, 1.5, -1.0, 1}, 1);
      check_case<T>({ta, tb, 9, 33, s, 0.75, 1.0, 5}, 1);
    }
  }
}

}  // namespace

TEST_CASE("sgemm matches the reference when M, N or K runs through edge sizes", "[tensor][gemm]") {
  sweep_each_dimension<float>();
}

TEST_CASE("dgemm matches the reference when M, N or K runs through edge sizes", "[tensor][gemm]") {
  sweep_each_dimension<double>();
}

TEST_CASE("gemm matches the reference on large and blocked shapes", "[tensor][gemm]") {
  // Crossing the K block (K > 512: later blocks accumulate onto C), the M block (M > 120)
  // and the N block (N > 2048); M > 256 takes the packed path, M <= 256 reads operands in
  // place, except A^T with K*M large (packed A) and B with K*N large (5 x 1100 x 1000).
  const GemmCase cases[] = {
      {false, false, 257, 255, 129, 1.0, 0.0},  {false, true, 129, 257, 255, 0.5, 0.0, 7},
      {true, false, 255, 129, 257, -1.0, 0.5, 2}, {true, true, 257, 129, 257, 2.0, 1.0, 1},
      {false, false, 64, 784, 300, 1.0, 0.0},   {false, true, 3, 2100, 5, 1.0, 0.0},
      {true, false, 250, 2, 600, 1.0, -2.0, 1}, {false, false, 5, 1100, 1000, 1.0, 0.0},
      {false, false, 300, 40, 1100, 1.0, 0.5},
      // few rows, B^T: computed as C^T = B A^T (beta read through the transpose)
      {false, true, 100, 700, 1100, 0.5, 1.0, 3}, {false, true, 64, 1030, 130, 1.0, 0.0},
  };
  for (const GemmCase& g : cases) {
    check_case<float>(g, 1);
    check_case<double>(g, 1);
  }
}

TEST_CASE("gemm gives identical bits with 1 and 2 threads", "[tensor][gemm]") {
  // Large enough to be split: along N (M = 64), along M (N = 33), and square-ish.
  const GemmCase cases[] = {
      {false, false, 64, 1000, 300, 1.0, 0.0, 1}, {false, true, 500, 33, 257, 0.5, 1.5},
      {true, false, 257, 255, 260, 1.0, 0.0},     {true, true, 200, 300, 129, -1.0, 1.0, 3},
      {false, true, 64, 1000, 600, 1.0, 0.5, 2},  // the transposed product, split over B's rows
  };
  for (const GemmCase& g : cases) {
    const Result<float> s1 = check_case<float>(g, 1), s2 = check_case<float>(g, 2);
    CHECK(std::memcmp(s1.c.data(), s2.c.data(), sizeof(float) * s1.c.size()) == 0);
    const Result<double> d1 = check_case<double>(g, 1), d2 = check_case<double>(g, 2);
    CHECK(std::memcmp(d1.c.data(), d2.c.data(), sizeof(double) * d1.c.size()) == 0);
  }
}

TEST_CASE("gemm gives identical bits for the four layouts of one product", "[tensor][gemm]") {
  // Every C element is one FMA chain over k in the same K blocks, whichever layout, packing,
  // tile or kernel variant computes it: storing A or B transposed must not change a bit.
  // In place and packed paths, and the transposed product (M = 64 with B^T: C^T = B A^T).
  for (const auto [M, N] : {std::pair<int64_t, int64_t>{100, 70}, {300, 70}, {64, 300}}) {
    const int64_t K = 600;
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> dist(-1.f, 1.f);
    std::vector<float> a(M * K), at(K * M), b(K * N), bt(N * K);
    for (int64_t i = 0; i < M; ++i)
      for (int64_t k = 0; k < K; ++k) at[k * M + i] = a[i * K + k] = dist(rng);
    for (int64_t k = 0; k < K; ++k)
      for (int64_t j = 0; j < N; ++j) bt[j * K + k] = b[k * N + j] = dist(rng);
    std::vector<float> c[4];
    for (int layout = 0; layout < 4; ++layout) {
      const bool ta = layout & 1, tb = layout & 2;
      c[layout].assign(M * N, 0.f);
      nash::gemm::sgemm(ta, tb, M, N, K, 1.f, ta ? at.data() : a.data(), ta ? M : K,
                        tb ? bt.data() : b.data(), tb ? K : N, 0.f, c[layout].data(), N);
    }
    INFO("M=" << M << " N=" << N);
    for (int layout = 1; layout < 4; ++layout)
      CHECK(std::memcmp(c[0].data(), c[layout].data(), sizeof(float) * M * N) == 0);
  }
}

TEST_CASE("gemm with K = 0 or alpha = 0 scales C by beta; empty C is untouched", "[tensor][gemm]") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> C = {1, 2, 3, nan, nan, nan};
  const float A[1] = {7}, B[1] = {9};
  nash::gemm::sgemm(false, false, 1, 3, 0, 1.f, A, 1, B, 3, 2.f, C.data(), 3);
  CHECK(C[0] == 2.f);
  CHECK(C[1] == 4.f);
  CHECK(C[2] == 6.f);
  nash::gemm::sgemm(false, false, 1, 3, 0, 1.f, A, 1, B, 3, 0.f, C.data() + 3, 3);
  CHECK(C[3] == 0.f);  // beta = 0 overwrites NaN
  CHECK(C[5] == 0.f);
  nash::gemm::sgemm(false, false, 1, 3, 1, 0.f, A, 1, B, 3, -1.f, C.data(), 3);
  CHECK(C[0] == -2.f);
  nash::gemm::sgemm(false, false, 0, 3, 1, 1.f, A, 1, B, 3, 0.f, nullptr, 3);  // M = 0
  nash::gemm::sgemm(false, false, 1, 0, 1, 1.f, A, 1, B, 1, 0.f, C.data(), 1);  // N = 0
  CHECK(C[0] == -2.f);
  // A hand-worked 2 x 2: [1 2; 3 4] * [5 6; 7 8] = [19 22; 43 50], then 2 * that - C.
  const double a[4] = {1, 2, 3, 4}, b[4] = {5, 6, 7, 8};
  double c[4] = {1, 1, 1, 1};
  nash::gemm::dgemm(false, false, 2, 2, 2, 2.0, a, 2, b, 2, -1.0, c, 2);
  CHECK(c[0] == 37);
  CHECK(c[1] == 43);
  CHECK(c[2] == 85);
  CHECK(c[3] == 99);
}

TEST_CASE("gemm rejects negative sizes and short leading dimensions", "[tensor][gemm]") {
  std::vector<float> A(64), B(64), C(64);
  CHECK_THROWS_WITH(
      nash::gemm::sgemm(false, false, -1, 2, 2, 1.f, A.data(), 2, B.data(), 2, 0.f, C.data(), 2),
      Catch::Contains("sgemm: negative size M=-1"));
  CHECK_THROWS_WITH(
      nash::gemm::sgemm(false, false, 4, 4, 5, 1.f, A.data(), 4, B.data(), 4, 0.f, C.data(), 4),
      Catch::Contains("sgemm: lda=4 < 5 columns of A (M x K = 4 x 5)"));
  CHECK_THROWS_WITH(
      nash::gemm::sgemm(false, true, 4, 6, 3, 1.f, A.data(), 3, B.data(), 2, 0.f, C.data(), 6),
      Catch::Contains("ldb=2 < 3 columns of B (N x K = 6 x 3)"));
  CHECK_THROWS_WITH(
      nash::gemm::sgemm(false, false, 2, 5, 2, 1.f, A.data(), 2, B.data(), 5, 0.f, C.data(), 4),
      Catch::Contains("ldc=4 < N=5"));
}
