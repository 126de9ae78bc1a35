// The toy data sets of the GAN literature, sampled on demand from a seeded Rng.
//   gaussian1d: x ~ N(4, 1.25^2), shape [n, 1]; generator noise z ~ U[0, 1) (so G must learn a
//               non-linear map, not a shift and scale).
//   ring:       8 Gaussians, centres (cos 2*pi*i/8, sin 2*pi*i/8), std 0.01, shape [n, 2].
//   grid:       25 Gaussians centred at {-4, -2, 0, 2, 4}^2, std 0.05, shape [n, 2].
// (the PacGAN / VEEGAN definitions).
#pragma once
#include <array>
#include <string>
#include <vector>

#include "tensor/random.h"
#include "tensor/tensor.h"

namespace nash::gan {

constexpr double kGaussianMean = 4.0;
constexpr double kGaussianStd = 1.25;

// A mixture of isotropic 2-D Gaussians with equal weights.
struct Mixture2d {
  std::vector<std::array<double, 2>> centres;
  double std = 0.0;
};
Mixture2d ring_mixture();  // 8 modes, radius 1, std 0.01
Mixture2d grid_mixture();  // 25 modes, spacing 2, std 0.05

Tensor sample_gaussian1d(int64_t n, Rng& rng, DType dtype = DType::Float32);
Tensor sample_mixture(const Mixture2d& mixture, int64_t n, Rng& rng,
                      DType dtype = DType::Float32);

// Real samples for a toy data set by name: "gaussian1d", "ring" or "grid".
class ToyData {
 public:
  explicit ToyData(const std::string& name);
  const std::string& name() const { return name_; }
  int64_t dim() const { return name_ == "gaussian1d" ? 1 : 2; }
  Tensor sample(int64_t n, Rng& rng) const;
  // The mixture behind ring/grid (throws for gaussian1d).
  const Mixture2d& mixture() const;

 private:
  std::string name_;
  Mixture2d mixture_;
};

}  // namespace nash::gan
