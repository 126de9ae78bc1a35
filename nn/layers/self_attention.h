// SAGAN self-attention block (Zhang et al. 2019, section 3), for feature maps of 16x16 and
// below (the attention matrix is [HW, HW] per sample). With L = H W positions:
//   f = W_f x, g = W_g x   [N, C/8, L]  (1x1 convs)      h = W_h x   [N, C/2, L]
//   beta[j, i] = softmax_i(f_i . g_j)                    (how much position j attends to i)
//   o_j = W_v sum_i beta[j, i] h_i                       [N, C, L]  (1x1 conv back to C)
//   y = x + gamma o,  gamma a learned scalar starting at 0 (the block starts as the identity)
// The C/8 and C/2 widths follow the authors' code; with spectral_norm every 1x1 conv is
// wrapped in nn::SpectralNorm (as SAGAN does in both networks). Differentiable twice.
// Shapes: x [N, C, H, W] -> y [N, C, H, W], C >= 8.
//
//   nash::nn::SelfAttention att({.channels = 64});   // at the 16x16 stage
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "nn/init.h"
#include "nn/module.h"

namespace nash::nn {

struct SelfAttentionOptions {
  int64_t channels = 0;        // C
  bool spectral_norm = false;  // wrap the four 1x1 convs
  int64_t max_positions = 256; // H * W above this is an error (16x16)
};

class SelfAttention : public Module {
 public:
  std::shared_ptr<Module> query, key, value, out;  // W_f, W_g, W_h, W_v (Conv2d or SpectralNorm)
  Variable gamma;                                   // [1], starts at 0
  SelfAttentionOptions options;

  explicit SelfAttention(const SelfAttentionOptions& options, Rng& rng = default_rng());
  Variable forward(const Variable& x) override;
  std::string extra_repr() const override;  // "64, spectral_norm=false"
};

}  // namespace nash::nn
