// Batch normalisation's kernels over [N, C, ...] tensors (float32 / float64), per channel c over
// the batch and the trailing positions (m = N * prod(trailing dims) values each): the batch
// statistics, the normalisation, and the two sums its backward pass needs, each in one or two
// passes over memory. No gradients are tracked here (autograd/ops/batch_norm.h builds the op).
// Each channel's sums run on one thread in a fixed order (accumulated in double): the same bits
// for any thread count.
//
//   stats:      mean[c] = sum x / m,  var[c] = sum (x - mean)^2 / m   (biased)
//   normalize:  y = x * scale[c] + shift[c]
//   sums:       sum_dy[c] = sum dy,  sum_dy_xc[c] = sum dy * (x - mean[c])
//   input grad: dx = a[c] * dy + b[c] * (x - mean[c]) + d[c]
#pragma once
#include "tensor/tensor.h"

namespace nash {

struct ChannelStats {
  Tensor mean, var;  // [C], x's dtype
};
// x [N, C, ...] with at least one value per channel.
ChannelStats batch_norm_stats(const Tensor& x);
// y = x * scale[c] + shift[c]: x [N, C, ...], scale and shift [C] (x's dtype).
Tensor batch_norm_normalize(const Tensor& x, const Tensor& scale, const Tensor& shift);
struct ChannelGradSums {
  Tensor dy, dy_xc;  // sum dy, sum dy * (x - mean): [C], x's dtype
};
// dy and x [N, C, ...], mean [C].
ChannelGradSums batch_norm_backward_sums(const Tensor& dy, const Tensor& x, const Tensor& mean);
// dx = a[c] * dy + b[c] * (x - mean[c]) + d[c]: dy and x [N, C, ...]; mean, a, b, d [C].
Tensor batch_norm_input_grad(const Tensor& dy, const Tensor& x, const Tensor& mean,
                             const Tensor& a, const Tensor& b, const Tensor& d);

}  // namespace nash
