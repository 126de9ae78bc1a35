// Dropout / Dropout2d: the layer's own seeded Rng plus the autograd dropout ops.
#include "nn/layers/dropout.h"

#include "nn/layers/common.h"

namespace nash::nn {

namespace {
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
  return dropout(x, options.p, is_training(), rng);
}

std::string Dropout::extra_repr() const { return "p=" + repr::real(options.p); }

Dropout2d::Dropout2d(const DropoutOptions& o, Rng& rng) : Dropout("Dropout2d", o, rng) {}
Dropout2d::Dropout2d(double p, Rng& rng)
    : Dropout("Dropout2d", DropoutOptions{.p = p}, rng) {}

Variable Dropout2d::forward(const Variable& x) {
  NASH_CHECK(x.dim() >= 2, "Dropout2d(", extra_repr(), "): expected input [N, C, ...], got ",
             x.shape());
  return dropout2d(x, options.p, is_training(), rng);
}

}  // namespace nash::nn
