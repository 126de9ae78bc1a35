// Pooling and nearest upsampling as Variable ops (ceil_mode composed from padding and floor
// mode pooling). Each is linear in its input, so its backward is
// a linear Variable op too, whose own derivative is the forward again (its adjoint): gradients
// of any order stay in these pairs.
//
// Shapes: x [N, C, H, W] -> y [N, C, OH, OW]; dy like y, dx like x.
#include <algorithm>
#include <cmath>

#include "autograd/function.h"
#include "autograd/ops.h"
#include "tensor/conv.h"
#include "tensor/ops.h"

namespace nash {

namespace {
// ceil_mode: how many rows (d = 0) / columns (d = 1) past the padded input the last window
// reaches, under torch's output size rule (0 if none).
//   out = ceil((in + 2p - k) / s) + 1, less 1 if the last window would start at or past in + p
int64_t ceil_extra(const Shape& x_shape, int d, std::array<int64_t, 2> kernel,
                   std::array<int64_t, 2> stride, std::array<int64_t, 2> padding, const char* op) {
  const int64_t in = x_shape[x_shape.size() - 2 + d], k = kernel[d], s = stride[d], p = padding[d];
  NASH_CHECK(k >= 1 && s >= 1 && in + 2 * p >= k, op, ": kernel ", k, " and stride ", s,
             " do not fit the padded input ", x_shape);
  int64_t out = (in + 2 * p - k + s - 1) / s + 1;
  if ((out - 1) * s >= in + p) --out;
  return std::max<int64_t>(0, (out - 1) * s + k - (in + 2 * p));
}

struct CeilPad {
  int64_t bottom = 0, right = 0;
  bool any() const { return bottom > 0 || right > 0; }
};

CeilPad ceil_pad(const Variable& x, std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
                 std::array<int64_t, 2> padding, const char* op) {
  NASH_CHECK(x.dim() == 4, op, ": expected an input [N, C, H, W], got ", x.shape());
  return {ceil_extra(x.shape(), 0, kernel, stride, padding, op),
          ceil_extra(x.shape(), 1, kernel, stride, padding, op)};
}
}  // namespace

// ceil_mode: x padded at the bottom/right with -inf by the rows the last windows reach past the
// padded input, then pooled in floor mode: the same windows, clipped.
Variable max_pool2d(const Variable& x, std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
                    std::array<int64_t, 2> padding, bool ceil_mode) {
  if (ceil_mode) {
    const CeilPad c = ceil_pad(x, kernel, stride, padding, "max_pool2d");
    if (c.any())
      return max_pool2d(pad2d(x, {0, c.right, 0, c.bottom}, PadMode::Constant, -INFINITY), kernel,
                        stride, padding);
  }
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
// ceil_mode: x padded with zeros as for max_pool2d, pooled in floor mode (divisor kh kw), then
// each output rescaled by kh kw / its window clipped to the padded input (torch's divisor).
Variable avg_pool2d(const Variable& x, std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
                    std::array<int64_t, 2> padding, bool ceil_mode) {
  if (ceil_mode) {
    const CeilPad c = ceil_pad(x, kernel, stride, padding, "avg_pool2d");
    if (c.any()) {
      Variable y = avg_pool2d(pad2d(x, {0, c.right, 0, c.bottom}), kernel, stride, padding);
      const int64_t oh = y.size(2), ow = y.size(3);
      const int64_t h_end = x.size(2) + padding[0], w_end = x.size(3) + padding[1];
      std::vector<double> scale(static_cast<size_t>(oh * ow));
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          const int64_t h0 = i * stride[0] - padding[0], w0 = j * stride[1] - padding[1];
          const int64_t rows = std::min(h0 + kernel[0], h_end) - h0;
          const int64_t cols = std::min(w0 + kernel[1], w_end) - w0;
          scale[i * ow + j] = static_cast<double>(kernel[0] * kernel[1]) / (rows * cols);
        }
      return y * Variable(from_vector(scale, {oh, ow}).to(x.dtype()));
    }
  }
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
