// UpsampleConv2d: a Conv2d(in, out, 3, padding 1) whose forward upsamples its input x2 first,
// through the folded op upsample_conv2d.
#include "nn/layers/upsample_conv.h"

namespace nash::nn {

UpsampleConv2d::UpsampleConv2d(const UpsampleConv2dOptions& o, Rng& rng)
    : Conv2d("UpsampleConv2d",
             Conv2dOptions{.in_channels = o.in_channels, .out_channels = o.out_channels,
                           .kernel_size = 3, .stride = 1, .padding = 1, .bias = o.bias},
             rng) {}

Variable UpsampleConv2d::forward(const Variable& x) {
  const int64_t C = options.in_channels;
  NASH_CHECK((x.dim() == 4 && x.size(1) == C) || (x.dim() == 3 && x.size(0) == C),
             "UpsampleConv2d(", extra_repr(), "): expected input [N, ", C, ", H, W], got ",
             x.shape());
  if (x.dim() == 3) return squeeze(upsample_conv2d(unsqueeze(x, 0), weight, bias), 0);
  return upsample_conv2d(x, weight, bias);
}

std::string UpsampleConv2d::extra_repr() const {
  return Conv2d::extra_repr() + ", scale_factor=2";
}

}  // namespace nash::nn
