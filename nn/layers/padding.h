// Padding and pixel-rearranging layers, as PyTorch's ZeroPad2d, ReflectionPad2d and
// PixelShuffle (no parameters).
//   ZeroPad2d / ReflectionPad2d(padding)  x [..., H, W] -> [..., H + top + bottom, W + left + right]
//     padding is one number for all four sides, or {left, right, top, bottom} (torch's order);
//     reflection mirrors about the edge without repeating it (each pad < that dim's size).
//   PixelShuffle(r)                       x [..., C r^2, H, W] -> [..., C, H r, W r]
#pragma once
#include <array>
#include <cstdint>
#include <string>

#include "nn/module.h"

namespace nash::nn {

// Four pad widths {left, right, top, bottom}, written as one number or all four.
struct Pad4 {
  int64_t left = 0, right = 0, top = 0, bottom = 0;
  Pad4(int64_t all = 0) : left(all), right(all), top(all), bottom(all) {}  // NOLINT
  Pad4(int64_t l, int64_t r, int64_t t, int64_t b) : left(l), right(r), top(t), bottom(b) {}
  std::array<int64_t, 4> array() const { return {left, right, top, bottom}; }
};

class ZeroPad2d : public Module {
 public:
  Pad4 padding;
  explicit ZeroPad2d(Pad4 padding);
  Variable forward(const Variable& x) override;
  std::string extra_repr() const override;  // "(1, 1, 2, 0)"
};

class ReflectionPad2d : public Module {
 public:
  Pad4 padding;
  explicit ReflectionPad2d(Pad4 padding);
  Variable forward(const Variable& x) override;
  std::string extra_repr() const override;
};

class PixelShuffle : public Module {
 public:
  int64_t upscale_factor;
  explicit PixelShuffle(int64_t upscale_factor);
  Variable forward(const Variable& x) override { return pixel_shuffle(x, upscale_factor); }
  std::string extra_repr() const override;  // "upscale_factor=2"
};

}  // namespace nash::nn
