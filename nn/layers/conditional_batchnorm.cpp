// Conditional BatchNorm2d: nn::BatchNorm2d (affine off) then per-class gain and bias looked up
// with the differentiable embedding op, so gradients reach both tables and x (twice).
#include "nn/layers/conditional_batchnorm.h"

#include "nn/layers/common.h"
#include "tensor/creation.h"
#include "tensor/ops.h"

namespace nash::nn {

ConditionalBatchNorm2d::ConditionalBatchNorm2d(const ConditionalBatchNormOptions& o)
    : Module("ConditionalBatchNorm2d"), options(o) {
  NASH_CHECK(o.num_features > 0 && o.num_classes > 0,
             "ConditionalBatchNorm2d: num_features and num_classes must be positive, got ",
             o.num_features, " and ", o.num_classes);
  register_parameter("weight", weight, ones({o.num_classes, o.num_features}));
  register_parameter("bias", bias, zeros({o.num_classes, o.num_features}));
  norm = register_module("norm", std::make_shared<BatchNorm2d>(BatchNormOptions{
                                     .num_features = o.num_features, .eps = o.eps,
                                     .momentum = o.momentum, .affine = false}));
}

void ConditionalBatchNorm2d::reset_parameters() {
  norm->reset_running_stats();
  NoGradGuard no_grad;
  fill_(weight.mutable_value(), 1.0);
  zero_(bias.mutable_value());
}

Variable ConditionalBatchNorm2d::forward(const Variable& x, const Tensor& labels) {
  const int64_t c = options.num_features, k = options.num_classes;
  NASH_CHECK(x.dim() == 4 && x.size(1) == c, "ConditionalBatchNorm2d(", extra_repr(),
             "): expected input [N, C, H, W] with C = ", c, ", got ", x.shape());
  NASH_CHECK(labels.defined() && labels.dtype() == DType::Int64 && labels.shape() == Shape{x.size(0)},
             "ConditionalBatchNorm2d: expected int64 labels [", x.size(0), "] for input ",
             x.shape(), ", got ", labels.defined() ? shape_str(labels.shape()) : "undefined");
  for (int64_t y : labels.values<int64_t>())
    NASH_CHECK(y >= 0 && y < k, "ConditionalBatchNorm2d: labels must be in [0, ", k, "), got ", y);
  const Shape per_sample{x.size(0), c, 1, 1};
  Variable gain = reshape(embedding(weight, labels), per_sample);  // [N, C, 1, 1]
  Variable shift = reshape(embedding(bias, labels), per_sample);
  return norm->forward(x) * gain + shift;
}

Variable ConditionalBatchNorm2d::forward(const Variable& x) {
  fail("ConditionalBatchNorm2d: forward needs class labels: call forward(x, labels); got input ",
       x.shape(), " alone");
}

std::string ConditionalBatchNorm2d::extra_repr() const {
  return std::to_string(options.num_features) + ", num_classes=" + std::to_string(options.num_classes) +
         ", eps=" + repr::real(options.eps) + ", momentum=" + repr::real(options.momentum);
}

}  // namespace nash::nn
