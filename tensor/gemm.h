// GEMM on raw row-major pointers: C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C.
// op(A) = A (A is M x K, row i at A + i*lda) or A^T (A stored K x M, row k at A + k*lda).
// Same for B. Leading dimensions let strided and transposed views pass without copies.
// beta == 0 means C is not read (it may hold NaN). Results are bitwise identical for any
// thread count.
#pragma once
#include <cstdint>

namespace nash::gemm {

// What the product's epilogue does to each tile of C while it is still in registers/L1,
// instead of separate passes over C afterwards (a fully connected layer's bias + activation):
//   C = act(alpha * op(A) * op(B) + bias)      (bias [N], one value per column; beta must be 0)
// The sum is rounded exactly as the unfused path (C filled with bias, then beta = 1) rounds it,
// and act is the elementwise op's own functor (tensor/kernels/functors.h), so the result is
// bitwise that of GEMM + bias + activation run one after the other.
enum class Activation { kNone, kReLU, kLeakyReLU, kTanh };
template <class T>
struct Epilogue {
  const T* bias = nullptr;  // [N], or nullptr
  Activation act = Activation::kNone;
  double slope = 0.0;       // kLeakyReLU: y = x > 0 ? x : slope * x
};

void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
           const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
           int64_t ldc);
void dgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, double alpha,
           const double* A, int64_t lda, const double* B, int64_t ldb, double beta, double* C,
           int64_t ldc);
void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
           const float* A, int64_t lda, const float* B, int64_t ldb, float* C, int64_t ldc,
           const Epilogue<float>& epilogue);
void dgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, double alpha,
           const double* A, int64_t lda, const double* B, int64_t ldb, double* C, int64_t ldc,
           const Epilogue<double>& epilogue);

// Whether the last threaded GEMM call found its helper threads late and the oversubscription
// guard (tensor/gemm.cpp) is running GEMM on one thread for now; and how many times the guard
// has fired since the process started (bench/ and scripts/ report it).
struct GuardState {
  bool serial_now;
  int64_t times_fired;
};
GuardState oversubscription_guard();

// Triple-loop reference (the tests compare the fast path against it).
template <class T>
void gemm_reference(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha,
                    const T* A, int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      T acc = 0;
      for (int64_t k = 0; k < K; ++k) {
        T a = trans_a ? A[k * lda + i] : A[i * lda + k];
        T b = trans_b ? B[j * ldb + k] : B[k * ldb + j];
        acc += a * b;
      }
      C[i * ldc + j] = alpha * acc + (beta == T(0) ? T(0) : beta * C[i * ldc + j]);
    }
}

}  // namespace nash::gemm
