// A fully connected layer's forward in one GEMM: y = act(x w^T + b), the bias and the
// activation applied by the GEMM's epilogue on each tile of y while it is in cache (sigmoid:
// one pass after the GEMM). Bitwise the result of linear, then the activation's own op.
//
// Shape letters: N batch, D_in / D_out features.
#pragma once
#include "tensor/tensor.h"

namespace nash {

// The activations a linear layer can fuse; kLeakyReLU takes a slope.
enum class LinearActivation { kNone, kReLU, kLeakyReLU, kTanh, kSigmoid };
const char* activation_name(LinearActivation act);

// x [N, D_in], w [D_out, D_in], b [D_out] (or undefined) -> y [N, D_out], float32 or float64,
// any strides (views GEMM cannot read are copied).
Tensor linear_act(const Tensor& x, const Tensor& w, const Tensor& b, LinearActivation act,
                  double slope = 0.0);

}  // namespace nash
