// Conv2d / ConvTranspose2d: option checks, the input check naming the layer, and the call into
// the autograd conv ops (which check the rest: output size, output_padding, dtypes).
#include "nn/layers/conv.h"

#include <cmath>
#include <utility>

#include "nn/layers/linear.h"
#include "tensor/creation.h"

namespace nash::nn {

namespace {
void check_sizes(const char* layer, int64_t in, int64_t out, Size2 kernel, Size2 stride,
                 Size2 padding, Size2 dilation) {
  NASH_CHECK(in > 0 && out > 0, layer, ": in_channels and out_channels must be positive, got ",
             in, " and ", out);
  NASH_CHECK(kernel.h > 0 && kernel.w > 0, layer, ": kernel_size must be positive, got ",
             repr::tuple(kernel));
  NASH_CHECK(stride.h > 0 && stride.w > 0, layer, ": stride must be positive, got ",
             repr::tuple(stride));
  NASH_CHECK(padding.h >= 0 && padding.w >= 0, layer, ": padding must be >= 0, got ",
             repr::tuple(padding));
  NASH_CHECK(dilation.h > 0 && dilation.w > 0, layer, ": dilation must be positive, got ",
             repr::tuple(dilation));
}

Conv2dArgs args_of(Size2 stride, Size2 padding, Size2 dilation) {
  Conv2dArgs a;
  a.stride = stride.array();
  a.padding = padding.array();
  a.dilation = dilation.array();
  return a;
}

// torch's _ConvNd.extra_repr: sizes, stride, then the fields that differ from their defaults.
std::string conv_repr(int64_t in, int64_t out, Size2 kernel, Size2 stride, Size2 padding,
                      Size2 dilation, Size2 output_padding, bool bias) {
  std::string s = std::to_string(in) + ", " + std::to_string(out) +
                  ", kernel_size=" + repr::tuple(kernel) + ", stride=" + repr::tuple(stride);
  if (padding != Size2(0)) s += ", padding=" + repr::tuple(padding);
  if (dilation != Size2(1)) s += ", dilation=" + repr::tuple(dilation);
  if (output_padding != Size2(0)) s += ", output_padding=" + repr::tuple(output_padding);
  if (!bias) s += ", bias=false";
  return s;
}

// Runs f on x as [N, C, H, W]; an unbatched [C, H, W] input gets N = 1 added and removed.
template <class F>
Variable batched(const Module& m, const Variable& x, int64_t channels, F f) {
  NASH_CHECK((x.dim() == 4 && x.size(1) == channels) || (x.dim() == 3 && x.size(0) == channels),
             m.type_name(), "(", m.extra_repr(), "): expected input [N, ", channels,
             ", H, W], got ", x.shape());
  if (x.dim() == 4) return f(x);
  return squeeze(f(unsqueeze(x, 0)), 0);
}
}  // namespace

// ---- Conv2d ------------------------------------------------------------------------------------
Conv2d::Conv2d(const Conv2dOptions& o, Rng& rng) : Conv2d("Conv2d", o, rng) {}

Conv2d::Conv2d(std::string type_name, const Conv2dOptions& o, Rng& rng)
    : Module(std::move(type_name)), options(o) {
  check_sizes("Conv2d", o.in_channels, o.out_channels, o.kernel_size, o.stride, o.padding,
              o.dilation);
  NASH_CHECK(o.groups >= 1 && o.in_channels % o.groups == 0 && o.out_channels % o.groups == 0,
             "Conv2d: in_channels ", o.in_channels, " and out_channels ", o.out_channels,
             " must be divisible by groups ", o.groups);
  register_parameter("weight", weight, empty({o.out_channels, o.in_channels / o.groups,
                                              o.kernel_size.h, o.kernel_size.w}));
  if (o.bias) register_parameter("bias", bias, empty({o.out_channels}));
  reset_parameters(rng);
}

void Conv2d::reset_parameters(Rng& rng) {
  init::kaiming_uniform_(weight, std::sqrt(5.0), init::FanMode::FanIn,
                         init::Nonlinearity::LeakyReLU, rng);
  init_bias_like_torch(bias, weight, rng);
}

Variable Conv2d::forward(const Variable& x) {
  const Conv2dArgs a = args_of(options.stride, options.padding, options.dilation);
  return batched(*this, x, options.in_channels,
                 [&](const Variable& x4) { return conv2d(x4, weight, bias, a, options.groups); });
}

std::string Conv2d::extra_repr() const {
  const auto& o = options;
  std::string s = conv_repr(o.in_channels, o.out_channels, o.kernel_size, o.stride, o.padding,
                            o.dilation, Size2(0), o.bias);
  if (o.groups != 1) {  // torch prints groups before bias
    const size_t at = s.find(", bias=false");
    s.insert(at == std::string::npos ? s.size() : at, ", groups=" + std::to_string(o.groups));
  }
  return s;
}

// ---- ConvTranspose2d ---------------------------------------------------------------------------
ConvTranspose2d::ConvTranspose2d(const ConvTranspose2dOptions& o, Rng& rng)
    : Module("ConvTranspose2d"), options(o) {
  check_sizes("ConvTranspose2d", o.in_channels, o.out_channels, o.kernel_size, o.stride,
              o.padding, o.dilation);
  NASH_CHECK(o.output_padding.h >= 0 && o.output_padding.w >= 0 &&
                 o.output_padding.h < o.stride.h && o.output_padding.w < o.stride.w,
             "ConvTranspose2d: output_padding must be >= 0 and smaller than stride ",
             repr::tuple(o.stride), ", got ", repr::tuple(o.output_padding));
  register_parameter("weight", weight,
                     empty({o.in_channels, o.out_channels, o.kernel_size.h, o.kernel_size.w}));
  if (o.bias) register_parameter("bias", bias, empty({o.out_channels}));
  reset_parameters(rng);
}

void ConvTranspose2d::reset_parameters(Rng& rng) {
  init::kaiming_uniform_(weight, std::sqrt(5.0), init::FanMode::FanIn,
                         init::Nonlinearity::LeakyReLU, rng);
  init_bias_like_torch(bias, weight, rng);
}

Variable ConvTranspose2d::forward(const Variable& x) {
  const Conv2dArgs a = args_of(options.stride, options.padding, options.dilation);
  return batched(*this, x, options.in_channels, [&](const Variable& x4) {
    return conv_transpose2d(x4, weight, bias, a, options.output_padding.array());
  });
}

std::string ConvTranspose2d::extra_repr() const {
  const auto& o = options;
  return conv_repr(o.in_channels, o.out_channels, o.kernel_size, o.stride, o.padding, o.dilation,
                   o.output_padding, o.bias);
}

}  // namespace nash::nn
