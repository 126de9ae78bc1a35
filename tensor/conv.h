// 2-D convolution and transposed convolution on NCHW tensors (float32 / float64), forward and
// the backward functions an autograd op needs; pooling and upsampling live in tensor/pool.h
// (included below so one header gives the whole family). No gradients are tracked here.
//
// Shape letters: N batch, C input channels, O output channels, H/W input height/width,
// OH/OW output height/width, KH/KW kernel height/width.
//   conv2d            OH = (H + 2*pad - dil*(KH-1) - 1) / stride + 1            (floor)
//   conv_transpose2d  OH = (H-1)*stride - 2*pad + dil*(KH-1) + output_padding + 1
// conv_transpose2d is conv2d's input gradient: conv_transpose2d(x, w) == conv2d_backward_input(x, w).
//
// How it runs: shallow convolutions (C*KH*KW <= 160, e.g. a discriminator's first layers) and
// those with at most 4 output channels run directly on a channels-last copy of each sample
// (tensor/conv_direct.cpp); the rest as im2col + one GEMM for a whole chunk of the batch (the columns of all its samples
// side by side), so small feature maps still give the GEMM a wide matrix, and L2-sized channel
// groups when one sample's columns are large. im2col splits each input plane once into its
// stride phases, so every tap's columns are row copies (narrow outputs: one table gather per
// column row); col2im accumulates each input plane in one thread (no atomics). With stride 1 the input gradient is itself run as a forward conv of dy with the
// flipped weight (no col2im), and 1x1 stride-1 convs skip im2col. Results are bitwise identical
// for any thread count: the work plan depends on shapes only and every sum has a fixed order.
//
// Worked example:
//   nash::Tensor x = nash::normal({64, 3, 32, 32}, 0, 1, rng);            // [N, C, H, W]
//   nash::Tensor w = nash::normal({16, 3, 4, 4}, 0, 0.02, rng);           // [O, C, KH, KW]
//   nash::Conv2dArgs a; a.stride = {2, 2}; a.padding = {1, 1};
//   nash::Tensor y = nash::conv2d(x, w, nash::Tensor(), a);               // [64, 16, 16, 16]
//   nash::Tensor dx = nash::conv2d_backward_input(dy, w, x.shape(), a);   // [64, 3, 32, 32]
#pragma once
#include <array>
#include <cstdint>

#include "tensor/pool.h"
#include "tensor/tensor.h"

namespace nash {

struct Conv2dArgs {
  std::array<int64_t, 2> stride{1, 1};    // >= 1
  std::array<int64_t, 2> padding{0, 0};   // >= 0, zeros on both sides
  std::array<int64_t, 2> dilation{1, 1};  // >= 1
};

// y[n,o,oh,ow] = b[o] + sum_{c,kh,kw} w[o,c,kh,kw] * x[n, c, oh*s - p + kh*d, ow*s - p + kw*d]
// x [N, C, H, W], w [O, C, KH, KW], b [O] or undefined -> y [N, O, OH, OW]
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, const Conv2dArgs& a);
// dx = sum over the windows that touched x of w * dy. dy [N, O, OH, OW], w [O, C, KH, KW] -> dx x_shape
Tensor conv2d_backward_input(const Tensor& dy, const Tensor& w, const Shape& x_shape,
                             const Conv2dArgs& a);
// dw[o,c,kh,kw] = sum_{n,oh,ow} dy[n,o,oh,ow] * x[n, c, oh*s - p + kh*d, ...]. -> dw w_shape
Tensor conv2d_backward_weight(const Tensor& dy, const Tensor& x, const Shape& w_shape,
                              const Conv2dArgs& a);
// db = sum(dy, {0, 2, 3}) (left to nash::sum).

// PyTorch layout: x [N, C, H, W], w [C, O, KH, KW], b [O] or undefined -> y [N, O, OH, OW].
// output_padding (< max(stride, dilation) per dim) adds rows/columns at the bottom/right.
Tensor conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& b, const Conv2dArgs& a,
                        std::array<int64_t, 2> output_padding = {0, 0});
// dx = conv2d(dy, w): dy [N, O, OH, OW], w [C, O, KH, KW] -> dx [N, C, H, W]
Tensor conv_transpose2d_backward_input(const Tensor& dy, const Tensor& w, const Conv2dArgs& a);
// dw = conv2d_backward_weight with the roles of x and dy swapped: -> dw w_shape [C, O, KH, KW]
Tensor conv_transpose2d_backward_weight(const Tensor& dy, const Tensor& x, const Shape& w_shape,
                                        const Conv2dArgs& a);

// conv2d(upsample_nearest2d(x, 2), w, b) with stride 1 and padding 1, computed as four 2x2
// convolutions of x (one per output phase) with the 3x3 taps folded: 16 instead of 36
// multiply-adds per output and input channel, and no upsampled tensor (tensor/upsample_conv.cpp).
// x [N, C, H, W], w [O, C, 3, 3], b [O] or undefined -> y [N, O, 2H, 2W]
Tensor upsample_conv2d(const Tensor& x, const Tensor& w, const Tensor& b);
// Its adjoint in x: dy [N, O, 2H, 2W], w [O, C, 3, 3] -> dx [N, C, H, W]
Tensor upsample_conv2d_backward_input(const Tensor& dy, const Tensor& w);
// Its adjoint in w: dy [N, O, 2H, 2W], x [N, C, H, W] -> dw [O, C, 3, 3]
Tensor upsample_conv2d_backward_weight(const Tensor& dy, const Tensor& x);

namespace detail {
// Geometry of one convolution in conv2d's terms (input N,C,H,W; weight O,C,KH,KW; output OH,OW).
// conv_transpose2d reuses the kernels with its output as the "input" and its input as "output".
struct ConvGeom {
  int64_t N, C, H, W, O, KH, KW, OH, OW;
  Conv2dArgs a;
};
// How the im2col work is cut: `chunk` samples per GEMM (as many as keep the column buffer
// within an L2-sized budget), or, when one sample's columns exceed it, one sample at a time
// in groups of `group` channels. Depends on the shapes only, never on the thread count.
struct ConvPlan {
  int64_t chunk;  // samples per chunk (>= 1)
  int64_t group;  // channels per group (== C unless chunk == 1)
};
ConvPlan conv_plan(const ConvGeom& g, size_t elem_size);
// The kernels, on validated shapes (any strides, same float dtype). bias may be undefined.
Tensor conv_forward(const Tensor& x, const Tensor& w, const Tensor& bias, const ConvGeom& g);
Tensor conv_backward_input(const Tensor& dy, const Tensor& w, const Tensor& bias,
                           const ConvGeom& g);
Tensor conv_backward_weight(const Tensor& dy, const Tensor& x, const ConvGeom& g);

// Direct convolution (tensor/conv_direct.cpp) for shallow GEMMs (C*KH*KW <= 160) and few output
// channels (O <= 4), where im2col would mostly copy; the passes above call it when it fits.
// set_direct_conv_enabled(false) sends every shape through im2col + GEMM (tests and benchmarks
// compare the two; process-wide, not for use while other threads run convolutions).
bool direct_conv_fits(const ConvGeom& g);
void set_direct_conv_enabled(bool enabled);
bool direct_conv_enabled();
Tensor direct_conv_forward(const Tensor& x, const Tensor& w, const Tensor& bias, const ConvGeom& g);
Tensor direct_conv_backward_input(const Tensor& dy, const Tensor& w, const Tensor& bias,
                                  const ConvGeom& g);
Tensor direct_conv_backward_weight(const Tensor& dy, const Tensor& x, const ConvGeom& g);

// The layout kernels the passes share (tensor/conv_im2col.cpp; float and double), on
// contiguous buffers. col [cn*KH*KW, nb*P] holds channels [c0, c0+cn) of nb samples.
template <class T>
void im2col(const T* x, int64_t nb, const ConvGeom& g, int64_t c0, int64_t cn, T* col);
// Channels [c0, c0+cn) of dx [nb, C, H, W] = col summed back into the input positions.
template <class T>
void col2im(const T* col, int64_t nb, const ConvGeom& g, int64_t c0, int64_t cn, T* dx);
// dst [O, nb*P] = src [nb, O, P] regrouped by channel.
template <class T>
void to_channel_major(const T* src, int64_t nb, int64_t O, int64_t P, T* dst);
// y [nb, O, P] = src [O, nb*P] regrouped by sample, + bias[o] (bias may be null).
template <class T>
void from_channel_major(const T* src, const T* bias, int64_t nb, int64_t O, int64_t P, T* y);
}  // namespace detail

}  // namespace nash
