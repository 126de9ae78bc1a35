// Dropout: a keep-mask drawn from the caller's Rng, pre-scaled by 1/(1-p) so that the
// expected output equals the input. The scaled mask is a constant, so the op is linear in x.
#include "autograd/function.h"
#include "autograd/ops.h"
#include "tensor/ops.h"

namespace nash {

namespace {
Variable constant(const Tensor& t) { return Variable(t, false); }

void check_p(const char* op, double p, const Variable& x) {
  NASH_CHECK(p >= 0.0 && p < 1.0, op, ": p must be in [0, 1), got ", p, " for ", x.shape());
  NASH_CHECK(x.dtype() != DType::Int64, op, ": expected a float input, got int64 ", x.shape());
}

// y = x * scaled_mask;  dx = dy * scaled_mask   (scaled_mask = keep / (1 - p), broadcast to x)
Variable masked(const char* op, const Variable& x, const Tensor& scaled_mask) {
  return make_op(op, nash::mul(x.value(), scaled_mask), {x},
                 {[scaled_mask](const Variable& dy) { return dy * constant(scaled_mask); }});
}
}  // namespace

// x [...] -> y [...];  each element kept with probability 1 - p.  dx = dy mask / (1 - p)
Variable dropout(const Variable& x, double p, bool train, Rng& rng) {
  check_p("dropout", p, x);
  if (!train || p == 0.0) return x;
  Tensor keep = bernoulli(x.shape(), 1.0 - p, rng, x.dtype());  // 1 with probability 1 - p
  return masked("dropout", x, nash::mul(keep, 1.0 / (1.0 - p)));
}

// x [N, C, ...] -> y [N, C, ...];  each channel (n, c) kept whole with probability 1 - p.
// dx = dy mask / (1 - p), the mask [N, C, 1, ...] broadcast over the spatial dims.
Variable dropout2d(const Variable& x, double p, bool train, Rng& rng) {
  check_p("dropout2d", p, x);
  NASH_CHECK(x.dim() >= 2, "dropout2d: expected an input [N, C, ...] with at least 2 dims, got ",
             x.shape());
  if (!train || p == 0.0) return x;
  Shape mask_shape(x.shape().size(), 1);
  mask_shape[0] = x.size(0);
  mask_shape[1] = x.size(1);
  Tensor keep = bernoulli(mask_shape, 1.0 - p, rng, x.dtype());
  return masked("dropout2d", x, nash::mul(keep, 1.0 / (1.0 - p)));
}

}  // namespace nash
