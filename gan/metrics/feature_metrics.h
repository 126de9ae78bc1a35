// Sample-quality metrics on two feature sets, real [N, D] and fake [M, D] (rows are samples,
// e.g. the evaluation classifier's features of real and generated images):
//   kernel_inception_distance  unbiased MMD^2 with k(x, y) = (x.y / D + 1)^3, averaged over
//                              random subsets (Binkowski et al. 2018; torch-fidelity's KID)
//   precision_recall           k-NN manifolds, k = 3 (Kynkäänniemi et al. 2019)
//   density_coverage           k-NN balls around real samples, k = 5 (Naeem et al. 2020)
//   feature_metrics            all of the above plus the Fréchet distance, for `nash eval`
// Distances are Euclidean, computed in double in row blocks (memory O(block * max(N, M))).
// As in the reference implementation of Naeem et al. (prdc), a sample is inside a ball when its
// distance is strictly less than the radius, and the radius of sample i is the distance to its
// k-th nearest neighbour other than itself.
//
//   gan::FeatureMetrics m = gan::feature_metrics(real_features, fake_features, rng);
//   std::cout << m.precision << " " << m.recall << " " << m.kid_mean << "\n";
#pragma once
#include <cstdint>

#include "tensor/random.h"
#include "tensor/tensor.h"

namespace nash::gan {

struct KidOptions {
  int64_t subsets = 100;       // number of random subset pairs
  int64_t subset_size = 1000;  // per side; clamped to min(N, M)
};
struct KidResult {
  double mean = 0;  // mean of the subsets' MMD^2 (can be slightly negative: unbiased)
  double std = 0;   // their population standard deviation (numpy.std, ddof = 0)
};
// Each subset pair draws subset_size rows of real, then of fake, without replacement
// (the first subset_size entries of rng.permutation(N), then of rng.permutation(M)).
KidResult kernel_inception_distance(const Tensor& real, const Tensor& fake, Rng& rng,
                                    const KidOptions& options = {});
// Unbiased MMD^2 between x [m, D] and y [m, D] with the cubic polynomial kernel:
//   (sum_{i != j} k(x_i, x_j) + sum_{i != j} k(y_i, y_j)) / (m (m - 1)) - 2 sum_{i,j} k(x_i, y_j) / m^2
double polynomial_mmd2(const Tensor& x, const Tensor& y);

struct PrecisionRecall {
  double precision = 0;  // fraction of fake samples inside some real sample's k-NN ball
  double recall = 0;     // fraction of real samples inside some fake sample's k-NN ball
};
PrecisionRecall precision_recall(const Tensor& real, const Tensor& fake, int64_t k = 3);

struct DensityCoverage {
  double density = 0;   // mean over fakes of (number of real k-NN balls holding it) / k
  double coverage = 0;  // fraction of real samples whose k-NN ball holds some fake sample
};
DensityCoverage density_coverage(const Tensor& real, const Tensor& fake, int64_t k = 5);

struct FeatureMetricsOptions {
  KidOptions kid;
  int64_t precision_recall_k = 3;
  int64_t density_coverage_k = 5;
};
struct FeatureMetrics {
  double frechet_distance = 0;
  double kid_mean = 0, kid_std = 0;
  double precision = 0, recall = 0;
  double density = 0, coverage = 0;
};
// Every metric above on one pair of feature sets (N, M > max(k) and >= 2).
FeatureMetrics feature_metrics(const Tensor& real, const Tensor& fake, Rng& rng,
                               const FeatureMetricsOptions& options = {});

}  // namespace nash::gan
