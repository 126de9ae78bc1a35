// Conv2d and ConvTranspose2d: PyTorch's layers (zero padding; groups for Conv2d only) with its default
// initialisation: weight kaiming_uniform_(a = sqrt(5)), bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
//
// Shapes: x [N, C, H, W] (or unbatched [C, H, W]) -> y [N, O, OH, OW], C = in_channels,
// O = out_channels, KH/KW the kernel size.
//   Conv2d           OH = (H + 2*padding - dilation*(KH-1) - 1) / stride + 1   (floor)
//   ConvTranspose2d  OH = (H-1)*stride - 2*padding + dilation*(KH-1) + output_padding + 1
//
//   nash::nn::Conv2d c({.in_channels = 1, .out_channels = 64, .kernel_size = 4, .stride = 2,
//                       .padding = 1});                       // [N, 1, 28, 28] -> [N, 64, 14, 14]
//   nash::nn::ConvTranspose2d t({.in_channels = 64, .out_channels = 1, .kernel_size = 4,
//                                .stride = 2, .padding = 1}); // [N, 64, 14, 14] -> [N, 1, 28, 28]
#pragma once
#include <cstdint>
#include <string>

#include "nn/init.h"
#include "nn/layers/common.h"
#include "nn/module.h"

namespace nash::nn {

struct Conv2dOptions {
  int64_t in_channels = 0;   // C
  int64_t out_channels = 0;  // O
  Size2 kernel_size = 0;     // required, >= 1
  Size2 stride = 1;
  Size2 padding = 0;         // zeros on both sides
  Size2 dilation = 1;
  bool bias = true;
  int64_t groups = 1;        // C and O divisible by it; each group of C/groups inputs feeds O/groups outputs
};

class Conv2d : public Module {
 public:
  Variable weight;  // [O, C / groups, KH, KW]
  Variable bias;    // [O]; undefined (and not a parameter) when options.bias is false
  Conv2dOptions options;

  explicit Conv2d(const Conv2dOptions& options, Rng& rng = default_rng());
  // fan_in = C/groups*KH*KW; weight then bias, like torch's Conv2d.reset_parameters().
  void reset_parameters(Rng& rng = default_rng());
  Variable forward(const Variable& x) override;
  // "1, 64, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1)" (non-default fields only)
  std::string extra_repr() const override;

 protected:
  // For layers that are a Conv2d with another forward (UpsampleConv2d): same parameters and init.
  Conv2d(std::string type_name, const Conv2dOptions& options, Rng& rng);
};

struct ConvTranspose2dOptions {
  int64_t in_channels = 0;   // C
  int64_t out_channels = 0;  // O
  Size2 kernel_size = 0;     // required, >= 1
  Size2 stride = 1;
  Size2 padding = 0;         // removed from both sides of the full output
  Size2 output_padding = 0;  // extra rows/columns at the bottom/right, < stride
  Size2 dilation = 1;
  bool bias = true;
};

class ConvTranspose2d : public Module {
 public:
  Variable weight;  // [C, O, KH, KW] (PyTorch's layout)
  Variable bias;    // [O]; undefined (and not a parameter) when options.bias is false
  ConvTranspose2dOptions options;

  explicit ConvTranspose2d(const ConvTranspose2dOptions& options,
                           Rng& rng = default_rng());
  // As torch: fans from the weight [C, O, KH, KW], so fan_in = O*KH*KW for both weight and bias.
  void reset_parameters(Rng& rng = default_rng());
  Variable forward(const Variable& x) override;
  std::string extra_repr() const override;
};

}  // namespace nash::nn
