// KID, precision/recall, density/coverage: textbook cases, hand-worked small sets, and every
// metric against an independent NumPy implementation (tests/gan/metrics_reference.py) on fixed
// feature sets this test writes. The NumPy comparison skips when /usr/bin/python3 cannot import
// numpy (Debian: python3-numpy).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "gan/metrics/feature_metrics.h"
#include "gan/metrics/frechet.h"
#include "tensor/creation.h"
#include "tensor/io/npy.h"
#include "tensor/ops.h"

using namespace nash;
using namespace nash::gan;
namespace fs = std::filesystem;

namespace {

bool numpy_available() {
  return std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0;
}

// Runs the reference script on real, fake and the KID subsets; returns its "name value" lines.
std::map<std::string, double> reference(const Tensor& real, const Tensor& fake,
                                        const Tensor& subsets) {
  const fs::path dir = fs::temp_directory_path() / ("nash_metrics_ref_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  save_npy((dir / "real.npy").string(), real);
  save_npy((dir / "fake.npy").string(), fake);
  save_npy((dir / "subsets.npy").string(), subsets);
  const std::string cmd = std::string("/usr/bin/python3 ") + NASH_SOURCE_DIR +
                          "/tests/gan/metrics_reference.py " + (dir / "real.npy").string() + " " +
                          (dir / "fake.npy").string() + " " + (dir / "subsets.npy").string() +
                          " > " + (dir / "out.txt").string();
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::map<std::string, double> values;
  std::ifstream in(dir / "out.txt");
  std::string name;
  double v;
  while (in >> name >> v) values[name] = v;
  fs::remove_all(dir);
  return values;
}

}  // namespace

TEST_CASE("feature metrics: identical sets", "[gan][metrics]") {
  Rng rng(11);
  Tensor x = normal({200, 6}, 0, 1, rng, DType::Float64);
  PrecisionRecall pr = precision_recall(x, x);
  CHECK(pr.precision == 1.0);
  CHECK(pr.recall == 1.0);
  DensityCoverage dc = density_coverage(x, x);
  CHECK(dc.coverage == 1.0);
  // Each real ball (strictly inside its 5th-neighbour radius) holds the point itself and its 4
  // nearest: 5 per ball, 5 N memberships over N fakes, density = 5 N / (5 N) = 1.
  CHECK(dc.density == Approx(1.0).margin(1e-12));
  // KID of a set against itself is not 0 (the unbiased estimate drops k(x_i, x_i) within a set
  // but not across): the textbook case is two independent samples of one distribution, where
  // the estimate is centred on 0. A set and its own subsets come out negative.
  Tensor y = normal({200, 6}, 0, 1, rng, DType::Float64);
  KidResult kid = kernel_inception_distance(x, y, rng, {20, 100});
  KidResult shifted = kernel_inception_distance(x, add(y, 0.5), rng, {20, 100});
  CHECK(std::abs(kid.mean) < 2 * kid.std);
  CHECK(kid.std > 0);
  CHECK(shifted.mean > 10 * std::abs(kid.mean));
  CHECK(kernel_inception_distance(x, x, rng, {10, 200}).mean < 0);
}

TEST_CASE("feature metrics: separated sets score 0, a shift raises KID", "[gan][metrics]") {
  Rng rng(12);
  Tensor real = normal({100, 4}, 0, 1, rng, DType::Float64);
  Tensor far = add(normal({80, 4}, 0, 1, rng, DType::Float64), 100.0);
  PrecisionRecall pr = precision_recall(real, far);
  DensityCoverage dc = density_coverage(real, far);
  CHECK(pr.precision == 0.0);
  CHECK(pr.recall == 0.0);
  CHECK(dc.density == 0.0);
  CHECK(dc.coverage == 0.0);
  Tensor near = normal({100, 4}, 0, 1, rng, DType::Float64);
  const double kid_near = kernel_inception_distance(real, near, rng, {10, 80}).mean;
  const double kid_shift = kernel_inception_distance(real, add(near, 1.0), rng, {10, 80}).mean;
  CHECK(kid_shift > 10 * std::abs(kid_near));
}

TEST_CASE("feature metrics: a hand-worked 1-D example", "[gan][metrics]") {
  // real {0, 1, 2, 10}, k = 1: radii 1, 1, 1, 8. fake {0.5, 20}, k = 1: radius 19.5 each.
  // Fake 0.5 is inside the balls of real 0 and 1 (distances 0.5 < 1), 20 in none:
  // precision 1/2, density (2 + 0) / (1 * 2) = 1, coverage: reals 0 and 1 hold a fake -> 2/4.
  // Recall: every real is within 19.5 of fake 0.5 -> 1.
  Tensor real = from_vector(std::vector<double>{0, 1, 2, 10}, {4, 1});
  Tensor fake = from_vector(std::vector<double>{0.5, 20}, {2, 1});
  PrecisionRecall pr = precision_recall(real, fake, 1);
  CHECK(pr.precision == 0.5);
  CHECK(pr.recall == 1.0);
  DensityCoverage dc = density_coverage(real, fake, 1);
  CHECK(dc.density == 1.0);
  CHECK(dc.coverage == 0.5);
  // feature_metrics shares one distance pass between them, also when both use one k.
  FeatureMetricsOptions same_k;
  same_k.precision_recall_k = same_k.density_coverage_k = 1;
  Rng rng(16);
  FeatureMetrics all = feature_metrics(real, fake, rng, same_k);
  CHECK(all.precision == 0.5);
  CHECK(all.recall == 1.0);
  CHECK(all.density == 1.0);
  CHECK(all.coverage == 0.5);
  // MMD^2 by hand, D = 1, m = 2: x = {0, 1}, y = {1, 2}, k(a, b) = (ab + 1)^3.
  // XX off-diagonal: 2 k(0,1) = 2; YY: 2 k(1,2) = 54; XY: k(0,1) + k(0,2) + k(1,1) + k(1,2)
  // = 1 + 1 + 8 + 27 = 37. (2 + 54) / 2 - 2 * 37 / 4 = 28 - 18.5 = 9.5.
  CHECK(polynomial_mmd2(from_vector(std::vector<double>{0, 1}, {2, 1}),
                        from_vector(std::vector<double>{1, 2}, {2, 1})) == Approx(9.5));
}

TEST_CASE("feature metrics: errors name the op and shapes", "[gan][metrics]") {
  Rng rng(13);
  Tensor a = zeros({10, 3}), b = zeros({10, 4});
  REQUIRE_THROWS_WITH(precision_recall(a, b),
                      Catch::Contains("precision_recall: feature dims differ: real is [10, 3], fake is [10, 4]"));
  REQUIRE_THROWS_WITH(density_coverage(zeros({5, 3}), zeros({8, 3})),
                      Catch::Contains("density_coverage: need more than k = 5 samples on each side"));
  REQUIRE_THROWS_WITH(kernel_inception_distance(zeros({3}), a, rng),
                      Catch::Contains("kernel_inception_distance: expected float real features [n, D]"));
  Tensor nan_row = full({10, 3}, std::nan(""));
  REQUIRE_THROWS_WITH(feature_metrics(a, nan_row, rng),
                      Catch::Contains("feature_metrics: fake features [10, 3] hold a non-finite value at row 0"));
  REQUIRE_THROWS_WITH(polynomial_mmd2(zeros({4, 2}), zeros({5, 2})),
                      Catch::Contains("polynomial_mmd2: expected x and y of one shape, got [4, 2] and [5, 2]"));
}

TEST_CASE("feature metrics agree with the NumPy reference", "[gan][metrics]") {
  if (!numpy_available()) {
    WARN("skipped: /usr/bin/python3 cannot import numpy (install python3-numpy)");
    return;
  }
  Rng data_rng(14);
  // Overlapping but different sets: every metric strictly between its extremes.
  Tensor real = normal({90, 8}, 0, 1, data_rng, DType::Float64);
  Tensor fake = add(mul(normal({70, 8}, 0, 1, data_rng, DType::Float64), 1.3), 0.4);
  FeatureMetricsOptions options;
  options.kid = {6, 40};
  Rng rng(15), replay(15);
  FeatureMetrics m = feature_metrics(real, fake, rng, options);
  // The KID subsets feature_metrics drew: replay the same generator.
  std::vector<int64_t> idx;
  for (int s = 0; s < 6; ++s)
    for (int64_t n : {int64_t{90}, int64_t{70}}) {
      std::vector<int64_t> p = replay.permutation(n);
      idx.insert(idx.end(), p.begin(), p.begin() + 40);
    }
  std::map<std::string, double> ref = reference(real, fake, from_vector(idx, {6, 2, 40}));
  REQUIRE(ref.size() == 8);
  CHECK(m.frechet_distance == Approx(ref["frechet_distance"]).epsilon(1e-9));
  CHECK(m.kid_mean == Approx(ref["kid_mean"]).epsilon(1e-9));
  CHECK(m.kid_std == Approx(ref["kid_std"]).epsilon(1e-9));
  CHECK(polynomial_mmd2(real.narrow(0, 0, 70), fake) == Approx(ref["mmd2_head"]).epsilon(1e-9));
  CHECK(m.precision == ref["precision"]);
  CHECK(m.recall == ref["recall"]);
  CHECK(m.density == Approx(ref["density"]).epsilon(1e-12));
  CHECK(m.coverage == ref["coverage"]);
  // Not a degenerate case: the counts sit strictly inside (0, 1).
  for (double v : {m.precision, m.recall, m.coverage}) {
    CHECK(v > 0.0);
    CHECK(v < 1.0);
  }
  CHECK(m.kid_mean > 0.0);
}
