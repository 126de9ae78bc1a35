// Helpers for the tensor tests: seeded random tensors and a row-major multi-index loop that the
// naive references are written with.
#pragma once
#include <cstdint>
#include <vector>

#include "tensor/ops.h"
#include "tensor/random.h"

namespace nash::test {

inline Tensor rand_tensor(const Shape& shape, uint64_t seed, DType dtype = DType::Float32,
                          double lo = -2.0, double hi = 2.0) {
  Rng rng(seed);
  return uniform(shape, lo, hi, rng, dtype);
}

// f(pos) for every index of shape, row-major.
template <class F>
void for_each_pos(const Shape& shape, F&& f) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  Shape pos(shape.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    f(pos);
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      if (++pos[d] < shape[d]) break;
      pos[d] = 0;
    }
  }
}

}  // namespace nash::test
