// Padding and resampling of the last two dims (H, W) as Variable ops. Constant padding is an op
// of its own (its adjoint is a slice, whose adjoint is the padding again); the others compose
// ops that have derivatives: reflection is an index_select per dim, pixel_shuffle a
// reshape-permute-reshape, bilinear upsampling and adaptive average pooling two matmuls with
// constant matrices. Every one is linear in x, so gradients of any order stay linear ops.
//
// Shapes: x [..., H, W] (pixel_shuffle [..., C r^2, H, W]) -> y [..., OH, OW].
#include <algorithm>
#include <cmath>

#include "autograd/function.h"
#include "autograd/ops.h"
#include "tensor/ops.h"

namespace nash {

namespace {
Variable constant(const Tensor& t) { return Variable(t, false); }

void check_planes(const char* op, const Variable& x) {
  NASH_CHECK(x.defined() && x.dim() >= 2, op, ": expected an input [..., H, W], got ",
             x.defined() ? shape_str(x.shape()) : std::string("undefined"));
  NASH_CHECK(x.dtype() != DType::Int64, op, ": expected a float input, got int64 ", x.shape());
}

// The rows [0, H) of x reflected about the edges, padded to `before` + H + `after` indices.
Tensor reflect_index(int64_t n, int64_t before, int64_t after) {
  std::vector<int64_t> index;
  for (int64_t i = -before; i < n + after; ++i)
    index.push_back(i < 0 ? -i : (i >= n ? 2 * (n - 1) - i : i));
  return from_vector(index, {static_cast<int64_t>(index.size())});
}

// y = x with `value` around it;  dx = the centre of dy (a slice of H, then of W)
Variable constant_pad(const Variable& x, std::array<int64_t, 4> pad, double value) {
  // Named copies, not structured bindings: lambdas below capture them (clang 14 cannot capture bindings).
  const int64_t left = pad[0], right = pad[1], top = pad[2], bottom = pad[3];
  const int64_t dh = x.dim() - 2, dw = x.dim() - 1, h = x.size(dh), w = x.size(dw);
  Shape shape = x.shape();
  shape[dh] += top + bottom;
  shape[dw] += left + right;
  Tensor y = full(shape, value, x.dtype());
  Tensor centre = nash::slice(nash::slice(y, dh, top, top + h), dw, left, left + w);
  copy_(centre, x.value());
  return make_op("constant_pad2d", std::move(y), {x}, {[=](const Variable& dy) {
                   return slice(slice(dy, dh, top, top + h), dw, left, left + w);
                 }});
}

// The interpolation matrix A [out, in] of 1-D linear resampling, as torch computes the source
// position (see upsample_bilinear2d in ops.h).
Tensor bilinear_matrix(int64_t in, int64_t out, bool align_corners, DType dtype) {
  std::vector<double> a(static_cast<size_t>(out * in), 0.0);
  for (int64_t o = 0; o < out; ++o) {
    double src;
    if (align_corners) {
      src = out > 1 ? static_cast<double>(o) * (in - 1) / (out - 1) : 0.0;
    } else {
      src = std::max(0.0, (o + 0.5) * static_cast<double>(in) / out - 0.5);
    }
    const int64_t i0 = std::min(static_cast<int64_t>(src), in - 1);
    const int64_t i1 = std::min(i0 + 1, in - 1);
    const double l1 = src - static_cast<double>(i0);
    a[o * in + i0] += 1.0 - l1;
    a[o * in + i1] += l1;
  }
  return from_vector(a, {out, in}).to(dtype);
}

// The averaging matrix P [out, in] of 1-D adaptive pooling: row o averages
// [floor(o in / out), ceil((o + 1) in / out)).
Tensor adaptive_matrix(int64_t in, int64_t out, DType dtype) {
  std::vector<double> p(static_cast<size_t>(out * in), 0.0);
  for (int64_t o = 0; o < out; ++o) {
    const int64_t lo = (o * in) / out, hi = ((o + 1) * in + out - 1) / out;
    for (int64_t i = lo; i < hi; ++i) p[o * in + i] = 1.0 / static_cast<double>(hi - lo);
  }
  return from_vector(p, {out, in}).to(dtype);
}

// y = A_h x A_w^T over the last two dims (matmul broadcasts A over the leading dims).
Variable resample(const Variable& x, const Tensor& a_h, const Tensor& a_w) {
  return matmul(matmul(constant(a_h), x), constant(a_w.t()));
}
}  // namespace

Variable pad2d(const Variable& x, std::array<int64_t, 4> pad, PadMode mode, double value) {
  check_planes("pad2d", x);
  // Named copies, not structured bindings: lambdas below capture them (clang 14 cannot capture bindings).
  const int64_t left = pad[0], right = pad[1], top = pad[2], bottom = pad[3];
  NASH_CHECK(left >= 0 && right >= 0 && top >= 0 && bottom >= 0, "pad2d: padding must be >= 0, "
             "got {", left, ", ", right, ", ", top, ", ", bottom, "} for ", x.shape());
  if (mode == PadMode::Constant) return constant_pad(x, pad, value);
  const int64_t dh = x.dim() - 2, dw = x.dim() - 1;
  NASH_CHECK(left < x.size(dw) && right < x.size(dw) && top < x.size(dh) && bottom < x.size(dh),
             "pad2d: reflection padding {", left, ", ", right, ", ", top, ", ", bottom,
             "} must be less than the input's H and W, got ", x.shape());
  Variable y = x;
  if (top || bottom) y = index_select(y, dh, reflect_index(x.size(dh), top, bottom));
  if (left || right) y = index_select(y, dw, reflect_index(x.size(dw), left, right));
  return y;
}

// y = x viewed [..., C, r, r, H, W], permuted to [..., C, H, r, W, r], merged
Variable pixel_shuffle(const Variable& x, int64_t r) {
  NASH_CHECK(r >= 1, "pixel_shuffle: upscale_factor must be >= 1, got ", r);
  NASH_CHECK(x.defined() && x.dim() >= 3, "pixel_shuffle: expected an input [..., C r^2, H, W], got ",
             x.defined() ? shape_str(x.shape()) : std::string("undefined"));
  const int64_t nd = x.dim(), c = x.size(nd - 3), h = x.size(nd - 2), w = x.size(nd - 1);
  NASH_CHECK(c % (r * r) == 0, "pixel_shuffle: ", c, " channels of ", x.shape(),
             " are not divisible by upscale_factor^2 = ", r * r);
  Shape lead(x.shape().begin(), x.shape().end() - 3);
  const int64_t b = numel_of(lead);
  Variable y = reshape(x, {b, c / (r * r), r, r, h, w});
  y = permute(y, {0, 1, 4, 2, 5, 3});
  Shape out = lead;
  out.insert(out.end(), {c / (r * r), h * r, w * r});
  return reshape(y, out);
}

Variable upsample_bilinear2d(const Variable& x, std::array<int64_t, 2> size, bool align_corners) {
  check_planes("upsample_bilinear2d", x);
  NASH_CHECK(size[0] >= 1 && size[1] >= 1, "upsample_bilinear2d: output size must be >= 1, got {",
             size[0], ", ", size[1], "} for ", x.shape());
  const int64_t h = x.size(x.dim() - 2), w = x.size(x.dim() - 1);
  NASH_CHECK(h >= 1 && w >= 1, "upsample_bilinear2d: empty input planes ", x.shape());
  return resample(x, bilinear_matrix(h, size[0], align_corners, x.dtype()),
                  bilinear_matrix(w, size[1], align_corners, x.dtype()));
}

Variable adaptive_avg_pool2d(const Variable& x, std::array<int64_t, 2> size) {
  check_planes("adaptive_avg_pool2d", x);
  NASH_CHECK(size[0] >= 1 && size[1] >= 1, "adaptive_avg_pool2d: output size must be >= 1, got {",
             size[0], ", ", size[1], "} for ", x.shape());
  const int64_t h = x.size(x.dim() - 2), w = x.size(x.dim() - 1);
  NASH_CHECK(h >= 1 && w >= 1, "adaptive_avg_pool2d: empty input planes ", x.shape());
  return resample(x, adaptive_matrix(h, size[0], x.dtype()), adaptive_matrix(w, size[1], x.dtype()));
}

}  // namespace nash
