// LayerNorm: mean and biased variance over the trailing dims as Variable ops.
#include "nn/layers/layernorm.h"

#include "nn/layers/common.h"
#include "tensor/ops.h"

namespace nash::nn {

LayerNorm::LayerNorm(const LayerNormOptions& o) : Module("LayerNorm"), options(o) {
  NASH_CHECK(!o.normalized_shape.empty(), "LayerNorm: normalized_shape must not be empty");
  for (int64_t s : o.normalized_shape)
    NASH_CHECK(s > 0, "LayerNorm: normalized_shape must be positive, got ", o.normalized_shape);
  NASH_CHECK(o.eps > 0.0, "LayerNorm: eps must be positive, got ", o.eps);
  if (o.elementwise_affine) {
    register_parameter("weight", weight, ones(o.normalized_shape));
    if (o.bias) register_parameter("bias", bias, zeros(o.normalized_shape));
  }
}

LayerNorm::LayerNorm(int64_t normalized_size)
    : LayerNorm(LayerNormOptions{.normalized_shape = {normalized_size}}) {}

void LayerNorm::reset_parameters() {
  NoGradGuard no_grad;
  if (weight.defined()) fill_(weight.mutable_value(), 1.0);
  if (bias.defined()) zero_(bias.mutable_value());
}

Variable LayerNorm::forward(const Variable& x) {
  const Shape& ns = options.normalized_shape;
  const int64_t k = static_cast<int64_t>(ns.size());
  bool ok = x.dim() >= k;
  for (int64_t i = 0; ok && i < k; ++i) ok = x.size(x.dim() - k + i) == ns[i];
  std::string want = shape_str(ns);  // "[..., 64]"
  NASH_CHECK(ok, "LayerNorm(", extra_repr(), "): expected input [..., ", want.substr(1),
             ", got ", x.shape());
  std::vector<int64_t> dims;
  for (int64_t i = 0; i < k; ++i) dims.push_back(x.dim() - k + i);
  Variable centred = x - mean(x, dims, /*keepdim=*/true);
  Variable variance = mean(centred * centred, dims, /*keepdim=*/true);  // biased
  Variable y = centred * rdiv(sqrt(variance + options.eps), 1.0);
  if (weight.defined()) y = y * weight;  // [*normalized_shape] broadcasts over the leading dims
  if (bias.defined()) y = y + bias;
  return y;
}

std::string LayerNorm::extra_repr() const {
  return shape_str(options.normalized_shape) + ", eps=" + repr::real(options.eps) +
         ", elementwise_affine=" + repr::boolean(options.elementwise_affine);
}

}  // namespace nash::nn
