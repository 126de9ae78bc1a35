// Batch normalisation with batch statistics as one Variable op (the fused kernels of
// tensor/batch_norm.h) instead of a dozen elementwise ops and reductions; nn::BatchNorm uses it
// when training with affine parameters.
//
// x [N, C, ...], weight and bias [C]; per channel c over m = N * prod(...) values:
//   y = (x - mean) * inv_std * weight + bias,  inv_std = 1 / sqrt(var + eps)   (var biased)
#pragma once
#include "autograd/variable.h"

namespace nash {

struct BatchNormOutput {
  Variable y;        // like x
  Tensor mean, var;  // [C] batch statistics (var biased), no gradient: for the running stats
};

// xhat = (x - mean) * inv_std:
//   db = sum dy,  dw = sum dy xhat,  dx = weight inv_std (dy - db / m - xhat dw / m)
// Under create_graph the derivatives are composed of differentiable ops (mean and var of x
// recomputed as ops), so second derivatives flow through the batch statistics.
BatchNormOutput batch_norm(const Variable& x, const Variable& weight, const Variable& bias,
                           double eps);

}  // namespace nash
