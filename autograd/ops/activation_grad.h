// LeakyReLU's derivative as a differentiable op: dx = dy * (x > 0 ? 1 : slope), with x held as
// a constant (the mask is piecewise constant, so no gradient flows to it) and dy a Variable.
// It is linear in dy, so its own derivative is itself: second derivatives through a LeakyReLU
// (WGAN-GP's penalty) stay one pass per layer. Bitwise where(x > 0, dy, dy * slope).
#pragma once
#include "autograd/variable.h"

namespace nash {
Variable leaky_relu_grad(const Tensor& x, const Variable& dy, double slope);
}  // namespace nash
