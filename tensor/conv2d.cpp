// conv2d and conv_transpose2d: argument and shape checks, then the im2col passes of
// conv_driver.cpp. conv_transpose2d runs conv2d's kernels with the roles swapped
// (its forward is conv2d's input gradient, its input gradient is conv2d's forward).
#include <array>

#include "tensor/conv.h"

namespace nash {
namespace {

using detail::ConvGeom;

Shape pair(const std::array<int64_t, 2>& v) { return {v[0], v[1]}; }

void check_float(const Tensor& t, const char* op, const char* name) {
  NASH_CHECK(t.defined(), op, ": ", name, " is undefined");
  NASH_CHECK(t.dtype() == DType::Float32 || t.dtype() == DType::Float64, op,
             ": expected a float32 or float64 ", name, ", got ", dtype_name(t.dtype()));
}

void check_same_dtype(const Tensor& a, const char* na, const Tensor& b, const char* nb,
                      const char* op) {
  NASH_CHECK(a.dtype() == b.dtype(), op, ": dtypes differ: ", na, " is ", dtype_name(a.dtype()),
             ", ", nb, " is ", dtype_name(b.dtype()));
}

void check_args(const Conv2dArgs& a, const char* op) {
  NASH_CHECK(a.stride[0] >= 1 && a.stride[1] >= 1, op, ": stride must be >= 1, got ",
             pair(a.stride));
  NASH_CHECK(a.padding[0] >= 0 && a.padding[1] >= 0, op, ": padding must be >= 0, got ",
             pair(a.padding));
  NASH_CHECK(a.dilation[0] >= 1 && a.dilation[1] >= 1, op, ": dilation must be >= 1, got ",
             pair(a.dilation));
}

// floor((in + 2p - d*(k-1) - 1) / s) + 1, or <= 0 when the kernel does not fit.
int64_t conv_out_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d) {
  const int64_t span = in + 2 * p - d * (k - 1) - 1;
  return span < 0 ? 0 : span / s + 1;
}

// Geometry of conv2d for input xs [N, C, H, W] and weight ws [O, C, KH, KW].
ConvGeom conv_geom(const char* op, const Shape& xs, const Shape& ws, const Conv2dArgs& a,
                   const char* xname = "input", const char* wname = "weight",
                   const char* xdims = "[N, C, H, W]", const char* wdims = "[O, C, KH, KW]") {
  check_args(a, op);
  NASH_CHECK(xs.size() == 4, op, ": expected ", xname, " with 4 dims ", xdims, ", got ", xs);
  NASH_CHECK(ws.size() == 4, op, ": expected ", wname, " with 4 dims ", wdims, ", got ", ws);
  NASH_CHECK(xs[1] == ws[1], op, ": channels differ: ", xname, " is ", xs, " (C = ", xs[1], "), ",
             wname, " is ", ws, " (C = ", ws[1], ")");
  NASH_CHECK(ws[2] >= 1 && ws[3] >= 1, op, ": expected a kernel of at least 1x1, got ", wname, " ",
             ws);
  const int64_t oh = conv_out_size(xs[2], ws[2], a.stride[0], a.padding[0], a.dilation[0]);
  const int64_t ow = conv_out_size(xs[3], ws[3], a.stride[1], a.padding[1], a.dilation[1]);
  NASH_CHECK(oh > 0 && ow > 0, op, ": output size must be positive, got [", oh, ", ", ow, "] for ",
             xname, " ", xs, ", ", wname, " ", ws, ", stride ", pair(a.stride), ", padding ",
             pair(a.padding), ", dilation ", pair(a.dilation));
  return ConvGeom{xs[0], xs[1], xs[2], xs[3], ws[0], ws[2], ws[3], oh, ow, a};
}

void check_bias(const Tensor& b, int64_t channels, const Tensor& ref, const char* op) {
  if (!b.defined()) return;
  check_same_dtype(b, "bias", ref, "input", op);
  NASH_CHECK(b.dim() == 1 && b.size(0) == channels, op, ": expected bias [O] = ",
             Shape{channels}, ", got ", b.shape());
}

void check_shape(const Tensor& t, const Shape& expected, const char* name, const char* op) {
  NASH_CHECK(t.shape() == expected, op, ": expected ", name, " ", expected, ", got ", t.shape());
}

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, const Conv2dArgs& a) {
  const char* op = "conv2d";
  check_float(x, op, "input");
  check_float(w, op, "weight");
  check_same_dtype(x, "input", w, "weight", op);
  ConvGeom g = conv_geom(op, x.shape(), w.shape(), a);
  check_bias(b, g.O, x, op);
  return detail::conv_forward(x, w, b, g);
}

Tensor conv2d_backward_input(const Tensor& dy, const Tensor& w, const Shape& x_shape,
                             const Conv2dArgs& a) {
  const char* op = "conv2d_backward_input";
  check_float(dy, op, "dy");
  check_float(w, op, "weight");
  check_same_dtype(dy, "dy", w, "weight", op);
  ConvGeom g = conv_geom(op, x_shape, w.shape(), a);
  check_shape(dy, {g.N, g.O, g.OH, g.OW}, "dy [N, O, OH, OW]", op);
  return detail::conv_backward_input(dy, w, Tensor(), g);
}

Tensor conv2d_backward_weight(const Tensor& dy, const Tensor& x, const Shape& w_shape,
                              const Conv2dArgs& a) {
  const char* op = "conv2d_backward_weight";
  check_float(dy, op, "dy");
  check_float(x, op, "input");
  check_same_dtype(dy, "dy", x, "input", op);
  ConvGeom g = conv_geom(op, x.shape(), w_shape, a);
  check_shape(dy, {g.N, g.O, g.OH, g.OW}, "dy [N, O, OH, OW]", op);
  return detail::conv_backward_weight(dy, x, g);
}

// ---- conv_transpose2d: x [N, C, H, W], w [C, O, KH, KW] -> y [N, O, OH, OW] --------------------
// In conv2d's terms y is the input ([N, O, OH, OW]), x the output and w the weight as it is.

Tensor conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& b, const Conv2dArgs& a,
                        std::array<int64_t, 2> output_padding) {
  const char* op = "conv_transpose2d";
  check_float(x, op, "input");
  check_float(w, op, "weight");
  check_same_dtype(x, "input", w, "weight", op);
  check_args(a, op);
  const Shape& xs = x.shape();
  const Shape& ws = w.shape();
  NASH_CHECK(xs.size() == 4, op, ": expected input with 4 dims [N, C, H, W], got ", xs);
  NASH_CHECK(ws.size() == 4, op, ": expected weight with 4 dims [C, O, KH, KW], got ", ws);
  NASH_CHECK(xs[1] == ws[0], op, ": channels differ: input is ", xs, " (C = ", xs[1],
             "), weight is ", ws, " (C = ", ws[0], ")");
  NASH_CHECK(ws[2] >= 1 && ws[3] >= 1, op, ": expected a kernel of at least 1x1, got weight ", ws);
  for (int i = 0; i < 2; ++i)
    NASH_CHECK(output_padding[i] >= 0 && output_padding[i] < a.stride[i], op,
               ": output_padding must be >= 0 and < stride, got ", pair(output_padding),
               " with stride ", pair(a.stride));
  std::array<int64_t, 2> out{};
  for (int i = 0; i < 2; ++i)
    out[i] = (xs[2 + i] - 1) * a.stride[i] - 2 * a.padding[i] + a.dilation[i] * (ws[2 + i] - 1) +
             output_padding[i] + 1;
  NASH_CHECK(out[0] > 0 && out[1] > 0, op, ": output size must be positive, got ", pair(out),
             " for input ", xs, ", weight ", ws, ", stride ", pair(a.stride), ", padding ",
             pair(a.padding), ", dilation ", pair(a.dilation));
  check_bias(b, ws[1], x, op);
  // With output_padding < stride, conv2d maps [out] back to exactly [H, W].
  ConvGeom g{xs[0], ws[1], out[0], out[1], ws[0], ws[2], ws[3], xs[2], xs[3], a};
  return detail::conv_backward_input(x, w, b, g);
}

Tensor conv_transpose2d_backward_input(const Tensor& dy, const Tensor& w, const Conv2dArgs& a) {
  const char* op = "conv_transpose2d_backward_input";
  check_float(dy, op, "dy");
  check_float(w, op, "weight");
  check_same_dtype(dy, "dy", w, "weight", op);
  // dy [N, O, OH, OW] is conv2d's input; w [C, O, KH, KW] is conv2d's weight as it is.
  ConvGeom g = conv_geom(op, dy.shape(), w.shape(), a, "dy", "weight", "[N, O, OH, OW]",
                         "[C, O, KH, KW]");
  return detail::conv_forward(dy, w, Tensor(), g);
}

Tensor conv_transpose2d_backward_weight(const Tensor& dy, const Tensor& x, const Shape& w_shape,
                                        const Conv2dArgs& a) {
  const char* op = "conv_transpose2d_backward_weight";
  check_float(dy, op, "dy");
  check_float(x, op, "input");
  check_same_dtype(dy, "dy", x, "input", op);
  ConvGeom g = conv_geom(op, dy.shape(), w_shape, a, "dy", "weight", "[N, O, OH, OW]",
                         "[C, O, KH, KW]");
  check_shape(x, {g.N, g.O, g.OH, g.OW}, "input [N, C, H, W]", op);
  // conv2d's weight gradient with conv2d's "dy" = x and conv2d's "input" = dy.
  return detail::conv_backward_weight(x, dy, g);
}

}  // namespace nash
