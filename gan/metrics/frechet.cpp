// Fréchet distance with a Jacobi eigensolver for the symmetric square roots.
#include "gan/metrics/frechet.h"

#include <algorithm>
#include <cmath>

namespace nash::gan {

SymmetricEigen symmetric_eigen(const std::vector<double>& input, int64_t d) {
  NASH_CHECK(d >= 1 && static_cast<int64_t>(input.size()) == d * d,
             "symmetric_eigen: expected ", d, "x", d, " values, got ", input.size());
  std::vector<double> a = input, v(d * d, 0.0);
  for (int64_t i = 0; i < d; ++i) v[i * d + i] = 1.0;
  auto at = [d](std::vector<double>& m, int64_t i, int64_t j) -> double& { return m[i * d + j]; };
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0, total = 0;
    for (int64_t i = 0; i < d; ++i)
      for (int64_t j = 0; j < d; ++j) (i == j ? total : off) += at(a, i, j) * at(a, i, j);
    if (off <= 1e-30 * (total + off) || off == 0) break;
    for (int64_t p = 0; p < d - 1; ++p)
      for (int64_t q = p + 1; q < d; ++q) {
        double apq = at(a, p, q);
        if (apq == 0) continue;
        // Rotate so that a[p][q] becomes 0 (Golub & Van Loan, Algorithm 8.4.2).
        double theta = (at(a, q, q) - at(a, p, p)) / (2 * apq);
        double t = (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1));
        double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (int64_t k = 0; k < d; ++k) {  // columns p, q
          double akp = at(a, k, p), akq = at(a, k, q);
          at(a, k, p) = c * akp - s * akq;
          at(a, k, q) = s * akp + c * akq;
        }
        for (int64_t k = 0; k < d; ++k) {  // rows p, q
          double apk = at(a, p, k), aqk = at(a, q, k);
          at(a, p, k) = c * apk - s * aqk;
          at(a, q, k) = s * apk + c * aqk;
        }
        for (int64_t k = 0; k < d; ++k) {
          double vkp = at(v, k, p), vkq = at(v, k, q);
          at(v, k, p) = c * vkp - s * vkq;
          at(v, k, q) = s * vkp + c * vkq;
        }
      }
  }
  SymmetricEigen e;
  e.values.resize(d);
  for (int64_t i = 0; i < d; ++i) e.values[i] = at(a, i, i);
  e.vectors = std::move(v);
  return e;
}

std::vector<double> symmetric_sqrt(const std::vector<double>& a, int64_t d) {
  SymmetricEigen e = symmetric_eigen(a, d);
  std::vector<double> out(d * d, 0.0);
  for (int64_t k = 0; k < d; ++k) {
    double r = std::sqrt(std::max(e.values[k], 0.0));
    for (int64_t i = 0; i < d; ++i) {
      double vik = e.vectors[i * d + k] * r;
      for (int64_t j = 0; j < d; ++j) out[i * d + j] += vik * e.vectors[j * d + k];
    }
  }
  return out;
}

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
  std::vector<double> r = symmetric_sqrt(a.cov, d), tmp(d * d, 0.0), m(d * d, 0.0);
  for (int64_t i = 0; i < d; ++i)
    for (int64_t k = 0; k < d; ++k)
      for (int64_t j = 0; j < d; ++j) tmp[i * d + j] += r[i * d + k] * b.cov[k * d + j];
  for (int64_t i = 0; i < d; ++i)
    for (int64_t k = 0; k < d; ++k)
      for (int64_t j = 0; j < d; ++j) m[i * d + j] += tmp[i * d + k] * r[k * d + j];
  for (int64_t i = 0; i < d; ++i)  // symmetrise against round-off
    for (int64_t j = i + 1; j < d; ++j) m[i * d + j] = m[j * d + i] = 0.5 * (m[i * d + j] + m[j * d + i]);
  double trace_root = 0;
  for (double w : symmetric_eigen(m, d).values) trace_root += std::sqrt(std::max(w, 0.0));
  double trace = 0;
  for (int64_t i = 0; i < d; ++i) trace += a.cov[i * d + i] + b.cov[i * d + i];
  return mean_term + trace - 2 * trace_root;
}

double frechet_distance(const Tensor& features_a, const Tensor& features_b) {
  return frechet_distance(fit_gaussian(features_a), fit_gaussian(features_b));
}

}  // namespace nash::gan
