// Padding and PixelShuffle layers: option checks, then one autograd op each (ops/spatial.cpp).
#include "nn/layers/padding.h"

namespace nash::nn {

namespace {
void check_pad(const char* layer, const Pad4& p) {
  NASH_CHECK(p.left >= 0 && p.right >= 0 && p.top >= 0 && p.bottom >= 0, layer,
             ": padding must be >= 0, got (", p.left, ", ", p.right, ", ", p.top, ", ", p.bottom,
             ")");
}
std::string pad_repr(const Pad4& p) {
  return "(" + std::to_string(p.left) + ", " + std::to_string(p.right) + ", " +
         std::to_string(p.top) + ", " + std::to_string(p.bottom) + ")";
}
}  // namespace

ZeroPad2d::ZeroPad2d(Pad4 p) : Module("ZeroPad2d"), padding(p) { check_pad("ZeroPad2d", p); }
Variable ZeroPad2d::forward(const Variable& x) { return pad2d(x, padding.array()); }
std::string ZeroPad2d::extra_repr() const { return pad_repr(padding); }

ReflectionPad2d::ReflectionPad2d(Pad4 p) : Module("ReflectionPad2d"), padding(p) {
  check_pad("ReflectionPad2d", p);
}
Variable ReflectionPad2d::forward(const Variable& x) {
  return pad2d(x, padding.array(), PadMode::Reflect);
}
std::string ReflectionPad2d::extra_repr() const { return pad_repr(padding); }

PixelShuffle::PixelShuffle(int64_t r) : Module("PixelShuffle"), upscale_factor(r) {
  NASH_CHECK(r >= 1, "PixelShuffle: upscale_factor must be >= 1, got ", r);
}
std::string PixelShuffle::extra_repr() const {
  return "upscale_factor=" + std::to_string(upscale_factor);
}

}  // namespace nash::nn
