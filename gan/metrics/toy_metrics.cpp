// Gaussian statistics with the KS distance, and mode coverage for 2-D mixtures.
#include "gan/metrics/toy_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace nash::gan {

GaussianStats gaussian_stats(const Tensor& samples, double target_mean, double target_std) {
  NASH_CHECK(samples.numel() > 1 && (samples.dim() == 1 || (samples.dim() == 2 && samples.size(1) == 1)),
             "gaussian_stats: expected samples [n, 1] or [n] with n > 1, got ", samples.shape());
  NASH_CHECK(target_std > 0, "gaussian_stats: target std must be > 0, got ", target_std);
  std::vector<double> x = samples.to_vector();
  const auto n = static_cast<double>(x.size());
  GaussianStats s;
  for (double v : x) s.mean += v;
  s.mean /= n;
  for (double v : x) s.std += (v - s.mean) * (v - s.mean);
  s.std = std::sqrt(s.std / (n - 1));
  // KS: compare the empirical CDF on both sides of each jump with the target CDF.
  std::sort(x.begin(), x.end());
  for (size_t i = 0; i < x.size(); ++i) {
    double cdf = 0.5 * std::erfc(-(x[i] - target_mean) / (target_std * std::sqrt(2.0)));
    s.ks = std::max({s.ks, std::abs((i + 1) / n - cdf), std::abs(cdf - i / n)});
  }
  return s;
}

ModeStats mode_stats(const Tensor& samples, const Mixture2d& mixture) {
  NASH_CHECK(samples.dim() == 2 && samples.size(1) == 2,
             "mode_stats: expected samples [n, 2], got ", samples.shape());
  NASH_CHECK(!mixture.centres.empty() && mixture.std > 0, "mode_stats: empty mixture");
  const auto k = static_cast<int64_t>(mixture.centres.size());
  std::vector<double> xy = samples.to_vector();
  const int64_t n = samples.size(0);
  ModeStats s;
  s.num_modes = k;
  s.histogram.assign(k, 0);
  int64_t hq = 0;
  for (int64_t i = 0; i < n; ++i) {
    double best = std::numeric_limits<double>::infinity();
    int64_t nearest = 0;
    for (int64_t m = 0; m < k; ++m) {
      double dx = xy[2 * i] - mixture.centres[m][0], dy = xy[2 * i + 1] - mixture.centres[m][1];
      double d2 = dx * dx + dy * dy;
      if (d2 < best) best = d2, nearest = m;
    }
    if (std::sqrt(best) <= 3.0 * mixture.std) {
      ++hq;
      ++s.histogram[nearest];
    }
  }
  s.high_quality = n > 0 ? static_cast<double>(hq) / n : 0.0;
  for (int64_t m = 0; m < k; ++m) {
    if (s.histogram[m] == 0) continue;
    ++s.modes_covered;
    double p = static_cast<double>(s.histogram[m]) / hq;
    s.reverse_kl += p * std::log(p * k);
  }
  return s;
}

}  // namespace nash::gan
