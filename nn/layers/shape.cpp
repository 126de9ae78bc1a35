// Flatten / Unflatten: dimension checks naming the layer, then one reshape.
#include "nn/layers/shape.h"

#include <algorithm>

namespace nash::nn {

Flatten::Flatten(int64_t start_dim_, int64_t end_dim_)
    : Module("Flatten"), start_dim(start_dim_), end_dim(end_dim_) {}

Variable Flatten::forward(const Variable& x) {
  const int64_t nd = std::max<int64_t>(x.dim(), 1);  // a scalar flattens like a [1]
  const int64_t s = start_dim < 0 ? start_dim + nd : start_dim;
  const int64_t e = end_dim < 0 ? end_dim + nd : end_dim;
  NASH_CHECK(s >= 0 && s < nd && e >= 0 && e < nd && s <= e, "Flatten(", extra_repr(),
             "): dims out of range (or start after end) for input ", x.shape());
  return flatten(x, s, e);
}

std::string Flatten::extra_repr() const {
  return "start_dim=" + std::to_string(start_dim) + ", end_dim=" + std::to_string(end_dim);
}

Unflatten::Unflatten(int64_t dim_, Shape sizes)
    : Module("Unflatten"), dim(dim_), unflattened_size(std::move(sizes)) {
  NASH_CHECK(!unflattened_size.empty(), "Unflatten: unflattened_size must not be empty");
  int64_t inferred = 0;
  for (int64_t s : unflattened_size) {
    NASH_CHECK(s > 0 || s == -1, "Unflatten: sizes must be positive or -1, got ",
               unflattened_size);
    inferred += s == -1;
  }
  NASH_CHECK(inferred <= 1, "Unflatten: at most one size may be -1, got ", unflattened_size);
}

Variable Unflatten::forward(const Variable& x) {
  const int64_t d = dim < 0 ? dim + x.dim() : dim;
  NASH_CHECK(d >= 0 && d < x.dim(), "Unflatten(", extra_repr(), "): dim out of range for input ",
             x.shape());
  int64_t known = 1;
  bool has_inferred = false;
  for (int64_t s : unflattened_size) {
    if (s == -1) has_inferred = true;
    else known *= s;
  }
  const int64_t n = x.size(d);
  NASH_CHECK(has_inferred ? (known > 0 && n % known == 0) : n == known, "Unflatten(",
             extra_repr(), "): cannot split dim ", d, " of size ", n, " of input ", x.shape(),
             " into ", unflattened_size);
  Shape shape(x.shape().begin(), x.shape().begin() + d);
  for (int64_t s : unflattened_size) shape.push_back(s == -1 ? n / known : s);
  shape.insert(shape.end(), x.shape().begin() + d + 1, x.shape().end());
  return reshape(x, shape);
}

std::string Unflatten::extra_repr() const {
  return "dim=" + std::to_string(dim) + ", unflattened_size=" + shape_str(unflattened_size);
}

}  // namespace nash::nn
