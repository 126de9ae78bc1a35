// Losses computed in one stable piece rather than composed (a composed log(sigmoid(x)) overflows
// to -inf at large |x|; the fused form below stays finite at logits of +-1000).
#include "autograd/function.h"
#include "autograd/ops.h"
#include "tensor/ops.h"

namespace nash {

namespace {
// True when `from` broadcasts to exactly `to` (NumPy rules, `to` unchanged).
bool broadcasts_to(const Shape& from, const Shape& to) {
  if (from.size() > to.size()) return false;
  size_t lead = to.size() - from.size();
  for (size_t i = 0; i < from.size(); ++i)
    if (from[i] != 1 && from[i] != to[lead + i]) return false;
  return true;
}
}  // namespace

// loss = max(x, 0) - x t + log(1 + e^-|x|)   (= -t log sigmoid(x) - (1 - t) log(1 - sigmoid(x)))
// x [...], t broadcast to [...] -> loss [...]
//   dx = dy (sigmoid(x) - t),  dt = dy (-x)   (summed back to t's shape)
Variable binary_cross_entropy_with_logits(const Variable& logits, const Variable& target) {
  const char* op = "binary_cross_entropy_with_logits";
  const Tensor& x = logits.value();
  const Tensor& t = target.value();
  NASH_CHECK(x.dtype() != DType::Int64 && x.dtype() == t.dtype(), op,
             ": logits and target must share a float dtype, got ", dtype_name(x.dtype()), " ",
             x.shape(), " and ", dtype_name(t.dtype()), " ", t.shape());
  NASH_CHECK(broadcasts_to(t.shape(), x.shape()), op, ": target ", t.shape(),
             " does not broadcast to logits ", x.shape());
  Tensor loss = nash::add(nash::sub(nash::maximum(x, 0.0), nash::mul(x, t)),
                          nash::log1p(nash::exp(nash::neg(nash::abs(x)))));
  return make_op(op, std::move(loss), {logits, target},
                 {[logits, target](const Variable& dy) { return dy * (sigmoid(logits) - target); },
                  [logits, st = t.shape()](const Variable& dy) {
                    return sum_to(neg(dy * logits), st);
                  }});
}

}  // namespace nash
