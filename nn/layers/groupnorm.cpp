// GroupNorm / InstanceNorm2d: one normalisation over [N, G, rest] as Variable ops, then the
// per-channel affine.
#include "nn/layers/groupnorm.h"

#include "nn/layers/common.h"
#include "tensor/ops.h"

namespace nash::nn {

namespace {
// x [N, C, ...] normalised per (n, group) over the group's channels and positions, then
// y * weight + bias with weight, bias [C] broadcast as [1, C, 1, ...].
Variable group_normalise(const Variable& x, int64_t groups, double eps, const Variable& weight,
                         const Variable& bias) {
  const int64_t n = x.size(0);
  Variable g = reshape(x, {n, groups, -1});
  Variable centred = g - mean(g, {2}, /*keepdim=*/true);
  Variable variance = mean(centred * centred, {2}, /*keepdim=*/true);  // biased
  Variable y = reshape(centred * rdiv(sqrt(variance + eps), 1.0), x.shape());
  if (!weight.defined()) return y;
  Shape s(x.dim(), 1);
  s[1] = x.size(1);
  return y * reshape(weight, s) + reshape(bias, s);
}

}  // namespace

// ---- GroupNorm ---------------------------------------------------------------------------------
GroupNorm::GroupNorm(const GroupNormOptions& o) : Module("GroupNorm"), options(o) {
  NASH_CHECK(o.num_groups >= 1 && o.num_channels >= 1 && o.num_channels % o.num_groups == 0,
             "GroupNorm: num_channels ", o.num_channels, " must be a positive multiple of ",
             "num_groups ", o.num_groups);
  NASH_CHECK(o.eps > 0.0, "GroupNorm: eps must be positive, got ", o.eps);
  if (o.affine) {
    register_parameter("weight", weight, ones({o.num_channels}));
    register_parameter("bias", bias, zeros({o.num_channels}));
  }
}
GroupNorm::GroupNorm(int64_t num_groups, int64_t num_channels)
    : GroupNorm(GroupNormOptions{.num_groups = num_groups, .num_channels = num_channels}) {}

void GroupNorm::reset_parameters() {
  NoGradGuard no_grad;
  if (weight.defined()) fill_(weight.mutable_value(), 1.0);
  if (bias.defined()) zero_(bias.mutable_value());
}

Variable GroupNorm::forward(const Variable& x) {
  NASH_CHECK(x.dim() >= 2 && x.size(1) == options.num_channels, "GroupNorm(", extra_repr(),
             "): expected input [N, ", options.num_channels, ", ...], got ", x.shape());
  return group_normalise(x, options.num_groups, options.eps, weight, bias);
}

std::string GroupNorm::extra_repr() const {
  return std::to_string(options.num_groups) + ", " + std::to_string(options.num_channels) +
         ", eps=" + repr::real(options.eps) + ", affine=" + repr::boolean(options.affine);
}

// ---- InstanceNorm2d ----------------------------------------------------------------------------
InstanceNorm2d::InstanceNorm2d(const InstanceNormOptions& o)
    : Module("InstanceNorm2d"), options(o) {
  NASH_CHECK(o.num_features >= 1, "InstanceNorm2d: num_features must be positive, got ",
             o.num_features);
  NASH_CHECK(o.eps > 0.0, "InstanceNorm2d: eps must be positive, got ", o.eps);
  if (o.affine) {
    register_parameter("weight", weight, ones({o.num_features}));
    register_parameter("bias", bias, zeros({o.num_features}));
  }
}
InstanceNorm2d::InstanceNorm2d(int64_t num_features)
    : InstanceNorm2d(InstanceNormOptions{.num_features = num_features}) {}

void InstanceNorm2d::reset_parameters() {
  NoGradGuard no_grad;
  if (weight.defined()) fill_(weight.mutable_value(), 1.0);
  if (bias.defined()) zero_(bias.mutable_value());
}

Variable InstanceNorm2d::forward(const Variable& x) {
  const int64_t c = options.num_features;
  NASH_CHECK((x.dim() == 4 && x.size(1) == c) || (x.dim() == 3 && x.size(0) == c),
             "InstanceNorm2d(", extra_repr(), "): expected input [N, ", c, ", H, W] or [", c,
             ", H, W], got ", x.shape());
  if (x.dim() == 3) return squeeze(forward(unsqueeze(x, 0)), 0);
  return group_normalise(x, c, options.eps, weight, bias);
}

std::string InstanceNorm2d::extra_repr() const {
  return std::to_string(options.num_features) + ", eps=" + repr::real(options.eps) +
         ", affine=" + repr::boolean(options.affine);
}

}  // namespace nash::nn
