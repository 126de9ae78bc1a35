// sum(x * x) over a whole tensor without the squared tensor: what a gradient-norm statistic
// needs every step. Bitwise sum(square(x)).item(): each square rounded to x's dtype, summed in
// the full reduction's fixed chunks with its vector accumulators (tensor/reduce.cpp,
// kernels/reduce.h), the chunks combined in double in order, the total rounded to x's dtype.
#pragma once
#include "tensor/tensor.h"

namespace nash {
double sum_squares(const Tensor& x);  // float32 / float64; 0 for an empty tensor
}  // namespace nash
