// MaxPool2d, AvgPool2d, AdaptiveAvgPool2d and Upsample (nearest or bilinear), as PyTorch's
// layers (without dilation or divisor_override; AvgPool2d counts the zero padding, PyTorch's
// default).
// Shapes: x [N, C, H, W] (or unbatched [C, H, W]) -> y [N, C, OH, OW];
//   pooling   OH = (H + 2*padding - kernel) / stride + 1   (floor; padding <= kernel / 2), or
//             with ceil_mode rounded up, less one if the last window would start in the
//             bottom padding (windows past the input are clipped, as torch)
//   adaptive  OH = output_size.h: bins [floor(i H / OH), ceil((i + 1) H / OH))
//   Upsample  OH = H * scale_factor
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "nn/layers/common.h"
#include "nn/module.h"

namespace nash::nn {

struct Pool2dOptions {
  Size2 kernel_size = 0;         // required, >= 1
  std::optional<Size2> stride = std::nullopt;  // default: kernel_size
  Size2 padding = 0;             // <= kernel_size / 2
  bool ceil_mode = false;        // round the output size up (see above)
};

class MaxPool2d : public Module {
 public:
  Pool2dOptions options;
  explicit MaxPool2d(const Pool2dOptions& options);
  explicit MaxPool2d(Size2 kernel_size);
  Variable forward(const Variable& x) override;
  std::string extra_repr() const override;  // "kernel_size=2, stride=2, padding=0"
};

class AvgPool2d : public Module {
 public:
  Pool2dOptions options;
  explicit AvgPool2d(const Pool2dOptions& options);
  explicit AvgPool2d(Size2 kernel_size);
  Variable forward(const Variable& x) override;
  std::string extra_repr() const override;
};

class AdaptiveAvgPool2d : public Module {
 public:
  Size2 output_size;
  explicit AdaptiveAvgPool2d(Size2 output_size);
  Variable forward(const Variable& x) override;
  std::string extra_repr() const override;  // "output_size=(1, 1)"
};

// Nearest copies each pixel into a scale x scale block; Bilinear interpolates (see
// upsample_bilinear2d in autograd/ops.h for align_corners).
enum class UpsampleMode { Nearest, Bilinear };

struct UpsampleOptions {
  int64_t scale_factor = 2;  // an integer factor, the same for H and W
  UpsampleMode mode = UpsampleMode::Nearest;
  bool align_corners = false;  // Bilinear only
};

class Upsample : public Module {
 public:
  UpsampleOptions options;
  explicit Upsample(const UpsampleOptions& options = {});
  explicit Upsample(int64_t scale_factor);
  Variable forward(const Variable& x) override;
  // "scale_factor=2, mode=nearest", "scale_factor=2, mode=bilinear, align_corners=false"
  std::string extra_repr() const override;
};

}  // namespace nash::nn
