// KID, precision/recall and density/coverage on feature matrices: Gram matrices and distance
// blocks come from float64 matmuls; the counting over them is plain host loops.
#include "gan/metrics/feature_metrics.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "gan/metrics/frechet.h"
#include "tensor/creation.h"
#include "tensor/ops.h"

namespace nash::gan {
namespace {

constexpr int64_t kBlock = 512;  // rows of distances held at once

// features [n, D] as contiguous float64, checked: 2-D, a float dtype, at least min_rows rows,
// every value finite.
Tensor as_features(const char* op, const char* side, const Tensor& x, int64_t min_rows) {
  NASH_CHECK(x.defined() && x.dim() == 2 && x.dtype() != DType::Int64 && x.size(0) >= min_rows &&
                 x.size(1) >= 1,
             op, ": expected float ", side, " features [n, D] with n >= ", min_rows, ", got ",
             x.defined() ? shape_str(x.shape()) : std::string("undefined"));
  Tensor f = x.to(DType::Float64).contiguous();
  const double* p = f.data<double>();
  for (int64_t i = 0; i < f.numel(); ++i)
    NASH_CHECK(std::isfinite(p[i]), op, ": ", side, " features ", x.shape(),
               " hold a non-finite value at row ", i / f.size(1));
  return f;
}

void check_same_dim(const char* op, const Tensor& real, const Tensor& fake) {
  NASH_CHECK(real.size(1) == fake.size(1), op, ": feature dims differ: real is ", real.shape(),
             ", fake is ", fake.shape());
}

// Euclidean distances between rows a [B, D] and b [M, D] (float64) as [B, M]:
// sqrt(max(|a|^2 + |b|^2 - 2 a.b, 0)).
Tensor distances(const Tensor& a, const Tensor& b) {
  Tensor a2 = sum(mul(a, a), {1}, true);               // [B, 1]
  Tensor b2 = sum(mul(b, b), {1}, false).unsqueeze(0);  // [1, M]
  Tensor d2 = sub(add(a2, b2), mul(matmul(a, b.t()), 2.0));
  return sqrt(maximum(d2, 0.0)).contiguous();
}

// Calls fn(first_row, block [B, M] float64 contiguous) for row blocks of dist(a, b).
template <class Fn>
void for_distance_blocks(const Tensor& a, const Tensor& b, Fn fn) {
  for (int64_t start = 0; start < a.size(0); start += kBlock) {
    const int64_t len = std::min(kBlock, a.size(0) - start);
    fn(start, distances(a.narrow(0, start, len), b));
  }
}

// Radii of each row of x [n, D] for several k at once (one distance pass): the distance to its
// k-th nearest other row, i.e. the (k+1)-th smallest distance (the smallest is the row itself).
// radii[a][i] is row i's radius for ks[a].
std::vector<std::vector<double>> knn_radii(const Tensor& x, const std::vector<int64_t>& ks) {
  const int64_t n = x.size(0);
  std::vector<std::vector<double>> radii(ks.size(), std::vector<double>(static_cast<size_t>(n)));
  for_distance_blocks(x, x, [&](int64_t start, const Tensor& block) {
    const double* p = block.data<double>();
#pragma omp parallel
    {
      std::vector<double> row(static_cast<size_t>(n));
#pragma omp for schedule(static)
      for (int64_t i = 0; i < block.size(0); ++i) {
        std::copy(p + i * n, p + (i + 1) * n, row.begin());
        for (size_t a = 0; a < ks.size(); ++a) {
          std::nth_element(row.begin(), row.begin() + ks[a], row.end());
          radii[a][static_cast<size_t>(start + i)] = row[static_cast<size_t>(ks[a])];
        }
      }
    }
  });
  return radii;
}

// Which k-NN statistics one pass over dist(real, fake) collects. A statistic not asked for is
// computed with the other k's radii and left for the caller to ignore.
struct BallQuery {
  int64_t pr_k = 0;  // precision/recall with this k (0: skip)
  int64_t dc_k = 0;  // density/coverage with this k (0: skip)
};
struct BallStats {
  PrecisionRecall pr;
  DensityCoverage dc;
};

BallStats ball_stats(const Tensor& real, const Tensor& fake, const BallQuery& q) {
  const int64_t n = real.size(0), m = fake.size(0);
  std::vector<int64_t> ks;
  if (q.pr_k > 0) ks.push_back(q.pr_k);
  if (q.dc_k > 0 && q.dc_k != q.pr_k) ks.push_back(q.dc_k);
  const std::vector<std::vector<double>> real_radii = knn_radii(real, ks);
  const std::vector<double>& real_pr = real_radii[0];
  const std::vector<double>& real_dc = real_radii[ks.size() == 2 ? 1 : 0];
  const std::vector<double> fake_pr =
      q.pr_k > 0 ? knn_radii(fake, {q.pr_k})[0] : std::vector<double>(static_cast<size_t>(m), 0.0);
  std::vector<char> fake_in_real_pr(static_cast<size_t>(m), 0);  // inside some real pr-ball
  std::vector<int64_t> fake_in_real_dc(static_cast<size_t>(m), 0);  // number of real dc-balls
  int64_t real_in_fake = 0, real_covered = 0;
  for_distance_blocks(real, fake, [&](int64_t start, const Tensor& block) {
    const double* p = block.data<double>();
    for (int64_t i = 0; i < block.size(0); ++i) {
      const double r_pr = real_pr[static_cast<size_t>(start + i)];
      const double r_dc = real_dc[static_cast<size_t>(start + i)];
      bool in_fake = false, covered = false;
      for (int64_t j = 0; j < m; ++j) {
        const double d = p[i * m + j];
        if (d < r_pr) fake_in_real_pr[static_cast<size_t>(j)] = 1;
        in_fake = in_fake || d < fake_pr[static_cast<size_t>(j)];
        if (d < r_dc) {
          ++fake_in_real_dc[static_cast<size_t>(j)];
          covered = true;
        }
      }
      real_in_fake += in_fake;
      real_covered += covered;
    }
  });
  const double nd = static_cast<double>(n), md = static_cast<double>(m);
  BallStats s;
  s.pr.precision = static_cast<double>(std::count(fake_in_real_pr.begin(), fake_in_real_pr.end(), 1)) / md;
  s.pr.recall = static_cast<double>(real_in_fake) / nd;
  double memberships = 0;
  for (int64_t c : fake_in_real_dc) memberships += static_cast<double>(c);
  s.dc.density = q.dc_k > 0 ? memberships / (static_cast<double>(q.dc_k) * md) : 0.0;
  s.dc.coverage = static_cast<double>(real_covered) / nd;
  return s;
}

double mmd2_f64(const Tensor& x, const Tensor& y) {
  const int64_t m = x.size(0);
  const double inv_d = 1.0 / static_cast<double>(x.size(1));
  auto kernel_sum = [&](const Tensor& a, const Tensor& b, bool skip_diagonal) {
    Tensor g = matmul(a, b.t()).contiguous();  // [m, m] dot products
    const double* p = g.data<double>();
    double s = 0;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < m; ++j) {
        if (skip_diagonal && i == j) continue;
        const double base = p[i * m + j] * inv_d + 1.0;
        s += base * base * base;
      }
    return s;
  };
  const double mm = static_cast<double>(m);
  return (kernel_sum(x, x, true) + kernel_sum(y, y, true)) / (mm * (mm - 1)) -
         2.0 * kernel_sum(x, y, false) / (mm * mm);
}

void check_k(const char* op, int64_t k, const Tensor& real, const Tensor& fake) {
  NASH_CHECK(k >= 1, op, ": k must be >= 1, got ", k);
  NASH_CHECK(real.size(0) > k && fake.size(0) > k, op, ": need more than k = ", k,
             " samples on each side, got real ", real.shape(), " and fake ", fake.shape());
}

}  // namespace

double polynomial_mmd2(const Tensor& x, const Tensor& y) {
  Tensor a = as_features("polynomial_mmd2", "x", x, 2), b = as_features("polynomial_mmd2", "y", y, 2);
  NASH_CHECK(a.shape() == b.shape(), "polynomial_mmd2: expected x and y of one shape, got ",
             x.shape(), " and ", y.shape());
  return mmd2_f64(a, b);
}

KidResult kernel_inception_distance(const Tensor& real, const Tensor& fake, Rng& rng,
                                    const KidOptions& options) {
  const char* op = "kernel_inception_distance";
  Tensor r = as_features(op, "real", real, 2), f = as_features(op, "fake", fake, 2);
  check_same_dim(op, r, f);
  NASH_CHECK(options.subsets >= 1 && options.subset_size >= 2, op,
             ": expected subsets >= 1 and subset_size >= 2, got ", options.subsets, " and ",
             options.subset_size);
  const int64_t size = std::min({options.subset_size, r.size(0), f.size(0)});
  std::vector<double> mmds;
  for (int64_t s = 0; s < options.subsets; ++s) {
    std::vector<int64_t> pr = rng.permutation(r.size(0)), pf = rng.permutation(f.size(0));
    pr.resize(static_cast<size_t>(size));
    pf.resize(static_cast<size_t>(size));
    mmds.push_back(mmd2_f64(index_select(r, 0, from_vector(pr, {size})),
                            index_select(f, 0, from_vector(pf, {size}))));
  }
  KidResult out;
  for (double v : mmds) out.mean += v;
  out.mean /= static_cast<double>(mmds.size());
  for (double v : mmds) out.std += (v - out.mean) * (v - out.mean);
  out.std = std::sqrt(out.std / static_cast<double>(mmds.size()));
  return out;
}

PrecisionRecall precision_recall(const Tensor& real, const Tensor& fake, int64_t k) {
  const char* op = "precision_recall";
  Tensor r = as_features(op, "real", real, 1), f = as_features(op, "fake", fake, 1);
  check_same_dim(op, r, f);
  check_k(op, k, r, f);
  return ball_stats(r, f, {.pr_k = k}).pr;
}

DensityCoverage density_coverage(const Tensor& real, const Tensor& fake, int64_t k) {
  const char* op = "density_coverage";
  Tensor r = as_features(op, "real", real, 1), f = as_features(op, "fake", fake, 1);
  check_same_dim(op, r, f);
  check_k(op, k, r, f);
  return ball_stats(r, f, {.dc_k = k}).dc;
}

FeatureMetrics feature_metrics(const Tensor& real, const Tensor& fake, Rng& rng,
                               const FeatureMetricsOptions& options) {
  const char* op = "feature_metrics";
  Tensor r = as_features(op, "real", real, 2), f = as_features(op, "fake", fake, 2);
  check_same_dim(op, r, f);
  check_k(op, options.precision_recall_k, r, f);
  check_k(op, options.density_coverage_k, r, f);
  FeatureMetrics m;
  m.frechet_distance = frechet_distance(r, f);
  const KidResult kid = kernel_inception_distance(r, f, rng, options.kid);
  m.kid_mean = kid.mean;
  m.kid_std = kid.std;
  const BallStats b = ball_stats(r, f, {.pr_k = options.precision_recall_k,
                                        .dc_k = options.density_coverage_k});
  m.precision = b.pr.precision;
  m.recall = b.pr.recall;
  m.density = b.dc.density;
  m.coverage = b.dc.coverage;
  return m;
}

}  // namespace nash::gan
