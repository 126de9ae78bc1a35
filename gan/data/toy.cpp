// Toy data samplers: a Gaussian in 1-D and the ring / grid mixtures in 2-D.
#include "gan/data/toy.h"

#include <cmath>
#include <numbers>

#include "tensor/creation.h"
#include "tensor/ops.h"

namespace nash::gan {

Mixture2d ring_mixture() {
  Mixture2d m;
  for (int i = 0; i < 8; ++i) {
    double angle = 2.0 * std::numbers::pi * i / 8.0;
    m.centres.push_back({std::cos(angle), std::sin(angle)});
  }
  m.std = 0.01;
  return m;
}

Mixture2d grid_mixture() {
  Mixture2d m;
  for (int i = -2; i <= 2; ++i)
    for (int j = -2; j <= 2; ++j) m.centres.push_back({2.0 * i, 2.0 * j});
  m.std = 0.05;
  return m;
}

Tensor sample_gaussian1d(int64_t n, Rng& rng, DType dtype) {
  NASH_CHECK(n >= 0, "sample_gaussian1d: n must be >= 0, got ", n);
  return normal({n, 1}, kGaussianMean, kGaussianStd, rng, dtype);
}

// x = centre[k] + std * e, k uniform over the modes, e ~ N(0, I).
Tensor sample_mixture(const Mixture2d& mixture, int64_t n, Rng& rng, DType dtype) {
  NASH_CHECK(n >= 0, "sample_mixture: n must be >= 0, got ", n);
  NASH_CHECK(!mixture.centres.empty(), "sample_mixture: the mixture has no modes");
  auto k = static_cast<int64_t>(mixture.centres.size());
  Tensor modes = randint({n}, 0, k, rng);
  std::vector<double> centres;
  for (const auto& c : mixture.centres) centres.insert(centres.end(), {c[0], c[1]});
  Tensor table = from_vector(centres, {k, 2}).to(dtype);
  return index_select(table, 0, modes) + normal({n, 2}, 0.0, mixture.std, rng, dtype);
}

ToyData::ToyData(const std::string& name) : name_(name) {
  if (name == "ring") {
    mixture_ = ring_mixture();
  } else if (name == "grid") {
    mixture_ = grid_mixture();
  } else {
    NASH_CHECK(name == "gaussian1d", "ToyData: unknown data set '", name,
               "' (expected gaussian1d, ring or grid)");
  }
}

Tensor ToyData::sample(int64_t n, Rng& rng) const {
  return name_ == "gaussian1d" ? sample_gaussian1d(n, rng) : sample_mixture(mixture_, n, rng);
}

const Mixture2d& ToyData::mixture() const {
  NASH_CHECK(name_ != "gaussian1d", "ToyData: gaussian1d is not a mixture");
  return mixture_;
}

}  // namespace nash::gan
