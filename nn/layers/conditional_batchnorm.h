// Conditional BatchNorm2d (de Vries et al. 2017; the class-conditional form of Miyato & Koyama
// 2018 and BigGAN): batch normalisation without its own affine, followed by a gain and a bias
// chosen per sample by its class label from two embedding tables:
//   y = BN(x) * weight[labels][:, :, None, None] + bias[labels][:, :, None, None]
// BN keeps PyTorch's running statistics (train/eval) exactly as nn::BatchNorm2d does.
// Shapes: x [N, C, H, W], labels int64 [N] in [0, K) -> y [N, C, H, W]; weight, bias [K, C]
// (weight starts at ones, bias at zeros, so a fresh layer is a plain BatchNorm2d).
//
//   nash::nn::ConditionalBatchNorm2d bn({.num_features = 128, .num_classes = 10});
//   Variable y = bn.forward(h, labels);
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "nn/layers/batchnorm.h"
#include "nn/module.h"

namespace nash::nn {

struct ConditionalBatchNormOptions {
  int64_t num_features = 0;  // C
  int64_t num_classes = 0;   // K
  double eps = 1e-5;
  double momentum = 0.1;
};

class ConditionalBatchNorm2d : public Module {
 public:
  Variable weight;  // [K, C] per-class gains
  Variable bias;    // [K, C] per-class biases
  std::shared_ptr<BatchNorm2d> norm;  // affine = false, with running statistics
  ConditionalBatchNormOptions options;

  explicit ConditionalBatchNorm2d(const ConditionalBatchNormOptions& options);
  void reset_parameters();  // running stats reset, weight = 1, bias = 0
  Variable forward(const Variable& x, const Tensor& labels);
  // Throws: the layer needs labels.
  Variable forward(const Variable& x) override;
  std::string extra_repr() const override;  // "128, num_classes=10, eps=1e-05, momentum=0.1"
};

}  // namespace nash::nn
