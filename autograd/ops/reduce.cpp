// Reductions and the softmax family. sum's gradient is dy broadcast back over the reduced dims;
// mean, var, softmax, log_softmax and logsumexp are compositions with no backward of their own.
#include <cmath>

#include "autograd/function.h"
#include "autograd/ops.h"
#include "tensor/ops.h"

namespace nash {

namespace {
Variable constant(const Tensor& t) { return Variable(t, false); }

// x's shape with the reduced dims set to 1 (dims empty = all), e.g. [N, D] over {1} -> [N, 1].
Shape kept_shape(const Shape& shape, const Shape& dims, const char* op) {
  Shape kept = shape;
  if (dims.empty()) {
    for (auto& s : kept) s = 1;
    return kept;
  }
  for (int64_t d : dims) kept[wrap_dim(d, static_cast<int64_t>(shape.size()), op)] = 1;
  return kept;
}

int64_t reduced_count(const Shape& shape, const Shape& dims, const char* op) {
  return numel_of(shape) / std::max<int64_t>(1, numel_of(kept_shape(shape, dims, op)));
}
}  // namespace

// y = sum over dims;  dx = dy broadcast back to x's shape
Variable sum(const Variable& x, const Shape& dims, bool keepdim) {
  Shape kept = kept_shape(x.shape(), dims, "sum");
  return make_op("sum", nash::sum(x.value(), dims, keepdim), {x},
                 {[kept, sx = x.shape()](const Variable& dy) {
                   return expand(reshape(dy, kept), sx);
                 }});
}

// mean = sum / count
Variable mean(const Variable& x, const Shape& dims, bool keepdim) {
  int64_t n = reduced_count(x.shape(), dims, "mean");
  NASH_CHECK(n > 0, "mean: cannot average over zero elements of ", x.shape());
  return sum(x, dims, keepdim) / static_cast<double>(n);
}

// var = sum((x - mean)^2) / (count - correction)
Variable var(const Variable& x, const Shape& dims, int64_t correction, bool keepdim) {
  int64_t n = reduced_count(x.shape(), dims, "var");
  NASH_CHECK(n - correction > 0, "var: ", n, " elements with correction ", correction,
             " leave no degrees of freedom for ", x.shape());
  Variable centred = x - mean(x, dims, true);
  return sum(centred * centred, dims, keepdim) / static_cast<double>(n - correction);
}

// std = sqrt(var)
Variable std(const Variable& x, const Shape& dims, int64_t correction, bool keepdim) {
  return sqrt(var(x, dims, correction, keepdim));
}

namespace {
// The 2-norm y = sqrt(sum x^2) over dims;  dx = x dy / y, and 0 where y = 0 (torch's choice: the
// gradient of |x| at 0). y + [y == 0] keeps the division finite there, where x is 0 anyway.
Variable norm2(const Variable& x, const Shape& dims, bool keepdim) {
  Tensor y = nash::sqrt(nash::sum(nash::square(x.value()), dims, keepdim));
  Shape kept = kept_shape(x.shape(), dims, "norm");
  return make_op("norm", std::move(y), {x},
                 {[x, kept](const Variable& dy, const Variable& y) {
                   Variable safe = y + constant(nash::eq(y.value(), 0.0));
                   return x * expand(reshape(dy / safe, kept), x.shape());
                 }});
}
}  // namespace

Variable norm(const Variable& x, double p, const Shape& dims, bool keepdim) {
  NASH_CHECK(p == 1.0 || p == 2.0 || p == kInf, "norm: p must be 1, 2 or infinity, got ", p,
             " (input ", x.shape(), ")");
  if (p == 1.0) return sum(abs(x), dims, keepdim);
  if (p == 2.0) return norm2(x, dims, keepdim);
  return amax(abs(x), dims, keepdim);
}

namespace {
// amax/amin: dy flows to the extreme element(s), split evenly among ties (like torch.amax).
Variable extreme(const char* op, const Variable& x, const Shape& dims,
                 bool keepdim, bool is_max) {
  Tensor y = is_max ? nash::amax(x.value(), dims, true) : nash::amin(x.value(), dims, true);
  Tensor hit = nash::eq(x.value(), y);  // [x.shape] 0/1
  Tensor share = nash::div(hit, nash::sum(hit, dims, true));
  Shape kept = y.shape();
  Tensor out = keepdim ? y : (is_max ? nash::amax(x.value(), dims, false) : nash::amin(x.value(), dims, false));
  return make_op(op, std::move(out), {x}, {[kept, share, sx = x.shape()](const Variable& dy) {
                   return expand(reshape(dy, kept), sx) * constant(share);
                 }});
}
}  // namespace

Variable amax(const Variable& x, const Shape& dims, bool keepdim) {
  return extreme("amax", x, dims, keepdim, true);
}
Variable amin(const Variable& x, const Shape& dims, bool keepdim) {
  return extreme("amin", x, dims, keepdim, false);
}

// logsumexp = m + log(sum(exp(x - m))), m = max(x) held constant (it cancels in the gradient)
Variable logsumexp(const Variable& x, const Shape& dims, bool keepdim) {
  Tensor m = nash::amax(x.value(), dims, true);
  m = nash::where(nash::eq(nash::abs(m), INFINITY), zeros_like(m), m);  // all -inf rows stay -inf
  Variable shifted = x - constant(m);
  Variable out = log(sum(exp(shifted), dims, true)) + constant(m);
  if (keepdim) return out;
  Shape dropped;
  Shape kept = kept_shape(x.shape(), dims, "logsumexp");
  std::vector<bool> reduced(kept.size(), dims.empty());
  for (int64_t d : dims) reduced[wrap_dim(d, x.dim(), "logsumexp")] = true;
  for (size_t i = 0; i < kept.size(); ++i)
    if (!reduced[i]) dropped.push_back(kept[i]);
  return reshape(out, dropped);
}

// log_softmax = x - logsumexp(x)
Variable log_softmax(const Variable& x, int64_t dim) {
  return x - logsumexp(x, {dim}, true);
}

// softmax = exp(log_softmax)
Variable softmax(const Variable& x, int64_t dim) { return exp(log_softmax(x, dim)); }

}  // namespace nash
