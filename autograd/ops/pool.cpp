// Pooling and nearest upsampling as Variable ops. Each is linear in its input, so its backward is
// a linear Variable op too, whose own derivative is the forward again (its adjoint): gradients
// of any order stay in these pairs.
//
// Shapes: x [N, C, H, W] -> y [N, C, OH, OW]; dy like y, dx like x.
#include "autograd/function.h"
#include "autograd/ops.h"
#include "tensor/conv.h"
#include "tensor/ops.h"

namespace nash {

// y = max over each window (indices recorded);  dx = max_pool2d_backward(dy, indices)
Variable max_pool2d(const Variable& x, std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
                    std::array<int64_t, 2> padding) {
  MaxPoolResult r = nash::max_pool2d(x.value(), kernel, stride, padding);
  return make_op("max_pool2d", std::move(r.values), {x},
                 {[indices = r.indices, sx = x.shape()](const Variable& dy) {
                   return max_pool2d_backward(dy, indices, sx);
                 }});
}

// dx = dy scattered (added) to the argmax of each window.
//   d(dy) = g gathered at the same argmaxes (the adjoint of a scatter is a gather)
Variable max_pool2d_backward(const Variable& dy, const Tensor& indices, const Shape& x_shape) {
  Tensor dx = nash::max_pool2d_backward(dy.value(), indices, x_shape);
  return make_op("max_pool2d_backward", std::move(dx), {dy}, {[indices](const Variable& g) {
                   // g [N, C, H, W] -> planes [N, C, H*W], gathered at indices [N, C, OH*OW]
                   const Shape& si = indices.shape();
                   Variable planes = reshape(g, {g.size(0), g.size(1), -1});
                   Tensor flat = nash::reshape(indices, {si[0], si[1], -1});
                   return reshape(gather(planes, 2, flat), si);
                 }});
}

// y = mean of each window (divisor counts the padding, as PyTorch's default);
//   dx = avg_pool2d_backward(dy)
Variable avg_pool2d(const Variable& x, std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
                    std::array<int64_t, 2> padding) {
  return make_op("avg_pool2d", nash::avg_pool2d(x.value(), kernel, stride, padding), {x},
                 {[sx = x.shape(), kernel, stride, padding](const Variable& dy) {
                   return avg_pool2d_backward(dy, sx, kernel, stride, padding);
                 }});
}

// dx[i] = sum over the windows o holding i of dy[o] / divisor(o);  d(dy) = avg_pool2d(g)
Variable avg_pool2d_backward(const Variable& dy, const Shape& x_shape,
                             std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
                             std::array<int64_t, 2> padding) {
  return make_op("avg_pool2d_backward",
                 nash::avg_pool2d_backward(dy.value(), x_shape, kernel, stride, padding), {dy},
                 {[kernel, stride, padding](const Variable& g) {
                   return avg_pool2d(g, kernel, stride, padding);
                 }});
}

// y[n,c,i,j] = x[n,c,i/s,j/s];  dx = upsample_nearest2d_backward(dy) (sum of each s x s block)
Variable upsample_nearest2d(const Variable& x, int64_t scale) {
  return make_op("upsample_nearest2d", nash::upsample_nearest2d(x.value(), scale), {x},
                 {[scale](const Variable& dy) { return upsample_nearest2d_backward(dy, scale); }});
}

// dx = sum of each s x s block of dy;  d(dy) = upsample_nearest2d(g)
Variable upsample_nearest2d_backward(const Variable& dy, int64_t scale) {
  return make_op("upsample_nearest2d_backward", nash::upsample_nearest2d_backward(dy.value(), scale),
                 {dy}, {[scale](const Variable& g) { return upsample_nearest2d(g, scale); }});
}

}  // namespace nash
