// Losses as compositions of autograd ops (no backward here), following torch.nn.functional.
#include "nn/loss.h"

#include <limits>
#include <sstream>

#include "tensor/ops.h"

namespace nash::nn {

const char* reduction_name(Reduction reduction) {
  switch (reduction) {
    case Reduction::Mean: return "mean";
    case Reduction::Sum: return "sum";
    case Reduction::None: return "none";
  }
  return "?";
}

namespace {

Variable reduce(const Variable& loss, Reduction reduction) {
  switch (reduction) {
    case Reduction::Mean: return mean(loss);
    case Reduction::Sum: return sum(loss);
    case Reduction::None: return loss;
  }
  fail("loss: unknown reduction");
}

void check_float(const char* op, const char* what, const Tensor& t) {
  NASH_CHECK(t.defined(), op, ": ", what, " is undefined");
  NASH_CHECK(t.dtype() != DType::Int64, op, ": ", what, " must be float32 or float64, got int64 ",
             t.shape());
}

void check_same_shape(const char* op, const Variable& input, const Variable& target) {
  check_float(op, "input", input.value());
  check_float(op, "target", target.value());
  NASH_CHECK(input.shape() == target.shape(), op, ": input ", input.shape(), " and target ",
             target.shape(), " must have the same shape");
}

// An optional per-element weight: broadcastable to `shape`, converted to `dtype`.
Tensor broadcast_weight(const char* op, const char* what, const Tensor& w, const Shape& shape,
                        DType dtype) {
  if (!w.defined()) return w;
  check_float(op, what, w);
  bool ok = w.dim() <= static_cast<int64_t>(shape.size());
  for (int64_t i = 1; ok && i <= w.dim(); ++i) {
    int64_t from = w.shape()[w.dim() - i], to = shape[shape.size() - i];
    ok = from == 1 || from == to;
  }
  NASH_CHECK(ok, op, ": ", what, " ", w.shape(), " does not broadcast to the input ", shape);
  return w.dtype() == dtype ? w : w.to(dtype);
}

// log(x) clamped below at -100, as torch's binary_cross_entropy does. Where x <= 0 the value is
// -100 and the gradient 0; the inner where keeps log away from 0 so no 0 * inf appears.
Variable clamped_log(const Variable& x) {
  Tensor positive = gt(x.value(), 0.0);
  Variable safe = where(positive, x, Variable(ones({}, x.dtype())));
  Variable lg = clamp(log(safe), -100.0, std::numeric_limits<double>::infinity());
  return where(positive, lg, Variable(full({}, -100.0, x.dtype())));
}

// Checks x [N, K] against int64 class indices t [N] in [0, K) (or ignore_index) and a class
// weight [K]; returns the weight converted to x's dtype (or undefined).
Tensor check_classes(const char* op, const Variable& x, const Tensor& target,
                     const Tensor& weight, int64_t ignore_index) {
  check_float(op, "input", x.value());
  NASH_CHECK(x.dim() == 2, op, ": input must be [N, K] (batch, classes), got ", x.shape());
  NASH_CHECK(target.defined() && target.dtype() == DType::Int64, op,
             ": target must be int64 class indices [N]",
             target.defined() ? std::string(", got ") + dtype_name(target.dtype()) : "");
  NASH_CHECK(target.dim() == 1 && target.size(0) == x.size(0), op, ": input ", x.shape(),
             " needs target [", x.size(0), "], got ", target.shape());
  const int64_t k = x.size(1);
  for (int64_t t : target.values<int64_t>())
    NASH_CHECK(t == ignore_index || (t >= 0 && t < k), op, ": target class ", t,
               " is out of range for ", k, " classes (input ", x.shape(), ")");
  if (!weight.defined()) return weight;
  check_float(op, "weight", weight);
  NASH_CHECK(weight.dim() == 1 && weight.size(0) == k, op, ": weight must be [", k,
             "] for input ", x.shape(), ", got ", weight.shape());
  return weight.dtype() == x.dtype() ? weight : weight.to(x.dtype());
}

// The samples whose target is not ignore_index, as a 0/1 mask [N] in `dtype`; and the target
// with ignored entries replaced by class 0 (so they index safely; their loss is masked away).
struct Kept {
  Tensor mask;
  Tensor target;
  bool all = true;  // nothing ignored
};
Kept kept_samples(const Tensor& target, int64_t ignore_index, DType dtype) {
  std::vector<int64_t> t = target.values<int64_t>();
  std::vector<double> mask(t.size(), 1.0);
  Kept k;
  for (size_t i = 0; i < t.size(); ++i)
    if (t[i] == ignore_index) {
      t[i] = 0;
      mask[i] = 0.0;
      k.all = false;
    }
  const Shape shape{static_cast<int64_t>(t.size())};
  k.mask = from_vector(mask, shape).to(dtype);
  k.target = from_vector(t, shape);
  return k;
}

// cross_entropy with a float target [N, K] of class probabilities.
Variable cross_entropy_soft(const Variable& logits, const Tensor& target, Reduction reduction,
                            double label_smoothing, const Tensor& weight, int64_t ignore_index) {
  const char* op = "cross_entropy";
  check_float(op, "input", logits.value());
  NASH_CHECK(logits.dim() == 2, op, ": input must be [N, K] (batch, classes), got ",
             logits.shape());
  NASH_CHECK(target.shape() == logits.shape(), op, ": target must be int64 class indices [",
             logits.size(0), "] or class probabilities shaped like the input ", logits.shape(),
             ", got ", dtype_name(target.dtype()), " ", target.shape());
  NASH_CHECK(ignore_index < 0, op, ": ignore_index (", ignore_index, ") is not supported with "
             "a probability target");
  const int64_t k = logits.size(1);
  Tensor w = weight;
  if (w.defined()) {
    check_float(op, "weight", w);
    NASH_CHECK(w.dim() == 1 && w.size(0) == k, op, ": weight must be [", k, "] for input ",
               logits.shape(), ", got ", w.shape());
    if (w.dtype() != logits.dtype()) w = w.to(logits.dtype());
  }
  Tensor t = target.dtype() == logits.dtype() ? target : target.to(logits.dtype());
  if (label_smoothing > 0.0) t = add(mul(t, 1.0 - label_smoothing), label_smoothing / k);
  if (w.defined()) t = mul(t, w);  // [N, K] * [K]
  Variable per_sample = -sum(log_softmax(logits, 1) * Variable(t), {1});  // [N]
  return reduce(per_sample, reduction);
}

}  // namespace

// ---- functions ---------------------------------------------------------------------------------
Variable binary_cross_entropy(const Variable& p, const Variable& target, Reduction reduction,
                              const Tensor& weight) {
  const char* op = "binary_cross_entropy";
  check_same_shape(op, p, target);
  if (p.numel() > 0) {
    double lo = amin(p.value()).item(), hi = amax(p.value()).item();
    NASH_CHECK(lo >= 0.0 && hi <= 1.0, op, ": input ", p.shape(),
               " must hold probabilities in [0, 1], found values in [", lo, ", ", hi, "]");
  }
  Tensor w = broadcast_weight(op, "weight", weight, p.shape(), p.dtype());
  // -(t log p + (1 - t) log(1 - p))
  Variable loss = -(target * clamped_log(p) + (1.0 - target) * clamped_log(1.0 - p));
  if (w.defined()) loss = loss * Variable(w);
  return reduce(loss, reduction);
}

Variable binary_cross_entropy_with_logits(const Variable& x, const Variable& target,
                                          Reduction reduction, const Tensor& weight,
                                          const Tensor& pos_weight) {
  const char* op = "binary_cross_entropy_with_logits";
  check_same_shape(op, x, target);
  Tensor w = broadcast_weight(op, "weight", weight, x.shape(), x.dtype());
  Tensor pw = broadcast_weight(op, "pos_weight", pos_weight, x.shape(), x.dtype());
  Variable loss;
  if (pw.defined()) {
    // (1 - t) x + (1 + (pw - 1) t) softplus(-x); softplus is stable for large |x|.
    Variable log_weight = target * Variable(sub(pw, 1.0)) + 1.0;
    loss = (1.0 - target) * x + log_weight * softplus(-x);
  } else {
    loss = nash::binary_cross_entropy_with_logits(x, target);  // the stable autograd op
  }
  if (w.defined()) loss = loss * Variable(w);
  return reduce(loss, reduction);
}

Variable mse_loss(const Variable& input, const Variable& target, Reduction reduction) {
  check_same_shape("mse_loss", input, target);
  return reduce(square(input - target), reduction);
}

Variable l1_loss(const Variable& input, const Variable& target, Reduction reduction) {
  check_same_shape("l1_loss", input, target);
  return reduce(abs(input - target), reduction);
}

Variable nll_loss(const Variable& log_probs, const Tensor& target, Reduction reduction,
                  const Tensor& weight, int64_t ignore_index) {
  Tensor w = check_classes("nll_loss", log_probs, target, weight, ignore_index);
  const int64_t n = log_probs.size(0);
  const Kept kept = kept_samples(target, ignore_index, log_probs.dtype());
  if (!kept.all) {
    // loss_i = -w[t_i] lp[i, t_i] keep_i;  Mean divides by sum_i w[t_i] keep_i
    Variable picked = reshape(gather(log_probs, 1, kept.target.reshape({n, 1})), {n});
    Tensor w_t = w.defined() ? mul(index_select(w, 0, kept.target), kept.mask) : kept.mask;
    Variable loss = -picked * Variable(w_t);
    if (reduction == Reduction::Mean) return sum(loss) / Variable(sum(w_t));
    return reduce(loss, reduction);
  }
  // picked[i] = log_probs[i, t_i]
  Variable picked = reshape(gather(log_probs, 1, target.reshape({n, 1})), {n});
  if (!w.defined()) return reduce(-picked, reduction);
  Tensor w_t = index_select(w, 0, target);  // [N]: w[t_i]
  Variable loss = -picked * Variable(w_t);
  if (reduction == Reduction::Mean) return sum(loss) / Variable(sum(w_t));
  return reduce(loss, reduction);
}

Variable cross_entropy(const Variable& logits, const Tensor& target, Reduction reduction,
                       double label_smoothing, const Tensor& weight, int64_t ignore_index) {
  const char* op = "cross_entropy";
  NASH_CHECK(label_smoothing >= 0.0 && label_smoothing <= 1.0, op,
             ": label_smoothing must be in [0, 1], got ", label_smoothing);
  if (target.defined() && target.dtype() != DType::Int64)
    return cross_entropy_soft(logits, target, reduction, label_smoothing, weight, ignore_index);
  Tensor w = check_classes(op, logits, target, weight, ignore_index);
  Variable lp = log_softmax(logits, 1);  // [N, K]
  Variable nll = nll_loss(lp, target, reduction, w, ignore_index);
  if (label_smoothing == 0.0) return nll;

  // The uniform part of the smoothed target: sum_k -w_k lp[i, k], per sample [N], 0 for the
  // ignored samples.
  const Kept kept = kept_samples(target, ignore_index, logits.dtype());
  Variable smooth = w.defined() ? -sum(lp * Variable(w), {1}) : -sum(lp, {1});
  if (!kept.all) smooth = smooth * Variable(kept.mask);
  Variable smooth_reduced;
  if (reduction == Reduction::Mean && w.defined())
    smooth_reduced = sum(smooth) / Variable(sum(mul(index_select(w, 0, kept.target), kept.mask)));
  else if (reduction == Reduction::Mean && !kept.all)
    smooth_reduced = sum(smooth) / Variable(sum(kept.mask));
  else
    smooth_reduced = reduce(smooth, reduction);
  const double k = static_cast<double>(logits.size(1));
  return nll * (1.0 - label_smoothing) + smooth_reduced * (label_smoothing / k);
}

// ---- modules -----------------------------------------------------------------------------------
namespace {
std::string repr_reduction(Reduction r, const Tensor& weight) {
  std::string s = std::string("reduction=") + reduction_name(r);
  if (weight.defined()) s += ", weight=" + shape_str(weight.shape());
  return s;
}
}  // namespace

BCELoss::BCELoss(Reduction reduction, Tensor weight)
    : Module("BCELoss"), reduction(reduction), weight(std::move(weight)) {}
Variable BCELoss::forward(const Variable& p, const Variable& t) {
  return binary_cross_entropy(p, t, reduction, weight);
}
std::string BCELoss::extra_repr() const { return repr_reduction(reduction, weight); }

BCEWithLogitsLoss::BCEWithLogitsLoss(Reduction reduction, Tensor weight, Tensor pos_weight)
    : Module("BCEWithLogitsLoss"),
      reduction(reduction),
      weight(std::move(weight)),
      pos_weight(std::move(pos_weight)) {}
Variable BCEWithLogitsLoss::forward(const Variable& x, const Variable& t) {
  return binary_cross_entropy_with_logits(x, t, reduction, weight, pos_weight);
}
std::string BCEWithLogitsLoss::extra_repr() const {
  std::string s = repr_reduction(reduction, weight);
  if (pos_weight.defined()) s += ", pos_weight=" + shape_str(pos_weight.shape());
  return s;
}

MSELoss::MSELoss(Reduction reduction) : Module("MSELoss"), reduction(reduction) {}
Variable MSELoss::forward(const Variable& x, const Variable& t) {
  return mse_loss(x, t, reduction);
}
std::string MSELoss::extra_repr() const { return repr_reduction(reduction, Tensor()); }

L1Loss::L1Loss(Reduction reduction) : Module("L1Loss"), reduction(reduction) {}
Variable L1Loss::forward(const Variable& x, const Variable& t) { return l1_loss(x, t, reduction); }
std::string L1Loss::extra_repr() const { return repr_reduction(reduction, Tensor()); }

NLLLoss::NLLLoss(Reduction reduction, Tensor weight, int64_t ignore_index)
    : Module("NLLLoss"), reduction(reduction), weight(std::move(weight)),
      ignore_index(ignore_index) {}
Variable NLLLoss::forward(const Variable& x, const Tensor& t) {
  return nll_loss(x, t, reduction, weight, ignore_index);
}
std::string NLLLoss::extra_repr() const {
  std::string s = repr_reduction(reduction, weight);
  if (ignore_index != -100) s += ", ignore_index=" + std::to_string(ignore_index);
  return s;
}

CrossEntropyLoss::CrossEntropyLoss(Reduction reduction, double label_smoothing, Tensor weight,
                                   int64_t ignore_index)
    : Module("CrossEntropyLoss"),
      reduction(reduction),
      label_smoothing(label_smoothing),
      weight(std::move(weight)),
      ignore_index(ignore_index) {}
Variable CrossEntropyLoss::forward(const Variable& x, const Tensor& t) {
  return cross_entropy(x, t, reduction, label_smoothing, weight, ignore_index);
}
std::string CrossEntropyLoss::extra_repr() const {
  std::ostringstream os;
  os << repr_reduction(reduction, weight);
  if (label_smoothing != 0.0) os << ", label_smoothing=" << label_smoothing;
  if (ignore_index != -100) os << ", ignore_index=" << ignore_index;
  return os.str();
}

}  // namespace nash::nn
