// Small dense linear algebra in double precision on the host: Householder QR, a symmetric
// eigensolver (cyclic Jacobi) and the symmetric square roots the Fréchet distance needs. For
// matrices of a few hundred rows at most (initialisers, metrics): plain loops, no blocking.
//
// Worked example:
//   linalg::Matrix a = linalg::Matrix::from_tensor(features_cov);     // [D, D]
//   linalg::SymmetricEigen e = linalg::symmetric_eigen(a);            // a = V diag(w) V^T
//   double t = linalg::trace_sqrt_product(cov1, cov2);                // Tr sqrt(cov1 cov2)
#pragma once
#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace nash::linalg {

// A dense row-major [rows, cols] matrix of doubles: this unit's working type.
struct Matrix {
  int64_t rows = 0, cols = 0;
  std::vector<double> data;  // rows * cols values, row-major

  Matrix() = default;
  Matrix(int64_t rows, int64_t cols, double fill = 0.0);
  Matrix(int64_t rows, int64_t cols, std::vector<double> values);  // values.size() == rows*cols
  static Matrix identity(int64_t n);
  static Matrix from_tensor(const Tensor& t);  // any float dtype, 2-D
  Tensor to_tensor(DType dtype = DType::Float64) const;

  double& operator()(int64_t i, int64_t j) { return data[static_cast<size_t>(i * cols + j)]; }
  double operator()(int64_t i, int64_t j) const { return data[static_cast<size_t>(i * cols + j)]; }
};

Matrix matmul(const Matrix& a, const Matrix& b);  // [m, k] x [k, n] -> [m, n]
Matrix transpose(const Matrix& a);
double trace(const Matrix& a);                     // square a

// Reduced QR of a tall a [m, n] (m >= n) by Householder reflections: a = Q R with Q [m, n]
// orthonormal columns and R [n, n] upper triangular with a non-negative diagonal (the unique
// such factorisation when a has full column rank). Wide matrices: factor the transpose.
struct QR {
  Matrix q;  // [m, n]
  Matrix r;  // [n, n]
};
QR qr(const Matrix& a);

// Eigendecomposition of a symmetric [D, D] matrix by cyclic Jacobi rotations:
// a = V diag(values) V^T with V orthogonal, values ascending (as numpy.linalg.eigh).
// Only the upper and lower triangles' average matters; pass a symmetric matrix.
struct SymmetricEigen {
  std::vector<double> values;  // D, ascending
  Matrix vectors;              // [D, D], column j is the eigenvector of values[j]
};
SymmetricEigen symmetric_eigen(const Matrix& a);

// The PSD square root V diag(sqrt(max(w, 0))) V^T of a symmetric [D, D] matrix (negative
// eigenvalues from round-off clamp to 0).
Matrix symmetric_sqrt(const Matrix& a);

// Tr sqrt(A B) for symmetric PSD A, B [D, D], computed as Tr sqrt(A^1/2 B A^1/2): the inner
// matrix is symmetric PSD and similar to A B, so the trace is real without a complex sqrtm.
double trace_sqrt_product(const Matrix& a, const Matrix& b);

}  // namespace nash::linalg
