// The one rule for shapes and sizes that come from outside (file headers, user input): every
// size is checked, and so are their products, in overflow-safe arithmetic before any stride is
// computed or any memory is reserved. Readers name the file and the field in `what`:
//
//   const uint64_t nbytes = checked_nbytes(shape, dtype_size(dtype), "load_npy: x.npy: shape");
//   // throws "load_npy: x.npy: shape: strides of [0, 4611686018427387904, ...] overflow int64"
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tensor/tensor.h"

namespace nash {

// The most bytes one tensor may span (Storage's own cap); keeps every byte offset an int64.
inline constexpr uint64_t kMaxTensorBytes = uint64_t{1} << 62;

// Every size >= 0, and the product of the sizes fits int64 with each 0 counted as 1: a stride is
// the product of the sizes to its right whether or not another size is 0, so [0, 2^62, 2^62]
// holds no elements yet has no valid strides. Returns the element count. Errors:
//   "<what>: negative size in shape [2, -1]"
//   "<what>: element count of [2^40, 2^40] overflows int64"
//   "<what>: strides of [0, 2^62, 2^62] overflow int64 (the product of its nonzero sizes)"
int64_t checked_numel(const Shape& shape, std::string_view what);

// checked_numel, then the bytes the shape spans (its nonzero sizes times element_size) must be
// at most kMaxTensorBytes. Returns numel * element_size. Error:
//   "<what>: shape [2^31, 2^31] of 8-byte elements needs more than the limit of 2^62 bytes"
uint64_t checked_nbytes(const Shape& shape, size_t element_size, std::string_view what);

}  // namespace nash
