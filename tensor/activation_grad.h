// The derivative of LeakyReLU applied to an incoming gradient in one pass:
//   dx = dy * (x > 0 ? 1 : slope)
// (x may be the input or, for slope > 0, the output: both have the same sign). Elementwise on
// same-shaped x and dy, float32 / float64; each element rounds as dy * slope does, so the result
// is bitwise where(x > 0, dy, dy * slope) without the mask and product tensors.
#pragma once
#include "tensor/tensor.h"

namespace nash {
Tensor leaky_relu_backward(const Tensor& x, const Tensor& dy, double slope);
}  // namespace nash
