// 2-D pooling and nearest upsampling on NCHW tensors (float32 / float64), with the backward
// functions an autograd op needs. Every plane [H, W] of every (n, c) is handled alone, so the
// kernels parallelise over planes and stay bitwise identical for any thread count.
//
// Shape letters: N batch, C channels, H/W input height/width, OH/OW output height/width.
//   OH = (H + 2*padding - kernel) / stride + 1   (floor; padding <= kernel / 2)
// How it runs: max/avg forward and avg backward copy blocks of planes into a phase layout
// (tensor/pool_phases.cpp) where each window tap is one contiguous vector load; the direct
// per-window loops stay as the reference they are tested against, bit for bit.
#pragma once
#include <array>
#include <cstdint>

#include "tensor/tensor.h"

namespace nash {

// values[n,c,oh,ow] = max over the window (padding counts as -inf; NaN wins; the first maximum
// in row-major order wins ties). indices (int64) = ih*W + iw of that maximum in its plane.
struct MaxPoolResult {
  Tensor values;   // [N, C, OH, OW]
  Tensor indices;  // [N, C, OH, OW] int64
};
MaxPoolResult max_pool2d(const Tensor& x, std::array<int64_t, 2> kernel,
                         std::array<int64_t, 2> stride, std::array<int64_t, 2> padding);
// dx[n,c].flat[indices[n,c,oh,ow]] += dy[n,c,oh,ow]. dy, indices [N, C, OH, OW] -> dx x_shape
Tensor max_pool2d_backward(const Tensor& dy, const Tensor& indices, const Shape& x_shape);

// y = mean of the window. The divisor is the window clipped to the padded input
// (count_include_pad) or to the input itself (otherwise), as in PyTorch.
Tensor avg_pool2d(const Tensor& x, std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
                  std::array<int64_t, 2> padding, bool count_include_pad = true);
// dx[n,c,ih,iw] = sum over the windows holding (ih, iw) of dy / divisor. -> dx x_shape
Tensor avg_pool2d_backward(const Tensor& dy, const Shape& x_shape, std::array<int64_t, 2> kernel,
                           std::array<int64_t, 2> stride, std::array<int64_t, 2> padding,
                           bool count_include_pad = true);

// y[n,c,i,j] = x[n,c,i/s,j/s]: [N, C, H, W] -> [N, C, H*s, W*s]
Tensor upsample_nearest2d(const Tensor& x, int64_t scale);
// dx[n,c,i,j] = sum of the s x s block of dy: [N, C, H*s, W*s] -> [N, C, H, W]
Tensor upsample_nearest2d_backward(const Tensor& dy, int64_t scale);

namespace detail {
// Geometry of one pooling: input planes [N, C, H, W], output [N, C, OH, OW].
struct PoolGeom {
  int64_t N, C, H, W, OH, OW;
  std::array<int64_t, 2> k, s, p;
};
// Output (oh, ow)'s window clipped to the input, [h_lo, h_hi) x [w_lo, w_hi), and the avg divisor.
struct PoolWindow {
  int64_t h_lo, h_hi, w_lo, w_hi, divisor;
};
PoolWindow pool_window(const PoolGeom& g, int64_t oh, int64_t ow, bool count_include_pad);

// One input row of width W, read with stride s after `pad` columns of padding, split into
// `phases` phase rows of `cols` cells: phase b, cell j holds row[j*s + b - pad]. The pooling
// kernels and the convolutions' im2col/col2im lay planes out this way (pool_phases.cpp).
struct RowPhases {
  int64_t W, s, pad, phases, cols;
  int64_t lo, hi;  // cells j in [lo, hi) have every phase's column inside the row
  RowPhases(int64_t W, int64_t s, int64_t pad, int64_t phases, int64_t cols);
};
// d[b*stride + j] = row[j*s + b - pad], or `outside` where that column is not in the row.
template <class T>
void split_row(const RowPhases& rp, const T* row, T outside, T* d, int64_t stride);
// row[j*s + b - pad] = d[b*stride + j] wherever that column is in the row.
template <class T>
void merge_row(const RowPhases& rp, const T* d, int64_t stride, T* row);

// The phase-layout kernels on contiguous planes (x, y, dy, dx as [N*C] planes; indices int64).
// max_pool_phases returns false, doing nothing, when its float indices would not be exact.
template <class T>
bool max_pool_phases(const T* x, const PoolGeom& g, T* y, int64_t* indices);
template <class T>
void avg_pool_phases(const T* x, const PoolGeom& g, bool count_include_pad, T* y);
template <class T>
void avg_pool_backward_phases(const T* dy, const PoolGeom& g, bool count_include_pad, T* dx);

// The direct per-window loops: the scalar reference the kernels above match bit for bit.
// Same arguments and checks as the public ops.
MaxPoolResult max_pool2d_reference(const Tensor& x, std::array<int64_t, 2> kernel,
                                   std::array<int64_t, 2> stride, std::array<int64_t, 2> padding);
Tensor avg_pool2d_reference(const Tensor& x, std::array<int64_t, 2> kernel,
                            std::array<int64_t, 2> stride, std::array<int64_t, 2> padding,
                            bool count_include_pad);
Tensor avg_pool2d_backward_reference(const Tensor& dy, const Shape& x_shape,
                                     std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
                                     std::array<int64_t, 2> padding, bool count_include_pad);
}  // namespace detail

}  // namespace nash
