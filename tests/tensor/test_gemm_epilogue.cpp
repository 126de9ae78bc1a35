// GEMM with an epilogue (bias + activation on each tile): bitwise the unfused sequence
// (C = bias, GEMM with beta = 1, then the activation's kernel over C) for every layout, edge
// sizes, several K blocks, strided operands and 1 or 2 threads; a hand-worked case; K = 0.
#include <catch2/catch.hpp>

#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "tensor/gemm.h"
#include "tensor/kernels/functors.h"
#include "tensor/parallel.h"

namespace {

using nash::gemm::Activation;

struct ThreadScope {
  int saved = nash::get_num_threads();
  explicit ThreadScope(int n) { nash::set_num_threads(n); }
  ~ThreadScope() { nash::set_num_threads(saved); }
};

template <class T>
void sgemm_or_dgemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda,
                    const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  if constexpr (sizeof(T) == 4) nash::gemm::sgemm(ta, tb, M, N, K, 1.f, A, lda, B, ldb, beta, C, ldc);
  else nash::gemm::dgemm(ta, tb, M, N, K, 1.0, A, lda, B, ldb, beta, C, ldc);
}
template <class T>
void with_epilogue(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda,
                   const T* B, int64_t ldb, T* C, int64_t ldc, const nash::gemm::Epilogue<T>& ep) {
  if constexpr (sizeof(T) == 4) nash::gemm::sgemm(ta, tb, M, N, K, 1.f, A, lda, B, ldb, C, ldc, ep);
  else nash::gemm::dgemm(ta, tb, M, N, K, 1.0, A, lda, B, ldb, C, ldc, ep);
}

// The unfused sequence, on a whole row of C at a time as the elementwise op runs it.
template <class T>
void activate_rows(T* C, int64_t ldc, int64_t M, int64_t N, Activation act, double slope) {
  for (int64_t i = 0; i < M; ++i) {
    T* c = C + i * ldc;
    switch (act) {
      case Activation::kNone: break;
      case Activation::kReLU: nash::kernels::map(c, c, N, nash::fn::relu); break;
      case Activation::kLeakyReLU: nash::kernels::map(c, c, N, nash::fn::leaky_relu(slope)); break;
      case Activation::kTanh: nash::kernels::map(c, c, N, nash::fn::tanh); break;
    }
  }
}

template <class T>
void check_fused(bool ta, bool tb, int64_t M, int64_t N, int64_t K, int64_t pad, bool bias,
                 Activation act, int threads) {
  const int64_t lda = (ta ? M : K) + pad, ldb = (tb ? K : N) + pad, ldc = N + pad;
  std::mt19937 rng(static_cast<uint32_t>(M * 131 + N * 7 + K));
  std::uniform_real_distribution<T> dist(T(-1), T(1));
  std::vector<T> A(std::max<int64_t>(1, (ta ? K : M) * lda)), B(std::max<int64_t>(1, (tb ? N : K) * ldb));
  std::vector<T> b(N);
  for (T& x : A) x = dist(rng);
  for (T& x : B) x = dist(rng);
  for (T& x : b) x = dist(rng);
  const T sentinel = T(12345);
  std::vector<T> fused(std::max<int64_t>(1, M * ldc), std::numeric_limits<T>::quiet_NaN());
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = N; j < ldc; ++j) fused[i * ldc + j] = sentinel;
  std::vector<T> unfused(fused);
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) unfused[i * ldc + j] = bias ? b[j] : T(0);

  const double slope = 0.2;
  ThreadScope scope(threads);
  sgemm_or_dgemm<T>(ta, tb, M, N, K, A.data(), lda, B.data(), ldb, T(bias ? 1 : 0),
                    unfused.data(), ldc);
  activate_rows(unfused.data(), ldc, M, N, act, slope);
  with_epilogue<T>(ta, tb, M, N, K, A.data(), lda, B.data(), ldb, fused.data(), ldc,
                   {bias ? b.data() : nullptr, act, slope});
  INFO((ta ? "T" : "N") << (tb ? "T" : "N") << " M=" << M << " N=" << N << " K=" << K
                        << " pad=" << pad << " bias=" << bias << " act=" << int(act)
                        << " threads=" << threads << (sizeof(T) == 4 ? " float" : " double"));
  CHECK(std::memcmp(fused.data(), unfused.data(), sizeof(T) * fused.size()) == 0);
}

const Activation kActs[] = {Activation::kNone, Activation::kReLU, Activation::kLeakyReLU,
                            Activation::kTanh};

}  // namespace

TEST_CASE("gemm epilogue is bitwise bias + GEMM + activation", "[tensor][gemm]") {
  struct Size {
    int64_t M, N, K;
  };
  // Edge tiles (N around the 32-wide panel, M around the 12-row tile), several K blocks
  // (K > 512), the GAN's M = 64, a packed-path M, and a wide B^T.
  const Size sizes[] = {{1, 1, 1},     {5, 17, 3},     {13, 33, 9},   {12, 16, 31},
                        {25, 47, 600}, {64, 100, 1030}, {64, 784, 130}, {300, 70, 520},
                        {64, 1100, 130}};  // the last: B^T runs as C^T = B A^T
  for (int layout = 0; layout < 4; ++layout)
    for (const Size& s : sizes)
      for (Activation act : kActs) {
        const bool ta = layout & 1, tb = layout & 2;
        check_fused<float>(ta, tb, s.M, s.N, s.K, 0, true, act, 1);
        check_fused<float>(ta, tb, s.M, s.N, s.K, 3, act != Activation::kTanh, act, 2);
        // float64 tanh's vector and scalar forms may differ in the last bit (linear_act runs
        // it after the GEMM instead)
        if (act != Activation::kTanh) check_fused<double>(ta, tb, s.M, s.N, s.K, 1, true, act, 1);
      }
}

TEST_CASE("gemm epilogue: hand-worked values and K = 0", "[tensor][gemm]") {
  // [1 2; 3 4] [5 6; 7 8] = [19 22; 43 50]; + bias [-20 1] = [-1 23; 23 51]; leaky 0.5.
  const float a[4] = {1, 2, 3, 4}, b[4] = {5, 6, 7, 8}, bias[2] = {-20, 1};
  float c[4];
  nash::gemm::sgemm(false, false, 2, 2, 2, 1.f, a, 2, b, 2, c, 2,
                    {bias, Activation::kLeakyReLU, 0.5});
  CHECK(c[0] == -0.5f);
  CHECK(c[1] == 23.f);
  CHECK(c[2] == 23.f);
  CHECK(c[3] == 51.f);
  nash::gemm::sgemm(false, false, 2, 2, 2, 1.f, a, 2, b, 2, c, 2, {bias, Activation::kReLU});
  CHECK(c[0] == 0.f);
  CHECK(c[3] == 51.f);
  // K = 0: the product is empty, C = act(bias) (C's NaN is not read).
  c[0] = c[1] = std::numeric_limits<float>::quiet_NaN();
  nash::gemm::sgemm(false, false, 1, 2, 0, 1.f, a, 1, b, 2, c, 2, {bias, Activation::kReLU});
  CHECK(c[0] == 0.f);
  CHECK(c[1] == 1.f);
}
