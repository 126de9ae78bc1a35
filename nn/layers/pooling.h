// MaxPool2d, AvgPool2d and nearest Upsample, as PyTorch's layers (without dilation, ceil_mode
// or divisor_override; AvgPool2d counts the zero padding, PyTorch's default).
// Shapes: x [N, C, H, W] (or unbatched [C, H, W]) -> y [N, C, OH, OW];
//   pooling   OH = (H + 2*padding - kernel) / stride + 1   (floor; padding <= kernel / 2)
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

enum class UpsampleMode { Nearest };

struct UpsampleOptions {
  int64_t scale_factor = 2;  // an integer factor, the same for H and W
  UpsampleMode mode = UpsampleMode::Nearest;
};

class Upsample : public Module {
 public:
  UpsampleOptions options;
  explicit Upsample(const UpsampleOptions& options = {});
  explicit Upsample(int64_t scale_factor);
  Variable forward(const Variable& x) override;
  std::string extra_repr() const override;  // "scale_factor=2, mode=nearest"
};

}  // namespace nash::nn
