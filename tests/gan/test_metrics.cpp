// Metrics: Gaussian stats / KS, mode coverage on ring and grid, and the Fréchet distance against
// closed forms (its eigensolver is tested in tests/tensor/test_linalg.cpp).
#include <catch2/catch.hpp>
#include <cmath>

#include "gan/data/toy.h"
#include "gan/metrics/frechet.h"
#include "gan/metrics/toy_metrics.h"
#include "tensor/ops.h"

using namespace nash;
using namespace nash::gan;

TEST_CASE("gaussian_stats: real samples match, shifted samples do not", "[gan][metrics]") {
  Rng rng(1);
  GaussianStats s = gaussian_stats(sample_gaussian1d(10000, rng));
  CHECK(s.mean == Approx(4.0).margin(0.05));
  CHECK(s.std == Approx(1.25).margin(0.05));
  CHECK(s.ks < 0.02);
  GaussianStats shifted = gaussian_stats(add(sample_gaussian1d(10000, rng), 1.0));
  // KS of N(5, s) against N(4, s) is 2 Phi(0.4) - 1 = 0.3108.
  CHECK(shifted.ks == Approx(0.3108).margin(0.02));
}

TEST_CASE("gaussian_stats: hand-worked KS on three points", "[gan][metrics]") {
  // Against N(0, 1): points -1, 0, 1 with CDF 0.1587, 0.5, 0.8413. The empirical CDF jumps
  // 0 -> 1/3 -> 2/3 -> 1 there; the largest gap is 1/3 - Phi(-1) = 0.17468 (at -1 and at 1).
  GaussianStats s = gaussian_stats(from_vector(std::vector<double>{-1, 0, 1}, {3, 1}), 0.0, 1.0);
  CHECK(s.mean == Approx(0.0));
  CHECK(s.std == Approx(1.0));
  CHECK(s.ks == Approx(1.0 / 3.0 - 0.5 * std::erfc(1.0 / std::sqrt(2.0))).margin(1e-9));
  REQUIRE_THROWS_WITH(gaussian_stats(zeros({4, 2})), Catch::Contains("gaussian_stats: expected samples [n, 1]"));
}

TEST_CASE("mode_stats: real ring and grid samples cover every mode", "[gan][metrics]") {
  Rng rng(2);
  for (const Mixture2d& m : {ring_mixture(), grid_mixture()}) {
    ModeStats s = mode_stats(sample_mixture(m, 2500, rng), m);
    CHECK(s.modes_covered == static_cast<int64_t>(m.centres.size()));
    CHECK(s.high_quality > 0.975);  // 3 std in 2-D holds 1 - e^-4.5 = 98.9% of the mass
    CHECK(s.reverse_kl < 0.02);
  }
}

TEST_CASE("mode_stats: a collapsed generator covers one mode", "[gan][metrics]") {
  Mixture2d ring = ring_mixture();
  Tensor at_one_mode = add(zeros({100, 2}), from_vector(std::vector<double>{1.0, 0.0}, {2}).to(DType::Float32));
  ModeStats s = mode_stats(at_one_mode, ring);
  CHECK(s.modes_covered == 1);
  CHECK(s.high_quality == Approx(1.0));
  CHECK(s.reverse_kl == Approx(std::log(8.0)));  // all mass on 1 of 8 modes
  ModeStats none = mode_stats(zeros({10, 2}), ring);  // the centre is 1 away from every mode
  CHECK(none.modes_covered == 0);
  CHECK(none.high_quality == 0.0);
}

TEST_CASE("frechet_distance: closed forms", "[gan][metrics]") {
  // Diagonal covariances: d^2 = |mu1 - mu2|^2 + sum (s1 - s2)^2 with s the standard deviations.
  GaussianFit a{{0, 0}, {1, 0, 0, 4}, 2}, b{{1, 2}, {4, 0, 0, 1}, 2};
  CHECK(frechet_distance(a, b) == Approx(5.0 + 1.0 + 1.0));
  CHECK(frechet_distance(a, a) == Approx(0.0).margin(1e-9));
  // Two samples of one distribution: small; a shifted one: about the squared shift.
  Rng rng(4);
  Tensor x = normal({4000, 4}, 0, 1, rng, DType::Float64);
  Tensor y = normal({4000, 4}, 0, 1, rng, DType::Float64);
  CHECK(frechet_distance(x, y) < 0.02);
  CHECK(frechet_distance(x, add(y, 2.0)) == Approx(16.0).margin(0.2));
  REQUIRE_THROWS_WITH(frechet_distance(zeros({5, 3}), zeros({5, 4})),
                      Catch::Contains("frechet_distance: feature dims differ: 3 and 4"));
}
