// nn::init: gains and fans as torch.nn.init computes them, the bounds and spreads of every
// initialiser on large tensors, orthogonality (and the sign convention) of orthogonal_, and
// reproducibility from a seed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "nn/init.h"
#include "nn/layers/linear.h"
#include "nn/layer_testing.h"
#include "tensor/ops.h"

using namespace nash;
using namespace nash::nn;
using nash::nn::init::FanMode;
using nash::nn::init::Nonlinearity;
using nash::test::error_of;
using Catch::Matchers::Contains;

namespace {
struct Stats {
  double mean = 0, std = 0, min = 0, max = 0;
};
Stats stats_of(const Variable& v) {
  std::vector<double> x = v.value().to_vector();
  Stats s;
  s.min = *std::min_element(x.begin(), x.end());
  s.max = *std::max_element(x.begin(), x.end());
  for (double e : x) s.mean += e;
  s.mean /= static_cast<double>(x.size());
  for (double e : x) s.std += (e - s.mean) * (e - s.mean);
  s.std = std::sqrt(s.std / static_cast<double>(x.size() - 1));
  return s;
}
Variable param(const Shape& shape) { return Variable(zeros(shape), true); }
Tensor identity(int64_t n) {
  std::vector<double> v(static_cast<size_t>(n * n), 0.0);
  for (int64_t i = 0; i < n; ++i) v[i * n + i] = 1.0;
  return from_vector(v, {n, n});
}

// U(-b, b): all inside, the extremes near b, std b / sqrt(3).
void require_uniform(const Variable& w, double bound) {
  Stats s = stats_of(w);
  REQUIRE(s.min >= -bound);
  REQUIRE(s.max <= bound);
  REQUIRE(s.max > 0.99 * bound);
  REQUIRE(s.min < -0.99 * bound);
  REQUIRE(s.std == Approx(bound / std::sqrt(3.0)).epsilon(0.02));
  REQUIRE(std::abs(s.mean) < 0.02 * bound);
}
void require_normal(const Variable& w, double std) {
  Stats s = stats_of(w);
  REQUIRE(s.std == Approx(std).epsilon(0.02));
  REQUIRE(std::abs(s.mean) < 0.02 * std);
}
}  // namespace

TEST_CASE("init: calculate_gain matches torch.nn.init.calculate_gain", "[nn]") {
  using init::calculate_gain;
  CHECK(calculate_gain(Nonlinearity::Linear) == 1.0);
  CHECK(calculate_gain(Nonlinearity::Conv2d) == 1.0);
  CHECK(calculate_gain(Nonlinearity::ConvTranspose2d) == 1.0);
  CHECK(calculate_gain(Nonlinearity::Sigmoid) == 1.0);
  CHECK(calculate_gain(Nonlinearity::Tanh) == Approx(5.0 / 3.0));
  CHECK(calculate_gain(Nonlinearity::ReLU) == Approx(std::sqrt(2.0)));
  CHECK(calculate_gain(Nonlinearity::SELU) == Approx(0.75));
  CHECK(calculate_gain(Nonlinearity::LeakyReLU) == Approx(std::sqrt(2.0 / (1.0 + 0.01 * 0.01))));
  CHECK(calculate_gain(Nonlinearity::LeakyReLU, 0.2) == Approx(std::sqrt(2.0 / 1.04)));
  CHECK(calculate_gain(Nonlinearity::LeakyReLU, std::sqrt(5.0)) == Approx(std::sqrt(1.0 / 3.0)));
  CHECK(calculate_gain(Nonlinearity::LeakyReLU, 0.0) == Approx(std::sqrt(2.0)));
}

TEST_CASE("init: fans like torch's _calculate_fan_in_and_fan_out", "[nn]") {
  auto f = init::calculate_fan_in_and_fan_out({3, 4});
  CHECK(f.fan_in == 4);
  CHECK(f.fan_out == 3);
  f = init::calculate_fan_in_and_fan_out({16, 8, 3, 5});  // conv [O, C, KH, KW]
  CHECK(f.fan_in == 8 * 15);
  CHECK(f.fan_out == 16 * 15);
  CHECK_THAT(error_of([] { init::calculate_fan_in_and_fan_out({5}); }),
             Contains("fewer than 2 dimensions, got [5]"));
}

TEST_CASE("init: uniform_, normal_, constant_, zeros_, ones_", "[nn]") {
  Rng rng(1);
  Variable w = param({200, 300});
  const Tensor storage = w.value();
  init::uniform_(w, -0.5, 1.5, rng);
  Stats s = stats_of(w);
  CHECK(s.min >= -0.5);
  CHECK(s.max < 1.5);
  CHECK(s.mean == Approx(0.5).margin(0.01));
  CHECK(s.std == Approx(2.0 / std::sqrt(12.0)).epsilon(0.02));
  CHECK(w.value().shares_storage(storage));  // in place: views and state_dict see it
  CHECK(w.is_leaf());

  init::normal_(w, 3.0, 0.5, rng);
  s = stats_of(w);
  CHECK(s.mean == Approx(3.0).margin(0.01));
  CHECK(s.std == Approx(0.5).epsilon(0.02));

  init::constant_(w, 0.25);
  CHECK(stats_of(w).min == 0.25);
  CHECK(stats_of(w).max == 0.25);
  init::ones_(w);
  CHECK(stats_of(w).min == 1.0);
  init::zeros_(w);
  CHECK(stats_of(w).max == 0.0);
  CHECK(w.value().shares_storage(storage));
}

TEST_CASE("init: kaiming_uniform_ and kaiming_normal_ bounds and spread", "[nn]") {
  Rng rng(2);
  Variable w = param({256, 512});
  // relu gain sqrt(2), fan_in 512: bound = sqrt(3) sqrt(2) / sqrt(512)
  init::kaiming_uniform_(w, 0.0, FanMode::FanIn, Nonlinearity::ReLU, rng);
  require_uniform(w, std::sqrt(6.0 / 512.0));
  // default leaky_relu with a = sqrt(5) (Linear's default): bound = 1 / sqrt(fan_in)
  init::kaiming_uniform_(w, std::sqrt(5.0), FanMode::FanIn, Nonlinearity::LeakyReLU, rng);
  require_uniform(w, 1.0 / std::sqrt(512.0));
  // fan_out with leaky_relu 0.2
  init::kaiming_uniform_(w, 0.2, FanMode::FanOut, Nonlinearity::LeakyReLU, rng);
  require_uniform(w, std::sqrt(3.0) * std::sqrt(2.0 / 1.04) / std::sqrt(256.0));

  Variable c = param({64, 32, 4, 4});  // conv: fan_in 512, fan_out 1024
  init::kaiming_normal_(c, 0.0, FanMode::FanOut, Nonlinearity::ReLU, rng);
  require_normal(c, std::sqrt(2.0) / std::sqrt(1024.0));
  init::kaiming_normal_(c, 0.0, FanMode::FanIn, Nonlinearity::ReLU, rng);
  require_normal(c, std::sqrt(2.0) / std::sqrt(512.0));
}

TEST_CASE("init: xavier_uniform_ and xavier_normal_ bounds and spread", "[nn]") {
  Rng rng(3);
  Variable w = param({300, 500});
  init::xavier_uniform_(w, 1.0, rng);
  require_uniform(w, std::sqrt(6.0 / 800.0));
  init::xavier_uniform_(w, init::calculate_gain(Nonlinearity::Tanh), rng);
  require_uniform(w, 5.0 / 3.0 * std::sqrt(6.0 / 800.0));
  init::xavier_normal_(w, 2.0, rng);
  require_normal(w, 2.0 * std::sqrt(2.0 / 800.0));
}

TEST_CASE("init: orthogonal_ gives orthonormal rows or columns, times gain", "[nn]") {
  Rng rng(4);
  auto gram = [](const Variable& w, bool rows) {
    Tensor m = w.value().reshape({w.size(0), -1}).to(DType::Float64);
    return rows ? matmul(m, m.t()) : matmul(m.t(), m);
  };
  SECTION("wide [64, 128]: W W^T = I") {
    Variable w = param({64, 128});
    init::orthogonal_(w, 1.0, rng);
    REQUIRE(allclose(gram(w, true), identity(64), 0, 1e-5));
  }
  SECTION("tall [128, 64]: W^T W = I") {
    Variable w = param({128, 64});
    init::orthogonal_(w, 1.0, rng);
    REQUIRE(allclose(gram(w, false), identity(64), 0, 1e-5));
  }
  SECTION("conv [16, 8, 3, 3] viewed as [16, 72], gain 2: W W^T = 4 I") {
    Variable w = param({16, 8, 3, 3});
    init::orthogonal_(w, 2.0, rng);
    REQUIRE(allclose(gram(w, true), mul(identity(16), 4.0), 0, 1e-5));
  }
  SECTION("float64 square: exact to 1e-12") {
    Variable w(zeros({50, 50}, DType::Float64), true);
    init::orthogonal_(w, 1.0, rng);
    REQUIRE(allclose(gram(w, true), identity(50), 0, 1e-12));
    REQUIRE(allclose(gram(w, false), identity(50), 0, 1e-12));
  }
  SECTION("a vector is refused") {
    CHECK_THAT(error_of([&] {
                 Variable v = param({5});
                 init::orthogonal_(v, 1.0, rng);
               }),
               Contains("2 or more dimensions are supported, got [5]"));
  }
}

TEST_CASE("init: orthogonal_ is the sign-corrected Q of a normal draw (Gram-Schmidt)", "[nn]") {
  // With diag(R) made positive, Q is unique: Gram-Schmidt on the columns of the same N(0, 1)
  // matrix must give it. Wide case: torch factors the transpose, so Q^T's rows are the
  // Gram-Schmidt of the draw's rows.
  for (Shape shape : {Shape{7, 4}, Shape{4, 7}}) {
    const int64_t rows = shape[0], cols = shape[1];
    Rng g1(11), g2(11);
    Variable w(zeros(shape, DType::Float64), true);
    init::orthogonal_(w, 1.0, g1);
    std::vector<double> a = normal(shape, 0.0, 1.0, g2, DType::Float64).to_vector();
    // Orthonormalise the shorter side's vectors in order (columns if tall, rows if wide).
    const bool wide = rows < cols;
    const int64_t count = wide ? rows : cols, len = wide ? cols : rows;
    auto at = [&](std::vector<double>& m, int64_t vec, int64_t i) -> double& {
      return wide ? m[vec * cols + i] : m[i * cols + vec];
    };
    for (int64_t k = 0; k < count; ++k) {
      for (int64_t j = 0; j < k; ++j) {
        double dot = 0;
        for (int64_t i = 0; i < len; ++i) dot += at(a, k, i) * at(a, j, i);
        for (int64_t i = 0; i < len; ++i) at(a, k, i) -= dot * at(a, j, i);
      }
      double norm = 0;
      for (int64_t i = 0; i < len; ++i) norm += at(a, k, i) * at(a, k, i);
      for (int64_t i = 0; i < len; ++i) at(a, k, i) /= std::sqrt(norm);
    }
    INFO("shape " << shape_str(shape));
    REQUIRE(allclose(w.value(), from_vector(a, shape), 0, 1e-10));
  }
}

TEST_CASE("init: manual_seed makes default initialisation reproducible", "[nn]") {
  manual_seed(7);
  Linear a(20, 10);
  manual_seed(7);
  Linear b(20, 10);
  Linear c(20, 10);  // the stream moved on
  CHECK(equal(a.weight.value(), b.weight.value()));
  CHECK(equal(a.bias.value(), b.bias.value()));
  CHECK_FALSE(equal(b.weight.value(), c.weight.value()));
  Rng g1(3), g2(3);
  Linear d(20, 10, true, g1), e(20, 10, g2);
  CHECK(equal(d.weight.value(), e.weight.value()));
  CHECK(default_rng().seed() == 7);
}
