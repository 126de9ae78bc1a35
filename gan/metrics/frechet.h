// The Fréchet distance between two Gaussians fitted to feature sets (the FID formula):
//   d^2 = |mu1 - mu2|^2 + Tr(S1 + S2 - 2 (S1^1/2 S2 S1^1/2)^1/2)
// with true symmetric square roots from a Jacobi eigendecomposition (no complex round-off).
#pragma once
#include <vector>

#include "tensor/tensor.h"

namespace nash::gan {

// Symmetric eigendecomposition of a [D, D] float64 matrix (cyclic Jacobi): a = V diag(w) V^T.
struct SymmetricEigen {
  std::vector<double> values;   // D eigenvalues
  std::vector<double> vectors;  // D x D, column j is the eigenvector of values[j] (row-major)
};
SymmetricEigen symmetric_eigen(const std::vector<double>& a, int64_t d);
// The PSD square root V diag(sqrt(max(w, 0))) V^T of a symmetric [D, D] matrix.
std::vector<double> symmetric_sqrt(const std::vector<double>& a, int64_t d);

struct GaussianFit {
  std::vector<double> mean;  // D
  std::vector<double> cov;   // D x D, unbiased
  int64_t dim = 0;
};
GaussianFit fit_gaussian(const Tensor& features);  // features [n, D], n >= 2
double frechet_distance(const GaussianFit& a, const GaussianFit& b);
double frechet_distance(const Tensor& features_a, const Tensor& features_b);

}  // namespace nash::gan
