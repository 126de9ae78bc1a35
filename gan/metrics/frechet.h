// The Fréchet distance between two Gaussians fitted to feature sets (the FID formula):
//   d^2 = |mu1 - mu2|^2 + Tr(S1 + S2 - 2 (S1^1/2 S2 S1^1/2)^1/2)
// with the trace term from tensor/linalg.h's trace_sqrt_product (true symmetric square roots
// from a Jacobi eigendecomposition, so no complex round-off).
#pragma once
#include <vector>

#include "tensor/tensor.h"

namespace nash::gan {

struct GaussianFit {
  std::vector<double> mean;  // D
  std::vector<double> cov;   // D x D, unbiased
  int64_t dim = 0;
};
GaussianFit fit_gaussian(const Tensor& features);  // features [n, D], n >= 2
double frechet_distance(const GaussianFit& a, const GaussianFit& b);
double frechet_distance(const Tensor& features_a, const Tensor& features_b);

}  // namespace nash::gan
