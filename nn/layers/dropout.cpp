// Dropout / Dropout2d: the layer's own seeded Rng plus the autograd dropout ops.
#include "nn/layers/dropout.h"

#include "nn/layers/common.h"
#include "nn/layers/shard_rows.h"
#include "tensor/ops.h"

namespace nash::nn {

namespace {
// Shard k's rows of the whole batch's mask (nn/layers/shard_rows.h): the mask [m, ...] is drawn
// for S m rows and rows [k m, (k + 1) m) kept;  y = x * keep / (1 - p), dx = dy * keep / (1 - p).
Variable whole_batch_masked(const Variable& x, double p, Shape mask_shape, Rng& rng, const ShardRows& rows) {
  const int64_t m = mask_shape[0];
  mask_shape[0] = m * rows.shards();
  const Tensor keep = bernoulli(mask_shape, 1.0 - p, rng, x.dtype()).narrow(0, rows.shard() * m, m);
  return x * Variable(nash::mul(keep.contiguous(), 1.0 / (1.0 - p)));
}

uint64_t seed_from(const DropoutOptions& o, Rng& rng) {
  if (o.seed) return *o.seed;
  const uint64_t hi = rng.next_u32();
  const uint64_t lo = rng.next_u32();
  return (hi << 32) | lo;
}
}  // namespace

Dropout::Dropout(const char* type_name, const DropoutOptions& o, Rng& rng)
    : Module(type_name), options(o), rng(seed_from(o, rng)) {
  NASH_CHECK(o.p >= 0.0 && o.p < 1.0, type_name, ": p must be in [0, 1), got ", o.p);
}

Dropout::Dropout(const DropoutOptions& o, Rng& rng) : Dropout("Dropout", o, rng) {}
Dropout::Dropout(double p, Rng& rng) : Dropout("Dropout", DropoutOptions{.p = p}, rng) {}

Variable Dropout::forward(const Variable& x) {
  const ShardRows* rows = ShardRows::current();
  if (rows && is_training() && options.p > 0.0 && x.dim() >= 1)
    return whole_batch_masked(x, options.p, x.shape(), rng, *rows);
  return dropout(x, options.p, is_training(), rng);
}

std::string Dropout::extra_repr() const { return "p=" + repr::real(options.p); }

Dropout2d::Dropout2d(const DropoutOptions& o, Rng& rng) : Dropout("Dropout2d", o, rng) {}
Dropout2d::Dropout2d(double p, Rng& rng)
    : Dropout("Dropout2d", DropoutOptions{.p = p}, rng) {}

Variable Dropout2d::forward(const Variable& x) {
  NASH_CHECK(x.dim() >= 2, "Dropout2d(", extra_repr(), "): expected input [N, C, ...], got ",
             x.shape());
  const ShardRows* rows = ShardRows::current();
  if (rows && is_training() && options.p > 0.0) {
    Shape mask_shape(x.shape().size(), 1);  // [N, C, 1, ...]
    mask_shape[0] = x.size(0);
    mask_shape[1] = x.size(1);
    return whole_batch_masked(x, options.p, mask_shape, rng, *rows);
  }
  return dropout2d(x, options.p, is_training(), rng);
}

}  // namespace nash::nn
