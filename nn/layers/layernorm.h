// LayerNorm (Ba et al. 2016) as PyTorch's nn.LayerNorm: normalise over the trailing dims given
// by normalized_shape, per sample, with the biased variance; no running statistics.
//   y = (x - mean) / sqrt(var + eps) * weight + bias,  mean/var over the last k dims
// Shapes: x [..., *normalized_shape] -> y like x; weight, bias [*normalized_shape].
#pragma once
#include <cstdint>
#include <string>

#include "nn/module.h"

namespace nash::nn {

struct LayerNormOptions {
  Shape normalized_shape = {};   // the trailing dims to normalise over, e.g. {64} or {C, H, W}
  double eps = 1e-5;
  bool elementwise_affine = true;  // learnable weight (ones) and, if bias, bias (zeros)
  bool bias = true;
};

class LayerNorm : public Module {
 public:
  Variable weight;  // [*normalized_shape]; undefined without elementwise_affine
  Variable bias;    // [*normalized_shape]; undefined without elementwise_affine or bias
  LayerNormOptions options;

  explicit LayerNorm(const LayerNormOptions& options);
  explicit LayerNorm(int64_t normalized_size);  // LayerNorm over the last dim
  void reset_parameters();
  Variable forward(const Variable& x) override;
  std::string extra_repr() const override;  // "[64], eps=1e-05, elementwise_affine=true"
};

}  // namespace nash::nn
