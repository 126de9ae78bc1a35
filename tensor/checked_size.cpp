// checked_numel / checked_nbytes: the overflow-safe size rule every reader and allocation uses.
#include "tensor/checked_size.h"

namespace nash {

int64_t checked_numel(const Shape& shape, std::string_view what) {
  bool has_zero = false;
  for (int64_t s : shape) {
    NASH_CHECK(s >= 0, what, ": negative size in shape ", shape);
    has_zero = has_zero || s == 0;
  }
  int64_t extent = 1;  // the product of the sizes with 0s counted as 1: what the strides multiply
  for (int64_t s : shape) {
    if (s == 0 || !__builtin_mul_overflow(extent, s, &extent)) continue;
    if (has_zero)
      fail(what, ": strides of ", shape, " overflow int64 (the product of its nonzero sizes)");
    fail(what, ": element count of ", shape, " overflows int64");
  }
  return has_zero ? 0 : extent;
}

uint64_t checked_nbytes(const Shape& shape, size_t element_size, std::string_view what) {
  const int64_t numel = checked_numel(shape, what);
  uint64_t extent = 1;
  for (int64_t s : shape) extent *= static_cast<uint64_t>(s == 0 ? 1 : s);  // fits: checked above
  NASH_CHECK(element_size > 0 && extent <= kMaxTensorBytes / element_size, what, ": shape ", shape,
             " of ", element_size, "-byte elements needs more than the limit of ", kMaxTensorBytes,
             " bytes");
  return static_cast<uint64_t>(numel) * element_size;
}

}  // namespace nash
