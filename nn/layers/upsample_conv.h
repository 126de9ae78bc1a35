// UpsampleConv2d: nearest x2 upsampling followed by a 3x3, stride-1, padding-1 convolution, run
// as one op (upsample_conv2d) on the input grid: 2.25x fewer multiply-adds and no upsampled
// tensor. It is a Conv2d(in, out, kernel_size 3, padding 1) in everything else: the same
// parameters (weight [O, C, 3, 3], bias [O]), names, default initialisation and state_dict,
// so PyTorch's nn.Upsample(scale_factor=2) + nn.Conv2d(in, out, 3, padding=1) maps onto it
// and code that finds convolutions by type (weight init) treats it as one.
//
// Shapes: x [N, C, H, W] (or unbatched [C, H, W]) -> y [N, O, 2H, 2W].
//
//   nash::nn::UpsampleConv2d up({.in_channels = 128, .out_channels = 64});
//   Variable y = up(x);                                 // [N, 128, 14, 14] -> [N, 64, 28, 28]
#pragma once
#include <cstdint>
#include <string>

#include "nn/layers/conv.h"

namespace nash::nn {

struct UpsampleConv2dOptions {
  int64_t in_channels = 0;   // C
  int64_t out_channels = 0;  // O
  bool bias = true;
};

class UpsampleConv2d : public Conv2d {
 public:
  explicit UpsampleConv2d(const UpsampleConv2dOptions& options, Rng& rng = default_rng());
  Variable forward(const Variable& x) override;
  // "128, 64, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), scale_factor=2"
  std::string extra_repr() const override;
};

}  // namespace nash::nn
