// What several layers share: Size2 (an int or an (h, w) pair, like PyTorch's _pair) and the
// formatting that makes extra_repr() read like PyTorch's (floats as Python prints them).
#pragma once
#include <array>
#include <charconv>
#include <cstdint>
#include <string>

#include "tensor/tensor.h"

namespace nash::nn {

// A 2-D size written either as one number (both dims) or as {h, w}:
//   Conv2dOptions{.in_channels = 3, .out_channels = 64, .kernel_size = 4, .stride = {2, 1}}
struct Size2 {
  int64_t h = 0, w = 0;
  Size2(int64_t both = 0) : h(both), w(both) {}  // NOLINT(google-explicit-constructor)
  Size2(int64_t h_, int64_t w_) : h(h_), w(w_) {}
  std::array<int64_t, 2> array() const { return {h, w}; }
  bool operator==(const Size2&) const = default;
};

namespace repr {
// Python's repr of a float: 0.01, 1.0, 1e-05, 20.0.
inline std::string real(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, r.ptr);
  if (s.find_first_of(".eni") == std::string::npos) s += ".0";
  return s;
}
inline std::string boolean(bool v) { return v ? "true" : "false"; }
// "(4, 4)", as PyTorch prints a conv's pair.
inline std::string tuple(Size2 s) {
  std::string out = "(";  // appended piecewise: GCC 12 misreports "(" + std::string (-Wrestrict)
  out += std::to_string(s.h);
  out += ", ";
  out += std::to_string(s.w);
  out += ")";
  return out;
}
// "2" when square, else "(2, 3)": pooling prints its sizes as given.
inline std::string size(Size2 s) { return s.h == s.w ? std::to_string(s.h) : tuple(s); }
}  // namespace repr

}  // namespace nash::nn
