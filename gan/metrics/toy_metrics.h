// What a toy GAN learned, measured on generated samples.
//   gaussian1d: mean, std and the Kolmogorov-Smirnov distance to N(4, 1.25^2).
//   ring/grid:  modes covered, share of high-quality samples, reverse KL of the high-quality
//               samples' mode histogram to uniform (the PacGAN / VEEGAN definitions).
#pragma once
#include <vector>

#include "gan/data/toy.h"
#include "tensor/tensor.h"

namespace nash::gan {

struct GaussianStats {
  double mean = 0, std = 0, ks = 0;
};
// samples [n, 1] or [n]; KS = sup_x |F_n(x) - Phi((x - mean) / std)| against N(mean, std^2).
GaussianStats gaussian_stats(const Tensor& samples, double target_mean = kGaussianMean,
                             double target_std = kGaussianStd);

struct ModeStats {
  int64_t modes_covered = 0;       // modes with >= 1 high-quality sample nearest to them
  int64_t num_modes = 0;
  double high_quality = 0;         // fraction of samples within 3 std of their nearest centre
  double reverse_kl = 0;           // KL(p_hq || uniform) over modes; 0 when perfectly balanced
  std::vector<int64_t> histogram;  // high-quality samples per mode
};
// samples [n, 2]. A sample is high quality when within 3 std of its nearest centre.
ModeStats mode_stats(const Tensor& samples, const Mixture2d& mixture);

}  // namespace nash::gan
