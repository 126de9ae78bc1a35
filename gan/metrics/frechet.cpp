// Fréchet distance: Gaussian fits, then tensor/linalg's symmetric square roots.
#include "gan/metrics/frechet.h"

#include <cmath>

#include "tensor/linalg.h"

namespace nash::gan {

GaussianFit fit_gaussian(const Tensor& features) {
  NASH_CHECK(features.dim() == 2 && features.size(0) >= 2,
             "fit_gaussian: expected features [n, D] with n >= 2, got ", features.shape());
  const int64_t n = features.size(0), d = features.size(1);
  std::vector<double> x = features.to_vector();
  GaussianFit g;
  g.dim = d;
  g.mean.assign(d, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) g.mean[j] += x[i * d + j];
  for (auto& m : g.mean) m /= static_cast<double>(n);
  g.cov.assign(d * d, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) {
      double cj = x[i * d + j] - g.mean[j];
      for (int64_t k = j; k < d; ++k) g.cov[j * d + k] += cj * (x[i * d + k] - g.mean[k]);
    }
  for (int64_t j = 0; j < d; ++j)
    for (int64_t k = j; k < d; ++k) {
      g.cov[j * d + k] /= static_cast<double>(n - 1);
      g.cov[k * d + j] = g.cov[j * d + k];
    }
  return g;
}

double frechet_distance(const GaussianFit& a, const GaussianFit& b) {
  NASH_CHECK(a.dim == b.dim && a.dim > 0, "frechet_distance: feature dims differ: ", a.dim,
             " and ", b.dim);
  const int64_t d = a.dim;
  double mean_term = 0;
  for (int64_t i = 0; i < d; ++i) mean_term += (a.mean[i] - b.mean[i]) * (a.mean[i] - b.mean[i]);
  // Tr((S1^1/2 S2 S1^1/2)^1/2): the inner matrix is symmetric PSD, so its root is real.
  const double trace_root =
      linalg::trace_sqrt_product(linalg::Matrix(d, d, a.cov), linalg::Matrix(d, d, b.cov));
  double trace = 0;
  for (int64_t i = 0; i < d; ++i) trace += a.cov[i * d + i] + b.cov[i * d + i];
  return mean_term + trace - 2 * trace_root;
}

double frechet_distance(const Tensor& features_a, const Tensor& features_b) {
  return frechet_distance(fit_gaussian(features_a), fit_gaussian(features_b));
}

}  // namespace nash::gan
