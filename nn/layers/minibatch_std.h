// Minibatch standard deviation (Karras et al. 2018, ProGAN section 3): appends to a
// discriminator's features one channel holding how much the samples of a group differ, so D
// can see a lack of variety (mode collapse) that no single sample shows.
//   x [N, C, H, W] split into groups of G samples (sample n is in group member n / (N / G),
//   as ProGAN's reshape(G, -1, C, H, W) does), then per group position:
//     s = mean over (C, H, W) of sqrt(var over the G members + eps)   (var biased, / G)
//   and s is broadcast to one extra channel: y [N, C + 1, H, W].
// G = min(group_size, N); N must be a multiple of G. Differentiable twice (a gradient penalty
// can pass through it); eps keeps sqrt smooth at zero variance.
//
//   nash::nn::MinibatchStd mbstd({.group_size = 4});   // [64, 128, 4, 4] -> [64, 129, 4, 4]
#pragma once
#include <cstdint>
#include <string>

#include "nn/module.h"

namespace nash::nn {

struct MinibatchStdOptions {
  int64_t group_size = 4;  // G
  double eps = 1e-8;
};

class MinibatchStd : public Module {
 public:
  MinibatchStdOptions options;

  explicit MinibatchStd(const MinibatchStdOptions& options = {});
  Variable forward(const Variable& x) override;
  std::string extra_repr() const override;  // "group_size=4, eps=1e-08"
};

}  // namespace nash::nn
