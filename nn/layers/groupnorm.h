// GroupNorm and InstanceNorm2d as PyTorch's layers: per-sample normalisation over groups of
// channels (and all their positions), with the biased variance and no running statistics, so
// training and eval compute the same thing.
//   GroupNorm       x [N, C, ...]: channels split into G groups of C/G; mean/var per (n, group)
//   InstanceNorm2d  x [N, C, H, W] or [C, H, W]: mean/var per (n, c) over H, W (GroupNorm with
//                   G = C)
//   y = (x - mean) / sqrt(var + eps) * weight[c] + bias[c]   (weight, bias [C] when affine)
// torch's defaults: GroupNorm affine, InstanceNorm2d not (and InstanceNorm2d's
// track_running_stats, off by default in torch, is not offered).
#pragma once
#include <cstdint>
#include <string>

#include "nn/module.h"

namespace nash::nn {

struct GroupNormOptions {
  int64_t num_groups = 0;    // G, >= 1, divides num_channels
  int64_t num_channels = 0;  // C
  double eps = 1e-5;
  bool affine = true;        // learnable weight (ones) and bias (zeros), [C]
};

class GroupNorm : public Module {
 public:
  Variable weight;  // [C]; undefined without affine
  Variable bias;    // [C]; undefined without affine
  GroupNormOptions options;

  explicit GroupNorm(const GroupNormOptions& options);
  GroupNorm(int64_t num_groups, int64_t num_channels);
  void reset_parameters();  // weight = 1, bias = 0
  Variable forward(const Variable& x) override;
  std::string extra_repr() const override;  // "2, 8, eps=1e-05, affine=true"
};

struct InstanceNormOptions {
  int64_t num_features = 0;  // C
  double eps = 1e-5;
  bool affine = false;       // learnable weight (ones) and bias (zeros), [C]
};

class InstanceNorm2d : public Module {
 public:
  Variable weight;  // [C]; undefined without affine
  Variable bias;    // [C]; undefined without affine
  InstanceNormOptions options;

  explicit InstanceNorm2d(const InstanceNormOptions& options);
  explicit InstanceNorm2d(int64_t num_features);
  void reset_parameters();  // weight = 1, bias = 0
  Variable forward(const Variable& x) override;
  std::string extra_repr() const override;  // "8, eps=1e-05, affine=false"
};

}  // namespace nash::nn
