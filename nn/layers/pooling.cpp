// Pooling and upsampling layers: option checks, input checks naming the layer, and one call
// into the autograd pooling ops each.
#include "nn/layers/pooling.h"

namespace nash::nn {

namespace {
void check_pool(const char* layer, const Pool2dOptions& o) {
  const Size2 k = o.kernel_size, s = o.stride.value_or(o.kernel_size), p = o.padding;
  NASH_CHECK(k.h > 0 && k.w > 0, layer, ": kernel_size must be positive, got ", repr::size(k));
  NASH_CHECK(s.h > 0 && s.w > 0, layer, ": stride must be positive, got ", repr::size(s));
  NASH_CHECK(p.h >= 0 && p.w >= 0 && 2 * p.h <= k.h && 2 * p.w <= k.w, layer,
             ": padding must be >= 0 and at most half the kernel size ", repr::size(k), ", got ",
             repr::size(p));
}

std::string pool_repr(const Pool2dOptions& o) {
  return "kernel_size=" + repr::size(o.kernel_size) +
         ", stride=" + repr::size(o.stride.value_or(o.kernel_size)) +
         ", padding=" + repr::size(o.padding) + (o.ceil_mode ? ", ceil_mode=true" : "");
}

// Runs f on x as [N, C, H, W]; an unbatched [C, H, W] input gets N = 1 added and removed.
template <class F>
Variable planes(const Module& m, const Variable& x, F f) {
  NASH_CHECK(x.dim() == 4 || x.dim() == 3, m.type_name(), "(", m.extra_repr(),
             "): expected input [N, C, H, W] or [C, H, W], got ", x.shape());
  if (x.dim() == 4) return f(x);
  return squeeze(f(unsqueeze(x, 0)), 0);
}
}  // namespace

MaxPool2d::MaxPool2d(const Pool2dOptions& o) : Module("MaxPool2d"), options(o) {
  check_pool("MaxPool2d", o);
}
MaxPool2d::MaxPool2d(Size2 kernel_size) : MaxPool2d(Pool2dOptions{.kernel_size = kernel_size}) {}

Variable MaxPool2d::forward(const Variable& x) {
  const auto& o = options;
  return planes(*this, x, [&](const Variable& x4) {
    return max_pool2d(x4, o.kernel_size.array(), o.stride.value_or(o.kernel_size).array(),
                      o.padding.array(), o.ceil_mode);
  });
}

std::string MaxPool2d::extra_repr() const { return pool_repr(options); }

AvgPool2d::AvgPool2d(const Pool2dOptions& o) : Module("AvgPool2d"), options(o) {
  check_pool("AvgPool2d", o);
}
AvgPool2d::AvgPool2d(Size2 kernel_size) : AvgPool2d(Pool2dOptions{.kernel_size = kernel_size}) {}

Variable AvgPool2d::forward(const Variable& x) {
  const auto& o = options;
  return planes(*this, x, [&](const Variable& x4) {
    return avg_pool2d(x4, o.kernel_size.array(), o.stride.value_or(o.kernel_size).array(),
                      o.padding.array(), o.ceil_mode);
  });
}

std::string AvgPool2d::extra_repr() const { return pool_repr(options); }

AdaptiveAvgPool2d::AdaptiveAvgPool2d(Size2 size) : Module("AdaptiveAvgPool2d"), output_size(size) {
  NASH_CHECK(size.h >= 1 && size.w >= 1, "AdaptiveAvgPool2d: output_size must be positive, got ",
             repr::tuple(size));
}

Variable AdaptiveAvgPool2d::forward(const Variable& x) {
  return planes(*this, x,
                [&](const Variable& x4) { return adaptive_avg_pool2d(x4, output_size.array()); });
}

std::string AdaptiveAvgPool2d::extra_repr() const {
  return "output_size=" + repr::tuple(output_size);
}

Upsample::Upsample(const UpsampleOptions& o) : Module("Upsample"), options(o) {
  NASH_CHECK(o.scale_factor >= 1, "Upsample: scale_factor must be >= 1, got ", o.scale_factor);
}
Upsample::Upsample(int64_t scale_factor) : Upsample(UpsampleOptions{.scale_factor = scale_factor}) {}

Variable Upsample::forward(const Variable& x) {
  const int64_t s = options.scale_factor;
  return planes(*this, x, [&](const Variable& x4) {
    if (options.mode == UpsampleMode::Bilinear)
      return upsample_bilinear2d(x4, {x4.size(2) * s, x4.size(3) * s}, options.align_corners);
    return upsample_nearest2d(x4, s);
  });
}

std::string Upsample::extra_repr() const {
  const std::string s = "scale_factor=" + std::to_string(options.scale_factor);
  if (options.mode == UpsampleMode::Nearest) return s + ", mode=nearest";
  return s + ", mode=bilinear, align_corners=" + repr::boolean(options.align_corners);
}

}  // namespace nash::nn
